//! One head as lines, as BertViz draws it: the words attending on the left and the words
//! attended to on the right (the same sentence twice, or a translation and its source), and a
//! line from each word to each word it attends to, as opaque as the weight. The focus token's
//! lines are drawn in the heatmap's hue, the others in grey, so the eye follows one word, and
//! its weights are written at the right-hand end; across two sentences each word's strongest
//! line is in the hue instead, so the alignment (and where it crosses) stands out.

use super::figure::Shown;
use super::html::escape_html;
use crate::format::fmt;
use std::fmt::Write;

const ROW: usize = 24;
const GAP: usize = 150;
/// Lines fainter than this are left out: they would not show, and a 64-token head has 4,096.
const FAINTEST: f64 = 0.02;

/// Which lines are drawn in the heatmap's hue.
#[derive(Clone, Copy, PartialEq)]
pub enum PickedOut {
    /// Every line of the focus token, with its weights written at the right.
    Focus,
    /// Each row's strongest line: the alignment of one sentence with another.
    Strongest,
}

pub fn lines(c: &Shown, picked: PickedOut) -> String {
    let axes = c.spec.kind.axes(&c.spec.tokens);
    let (queries, keys) = (axes.queries, axes.keys);
    let f = c.spec.focus;
    let widest =
        |words: &[String]| 8 * words.iter().map(|t| t.chars().count()).max().unwrap_or(4) + 12;
    let (left, right) = (widest(queries), widest(queries) + GAP);
    let width = right + widest(keys) + 48;
    let height = 16 + queries.len().max(keys.len()) * ROW;
    let y = |i: usize| 16 + i * ROW + ROW / 2;
    let strongest = |i: usize| {
        (0..keys.len())
            .filter_map(|j| c.result.weight(i, j).map(|w| (j, w)))
            .fold(None, |best: Option<(usize, f64)>, (j, w)| match best {
                Some((_, b)) if b >= w => best,
                _ => Some((j, w)),
            })
            .map(|(j, _)| j)
    };
    let is_picked = |i: usize, j: usize| match picked {
        PickedOut::Focus => i == f,
        PickedOut::Strongest => strongest(i) == Some(j),
    };
    let label = match picked {
        PickedOut::Focus => format!(
            "Attention as lines: each word on the left joined to the words it attends to on the right, the stronger the darker; the lines of “{}” are picked out",
            queries[f]
        ),
        PickedOut::Strongest => "Attention as lines between two sentences: each word on the left joined to the words on the right it attends to, the stronger the darker; each word's strongest line is picked out".to_string(),
    };
    let mut out = format!(
        "<svg class=\"attention-lines\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&label)
    );
    // The other lines first, so the picked-out ones lie on top.
    for pass in [false, true] {
        for i in 0..queries.len() {
            for j in 0..keys.len() {
                if is_picked(i, j) != pass {
                    continue;
                }
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
    let bold = |yes: bool| if yes { " class=\"focus\"" } else { "" };
    // Row by row, the word asking, then the word answering (and its weight), as the eye reads.
    for i in 0..queries.len().max(keys.len()) {
        let focus = bold(picked == PickedOut::Focus && i == f);
        if let Some(t) = queries.get(i) {
            let _ = write!(
                out,
                "<text{focus} x=\"{left}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                y(i) + 4,
                escape_html(t),
            );
        }
        if let Some(t) = keys.get(i) {
            let _ = write!(
                out,
                "<text{focus} x=\"{right}\" y=\"{}\">{}</text>",
                y(i) + 4,
                escape_html(t)
            );
        }
        if picked == PickedOut::Focus
            && i < keys.len()
            && let Some(w) = c.result.weight(f, i)
        {
            let _ = write!(
                out,
                "<text class=\"attention-lines-weight\" x=\"{}\" y=\"{}\">{}</text>",
                right + widest(keys),
                y(i) + 4,
                fmt(w)
            );
        }
    }
    out.push_str("</svg>");
    out
}
