//! What the book's charts share (the loss of a training run, the cost of writing without a
//! cache): the frame of the plot, its axes, their names and a legend. Each chart draws its own
//! ticks and lines; the CSS classes are `attention.css`'s `attention-chart-*`.

use super::html::escape_html;
use std::fmt::Write;

/// A chart's size and the margins around its plot, in SVG units.
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// The opening `<svg>`, named for screen readers by `label`, and the two axes.
    pub fn open(&self, label: &str) -> String {
        format!(
            "<svg class=\"attention-chart\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\"><path class=\"attention-chart-axis\" d=\"M{},{} V{:.1} H{:.1}\"></path>",
            self.width,
            self.height,
            escape_html(label),
            self.left,
            self.top,
            self.height - self.bottom,
            self.width - self.right
        )
    }

    /// The names of the axes: `across` under the plot, `up` turned along its left side.
    pub fn axis_names(&self, out: &mut String, across: &str, up: &str) {
        let _ = write!(
            out,
            "<text class=\"attention-chart-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{across}</text><text class=\"attention-chart-label\" transform=\"rotate(-90)\" x=\"{:.1}\" y=\"14\" text-anchor=\"middle\">{up}</text>",
            (self.left + self.width - self.right) / 2.0,
            self.height - 6.0,
            -(self.top + self.height - self.bottom) / 2.0
        );
    }

    /// A legend from `x`, near the top: a stroke of each line's class, then its words.
    pub fn legend(&self, out: &mut String, x: f64, entries: &[(&str, &str)]) {
        for (i, (class, words)) in entries.iter().enumerate() {
            let y = self.top + 8.0 + 18.0 * i as f64;
            let _ = write!(
                out,
                "<path class=\"attention-chart-{class}\" d=\"M{x},{y} h24\"></path><text class=\"attention-chart-tick\" x=\"{}\" y=\"{}\">{words}</text>",
                x + 30.0,
                y + 4.0
            );
        }
    }
}
