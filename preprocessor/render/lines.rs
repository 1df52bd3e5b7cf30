//! One head as lines, as BertViz draws it: the words twice, attending on the left and attended
//! to on the right, and a line from each word to each word it attends to, as opaque as the
//! weight. The focus token's lines are drawn in the heatmap's hue, the others in grey, so the
//! eye follows one word; its weights are written at the right-hand end.

use super::figure::Shown;
use super::html::escape_html;
use crate::format::fmt;
use std::fmt::Write;

const ROW: usize = 24;
const GAP: usize = 150;
/// Lines fainter than this are left out: they would not show, and a 64-token head has 4,096.
const FAINTEST: f64 = 0.02;

pub fn lines(c: &Shown) -> String {
    let tokens = &c.spec.tokens;
    let n = tokens.len();
    let f = c.spec.focus;
    let label = 8 * tokens.iter().map(|t| t.chars().count()).max().unwrap_or(4) + 12;
    let (left, right) = (label, label + GAP);
    let width = right + label + 48;
    let height = 16 + n * ROW;
    let y = |i: usize| 16 + i * ROW + ROW / 2;
    let mut out = format!(
        "<svg class=\"attention-lines\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&format!(
            "Attention as lines: each word on the left joined to the words it attends to on the right, the stronger the darker; the lines of “{}” are picked out",
            tokens[f]
        ))
    );
    // The other words' lines first, so the focus token's lie on top.
    for pass in [false, true] {
        for i in (0..n).filter(|&i| (i == f) == pass) {
            for j in 0..n {
                let Some(w) = c.result.weight(i, j).filter(|w| *w >= FAINTEST) else {
                    continue;
                };
                let class = if pass { " class=\"focus\"" } else { "" };
                let _ = write!(
                    out,
                    "<line{class} x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke-opacity=\"{}\"></line>",
                    left + 6,
                    y(i),
                    right - 6,
                    y(j),
                    fmt(w)
                );
            }
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        let focus = if i == f { " class=\"focus\"" } else { "" };
        let _ = write!(
            out,
            "<text{focus} x=\"{left}\" y=\"{}\" text-anchor=\"end\">{}</text><text{focus} x=\"{right}\" y=\"{}\">{}</text>",
            y(i) + 4,
            escape_html(t),
            y(i) + 4,
            escape_html(t)
        );
        if let Some(w) = c.result.weight(f, i) {
            let _ = write!(
                out,
                "<text class=\"attention-lines-weight\" x=\"{}\" y=\"{}\">{}</text>",
                right + label,
                y(i) + 4,
                fmt(w)
            );
        }
    }
    out.push_str("</svg>");
    out
}
