//! The heatmap and compare views: weights as colour, with a legend and the focus row picked
//! out. A heatmap is a table, one element per weight (its colour a CSS variable, its number its
//! text), so screen readers, print and readers without script read the numbers where the
//! colours are.
//!
//! Colour: a cell's opacity is the square root of its weight, on one scale for the whole book.
//! The root spreads the weights a figure really holds (most lie between 0.05 and 0.7) over most
//! of the colour range, so small differences show, while a flat matrix still looks flat and a
//! control that moves one row leaves the others' colours alone. The legend above each heatmap
//! marks 0, 0.25 and 1. The cell's text turns light (or dark, in dark themes) above
//! [`STRONG_OPACITY`], where attention.css's per-theme colours keep both at 4.5:1 or more.

use super::binding::{Bind, Field};
use super::cells::{self, HeatCell};
use super::figure::{Figure, Heatmap};
use super::html::{escape_html, render};
use crate::block::Computed;
use crate::block::{ResultGroup, ResultName};
use crate::core::AttentionResult;
use crate::format::{fmt, fmt_opt};
use serde_json::json;

/// Heatmaps show their weights in the cells up to this many tokens; beyond, the numbers are in
/// the cells unseen (screen readers, copying and the tooltip read them).
pub const HEATMAP_TEXT_UP_TO: usize = 24;
/// The side of a heatmap cell, in pixels.
pub const HEATMAP_CELL: u32 = 40;
/// Above this opacity a cell's text switches to the contrasting colour (attention.css).
pub const STRONG_OPACITY: f64 = 0.7;

/// Class of a heatmap cell: the one rule the script mirrors in `cellClass`.
pub fn cell_class(opacity: Option<f64>) -> &'static str {
    match opacity {
        None => "masked",
        Some(o) if o > STRONG_OPACITY => "strong",
        Some(_) => "",
    }
}

/// A cell's opacity as written: the square root of its weight, two decimals.
pub fn opacity(weight: Option<f64>) -> String {
    fmt(opacity_of(weight.unwrap_or(0.0)))
}

/// The book's colour scale: the opacity of a weight's cell, the square root of the weight.
pub fn opacity_of(weight: f64) -> f64 {
    weight.max(0.0).sqrt()
}

pub fn heatmap(c: &Computed, h: &Heatmap) -> String {
    let axes = c.spec.kind.axes(&c.spec.tokens);
    let (n_q, n_k) = (axes.queries.len(), axes.keys.len());
    let longest = axes
        .keys
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(1) as u32;
    let result = &c.results[h.which].result;
    let compare_to = h.compare_to.map(|k| &c.results[k].result);
    let mut heat = Vec::with_capacity(n_q * n_k);
    for i in 0..n_q {
        for j in 0..n_k {
            let weight = result.weight(i, j);
            let text = fmt_opt(weight);
            let opacity = weight.map(|w| opacity(Some(w)));
            heat.push(HeatCell {
                // The class follows the opacity as written, as the script reads it.
                class: cell_class(opacity.as_deref().map(|o| o.parse().unwrap_or(0.0))),
                opacity,
                bind: Bind::at(Field::Weight, i, j),
                // Only a weight that is there can have changed: a masked cell shows ⨯, and
                // outlining every ⨯ of a causal map would drown the few weights that moved.
                changed: compare_to.map(|b| weight.is_some() && text != fmt_opt(b.weight(i, j))),
                text,
            });
        }
    }
    // Column labels longer than a cell turn, so the grid keeps its square cells.
    let rotate = longest * 15 / 2 > HEATMAP_CELL;
    render(
        "heatmap",
        json!({
            "heading": h.heading,
            "title": h.title,
            "which": h.which,
            "reads": h.pinned || h.which > 0,
            "against": h.compare_to,
            "cell": HEATMAP_CELL,
            "quiet": n_q.max(n_k) > HEATMAP_TEXT_UP_TO,
            "grid": cells::heat_table(
                &cells::Grid {
                    queries: axes.queries,
                    keys: axes.keys,
                    corner: axes.corner,
                    focus: (!h.in_compare).then_some(c.spec.focus),
                    rotate,
                },
                &heat,
            ),
            "compare": h.compare_to.is_some(),
        }),
    )
}

/// The heatmaps a view shows — one, or the compare view's pair — as both writers read them.
pub fn panels(c: &Computed, compare: bool) -> Result<Vec<Heatmap>, String> {
    if !compare {
        // No mask in the words: the reader can switch it, and the heading must stay true.
        return Ok(vec![Heatmap {
            which: 0,
            compare_to: None,
            heading: "Attention weights".into(),
            title: "Attention weights: row = the token attending, column = the token attended to; a stronger colour = more attention".into(),
            in_compare: false,
            pinned: false,
        }]);
    }
    let index = |key: &str| {
        let name = ResultName {
            group: ResultGroup::Mask,
            key: key.to_string(),
        };
        c.index_of(&name).ok_or_else(|| {
            format!("the compare view needs the result `{name}`, which the block does not have")
        })
    };
    let (none, causal) = (index("bidirectional")?, index("causal")?);
    Ok(vec![
        Heatmap {
            which: none,
            compare_to: None,
            heading: "Bidirectional".into(),
            title: "Bidirectional: every token sees the whole sentence".into(),
            in_compare: true,
            pinned: true,
        },
        Heatmap {
            which: causal,
            compare_to: Some(none),
            heading: "Causal (masked)".into(),
            title: "Causal: each token sees only itself and the tokens before it; outlined cells differ from the bidirectional matrix".into(),
            in_compare: true,
            pinned: true,
        },
    ])
}

/// The order view: the sentence as written beside the same words in the copy's order. Both
/// maps keep the words' rows and columns, so a cell reads the same two words in either map and
/// an outline marks a weight the new order changed.
pub fn order(c: &Computed) -> Result<Figure, String> {
    let name = ResultName {
        group: ResultGroup::Order,
        key: "shuffled".into(),
    };
    let copy = c
        .index_of(&name)
        .ok_or("the order view needs the copy `order[shuffled]`, which the block does not have")?;
    let words = |order: &mut dyn Iterator<Item = usize>| {
        let words: Vec<&str> = order.map(|i| c.spec.tokens[i].as_str()).collect();
        format!("“{}”", words.join(" "))
    };
    let copy_words = words(&mut c.spec.order.iter().copied());
    Ok(Figure::Order {
        panels: vec![
            Heatmap {
                which: 0,
                compare_to: None,
                heading: format!("As written: {}", words(&mut (0..c.spec.tokens.len()))),
                title: "The sentence as written: row = the token attending, column = the token attended to".into(),
                in_compare: true,
                pinned: true,
            },
            Heatmap {
                which: copy,
                compare_to: Some(0),
                heading: format!("Shuffled: {copy_words}"),
                title: "The same words in another order, in the rows and columns of the sentence as written; outlined cells differ from it".into(),
                in_compare: true,
                pinned: true,
            },
        ],
        copy: copy_words,
        summary: order_summary(&c.results[0].result, &c.results[copy].result),
        switch: c.spec.positions != crate::block::PositionsKind::None,
    })
}

/// How many weights the new order changed, as shown (`theme/attention/views/order.js`,
/// `orderSummary`, writes the same words).
pub fn order_summary(written: &AttentionResult, copy: &AttentionResult) -> String {
    let n = written.weights.nrows();
    let differ = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|&(i, j)| fmt_opt(written.weight(i, j)) != fmt_opt(copy.weight(i, j)))
        .count();
    if differ == 0 {
        "Every weight is the same in both orders: moving the words only moved their rows and columns.".into()
    } else {
        format!(
            "{differ} of the {} weights differ: the words’ places changed what they attend to.",
            n * n
        )
    }
}

/// One small heatmap per head, side by side, on the one colour scale of the book.
pub fn head_panels(c: &Computed) -> Vec<Heatmap> {
    (0..c.spec.kind.heads())
        .map(|h| Heatmap {
            which: h,
            compare_to: None,
            heading: format!("Head {}", h + 1),
            title: format!("Head {}: attention weights, row = the token attending, column = the token attended to", h + 1),
            in_compare: false,
            pinned: true,
        })
        .collect()
}

/// The heatmap or compare view as HTML.
pub fn heatmap_view(c: &Computed, panels: &[Heatmap]) -> String {
    let html: Vec<String> = panels.iter().map(|h| heatmap(c, h)).collect();
    // Several panels (a comparison, the heads) are laid out side by side.
    let (open, close) = if panels.len() > 1 {
        ("<div class=\"attention-compare\">", "</div>")
    } else {
        ("", "")
    };
    let mut pieces = vec![open];
    pieces.extend(html.iter().map(String::as_str));
    pieces.push(close);
    // A comparison says in words how many weights moved: the outlines point at them, the
    // sentence gives their number (the order view has its own).
    let summary = panels
        .iter()
        .find_map(|h| h.compare_to.map(|against| (h.which, against)))
        // Only a comparison of masks: the order view says its own.
        .filter(|&(which, _)| {
            c.results[which]
                .name
                .as_ref()
                .is_some_and(|n| n.group == ResultGroup::Mask)
        })
        .map(|(which, against)| {
            format!(
                "<p class=\"attention-compare-summary\" data-compare=\"{which} {against}\" aria-live=\"polite\">{}</p>",
                escape_html(&compare_summary(
                    &c.results[which].result,
                    &c.results[against].result
                ))
            )
        })
        .unwrap_or_default();
    pieces.push(&summary);
    pieces.concat()
}

/// How many of the weights a word may still give moved under the compared mask, as shown
/// (`theme/attention/views/compare.js`, `compareSummary`, writes the same words).
pub fn compare_summary(shown: &AttentionResult, against: &AttentionResult) -> String {
    let n = shown.weights.nrows();
    let cells = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)));
    let open: Vec<(usize, usize)> = cells
        .filter(|&(i, j)| shown.weight(i, j).is_some())
        .collect();
    let moved = open
        .iter()
        .filter(|&&(i, j)| fmt_opt(shown.weight(i, j)) != fmt_opt(against.weight(i, j)))
        .count();
    format!(
        "Outlined: {moved} of the {} weights a word may still give changed under the mask; the cells marked ⨯ are the ones it hides.",
        open.len()
    )
}
