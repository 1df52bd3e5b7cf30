//! Spec + result → one line of HTML per widget.
//!
//! Each view is a handlebars template embedded in the binary. Every number that the browser
//! may recompute carries a `data-b` binding (`"q f 1"`: field, row, column; `f` is the focus
//! token), so `theme/attention.js` redraws the same elements with the same formatter and the
//! text of a widget is identical before and after the script runs.

mod cells;
pub mod format;
mod static_form;

pub use static_form::{markdown_text, static_markdown};

use crate::core::{self, AttentionResult, Mask};
use crate::spec::View;
use crate::spec::expr::Computed;
use cells::{Bind, Cell, HeatCell, Row};
use format::{fmt, fmt_opt};
use handlebars::Handlebars;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::LazyLock;

/// Heatmaps write their weights in the cells up to this many tokens; beyond, the table below
/// the heatmap carries the numbers.
pub const HEATMAP_TEXT_UP_TO: usize = 24;
/// The side of a heatmap cell, in pixels.
pub const HEATMAP_CELL: u32 = 40;
/// A cell is drawn "strong" (light text on a dark fill) above this weight.
pub const STRONG_WEIGHT: f64 = 0.5;

static TEMPLATES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(escape_html);
    for (name, text) in [
        ("widget", include_str!("templates/widget.hbs")),
        ("table", include_str!("templates/table.hbs")),
        ("projection", include_str!("templates/projection.hbs")),
        ("heatmap", include_str!("templates/heatmap.hbs")),
        ("controls", include_str!("templates/controls.hbs")),
    ] {
        hb.register_template_string(name, text)
            .expect("embedded templates parse (a unit test renders each)");
    }
    hb
});

/// Escapes text for HTML content and attribute values, newlines included, so a widget stays
/// on one line and nothing in a block can open a tag.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside `<script>`: no `<`, `>` or `&` can end the element early.
fn script_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

struct Table {
    caption: String,
    corner: String,
    columns: Vec<String>,
    rows: Vec<Row>,
    class: &'static str,
}

fn render_table(t: &Table) -> String {
    render(
        "table",
        json!({
            "caption": t.caption,
            "head": cells::table_head(&t.corner, &t.columns),
            "class": t.class,
            "body": cells::table_body(&t.rows),
        }),
    )
}

fn cell(text: String, bind: impl Into<Option<Bind>>) -> Cell {
    Cell {
        text,
        bind: bind.into(),
    }
}

/// Renders a template. The data is a `Value` handed over whole: `Registry::render` would
/// serialize it once more, copying every pre-rendered string in it.
fn render(name: &str, data: Value) -> String {
    TEMPLATES
        .render_with_context(name, &handlebars::Context::from(data))
        .unwrap_or_else(|e| {
            format!(
                "<p>template {name} failed: {}</p>",
                escape_html(&e.to_string())
            )
        })
}

fn token_table(
    c: &Computed,
    caption: &str,
    field: &'static str,
    m: &ndarray::Array2<f64>,
    columns: Vec<String>,
) -> Table {
    let rows = c
        .spec
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| Row {
            header: t.clone(),
            focus: i == c.spec.focus,
            token: Some(i),
            cells: m
                .row(i)
                .iter()
                .enumerate()
                .map(|(j, x)| cell(fmt(*x), Bind::at(field, i, j)))
                .collect(),
        })
        .collect();
    Table {
        caption: caption.into(),
        corner: "token".into(),
        columns,
        rows,
        class: "attention-matrix",
    }
}

fn weight_table(c: &Computed, name: &str, field: &str, m: &ndarray::Array2<f64>) -> Table {
    let rows = (0..m.nrows())
        .map(|r| Row {
            header: format!("row {}", r + 1),
            focus: false,
            token: None,
            cells: m.row(r).iter().map(|x| cell(fmt(*x), None)).collect(),
        })
        .collect();
    Table {
        caption: format!("{name}: row i makes dimension i of {field}"),
        corner: String::new(),
        columns: c.spec.dims.clone(),
        rows,
        class: "attention-matrix",
    }
}

fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("{prefix}{i}")).collect()
}

#[derive(Serialize)]
struct Term {
    w: String,
    x: String,
    x_bind: String,
    product: String,
    product_bind: String,
}

#[derive(Serialize)]
struct Equation {
    matrix: &'static str,
    out: &'static str,
    row: usize,
    terms: Vec<Term>,
    result: String,
    result_bind: String,
}

fn projection_view(c: &Computed) -> String {
    let f = c.spec.focus;
    let input = &c.spec.input;
    let mut equations = Vec::new();
    for (matrix, out, w) in [
        ("W_Q", "q", &input.w_q),
        ("W_K", "k", &input.w_k),
        ("W_V", "v", &input.w_v),
    ] {
        for r in 0..w.nrows() {
            let x = input.embeddings.row(f);
            let products = core::projection_terms(x, w.row(r));
            // Before any set_query override: this is what the products add up to.
            let sum = core::dot(x, w.row(r));
            let terms = w
                .row(r)
                .iter()
                .zip(products)
                .enumerate()
                .map(|(j, (wj, product))| Term {
                    w: fmt(*wj),
                    x: fmt(x[j]),
                    x_bind: format!("x f {j}"),
                    product: fmt(product),
                    product_bind: format!("{out}t f {r} {j}"),
                })
                .collect();
            equations.push(Equation {
                matrix,
                out,
                row: r + 1,
                terms,
                result: fmt(sum),
                result_bind: format!("{out}p f {r}"),
            });
        }
    }
    render(
        "projection",
        json!({ "token": c.spec.tokens[f], "equations": equations }),
    )
}

fn scores_view(c: &Computed) -> Table {
    let f = c.spec.focus;
    let r = &c.result;
    let rows = c
        .spec
        .tokens
        .iter()
        .enumerate()
        .map(|(j, t)| Row {
            header: t.clone(),
            focus: j == f,
            token: Some(j),
            cells: vec![
                cell(fmt_opt(r.dots[[f, j]]), Bind::focus("dots", &[j])),
                cell(fmt_opt(r.scores[[f, j]]), Bind::focus("scores", &[j])),
                cell(
                    fmt_opt(r.scores[[f, j]].map(|_| r.weights[[f, j]])),
                    Bind::focus("w", &[j]),
                ),
            ],
        })
        .chain(std::iter::once(Row {
            header: "sum".into(),
            focus: false,
            token: None,
            cells: vec![
                cell(String::new(), None),
                cell(String::new(), None),
                cell(fmt(row_sum(r, f)), Bind::focus("wsum", &[])),
            ],
        }))
        .collect();
    Table {
        caption: format!(
            "The query of {} against every key: dot product, scaled by {}, softmax",
            c.spec.tokens[f],
            fmt(r.scale)
        ),
        corner: "key".into(),
        columns: vec!["q · k".into(), "× scale".into(), "weight".into()],
        rows,
        class: "attention-steps",
    }
}

fn row_sum(r: &AttentionResult, i: usize) -> f64 {
    r.weights.row(i).iter().fold(0.0, |s, w| s + w)
}

fn output_view(c: &Computed) -> Table {
    let f = c.spec.focus;
    let r = &c.result;
    let d_v = r.v.ncols();
    let mut rows: Vec<Row> = c
        .spec
        .tokens
        .iter()
        .enumerate()
        .map(|(j, t)| Row {
            header: t.clone(),
            focus: j == f,
            token: Some(j),
            cells: std::iter::once(cell(fmt(r.weights[[f, j]]), Bind::focus("weights", &[j])))
                .chain((0..d_v).map(|col| {
                    cell(
                        fmt(r.weights[[f, j]] * r.v[[j, col]]),
                        Bind::focus("wv", &[j, col]),
                    )
                }))
                .collect(),
        })
        .collect();
    rows.push(Row {
        header: "output".into(),
        focus: false,
        token: None,
        cells: std::iter::once(cell(String::new(), None))
            .chain((0..d_v).map(|col| cell(fmt(r.output[[f, col]]), Bind::focus("output", &[col]))))
            .collect(),
    });
    let mut columns = vec!["weight".to_string()];
    columns.extend(numbered("weight × v", d_v));
    Table {
        caption: format!(
            "The output of {}: each value scaled by its weight, then summed",
            c.spec.tokens[f]
        ),
        corner: "token".into(),
        columns,
        rows,
        class: "attention-steps",
    }
}

/// Class of a heatmap cell: the one rule the script mirrors in `cellClass`.
pub fn cell_class(weight: Option<f64>, changed: bool) -> &'static str {
    match (weight, changed) {
        (None, _) => "masked",
        (Some(w), true) if w > STRONG_WEIGHT => "strong changed",
        (Some(_), true) => "changed",
        (Some(w), false) if w > STRONG_WEIGHT => "strong",
        _ => "",
    }
}

/// Weights under a given mask, for the bidirectional/causal comparison.
fn weights_under(c: &Computed, mask: Mask) -> Option<AttentionResult> {
    core::attend(
        c.result.q.clone(),
        c.result.k.clone(),
        c.result.v.clone(),
        &mask,
        c.spec.input.scale,
    )
    .ok()
}

/// One heatmap: `field` is `w` (the block's mask), `wn` (none) or `wc` (causal).
fn heatmap(
    c: &Computed,
    field: &'static str,
    result: &AttentionResult,
    compare_to: Option<&AttentionResult>,
    heading: &str,
    title: &str,
) -> String {
    let n = c.spec.tokens.len();
    let longest = c
        .spec
        .tokens
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(1) as u32;
    // Whole pixels keep the geometry cheap to write and identical wherever it is written.
    let label = (longest * 15 / 2 + 12).clamp(30, 140);
    let show_text = n <= HEATMAP_TEXT_UP_TO;
    let mut cells = Vec::with_capacity(n * n);
    let mut alt_rows = Vec::with_capacity(n);
    for i in 0..n {
        let mut alt_cells = Vec::with_capacity(n);
        for j in 0..n {
            let weight = result.scores[[i, j]].map(|_| result.weights[[i, j]]);
            let text = fmt_opt(weight);
            let changed = compare_to.is_some_and(|b| text != fmt(b.weights[[i, j]]));
            let bind = Bind::at(field, i, j);
            cells.push(HeatCell {
                x: label + j as u32 * HEATMAP_CELL,
                y: label + i as u32 * HEATMAP_CELL,
                opacity: if weight.is_some() {
                    text.clone()
                } else {
                    fmt(0.0)
                },
                text: text.clone(),
                class: cell_class(weight, changed),
                bind,
            });
            alt_cells.push(cell(text, bind));
        }
        alt_rows.push(Row {
            header: c.spec.tokens[i].clone(),
            focus: i == c.spec.focus,
            token: Some(i),
            cells: alt_cells,
        });
    }
    let size = label + n as u32 * HEATMAP_CELL;
    let alt = Table {
        caption: title.to_string(),
        corner: "attending ↓ / attended →".into(),
        columns: c.spec.tokens.clone(),
        rows: alt_rows,
        class: "attention-matrix",
    };
    render(
        "heatmap",
        json!({
            "heading": heading,
            "title": title,
            "field": field,
            "size": size,
            "cell": HEATMAP_CELL,
            "cells": cells::heat_cells(&cells, HEATMAP_CELL, show_text),
            "labels": cells::heat_labels(&c.spec.tokens, label, HEATMAP_CELL, longest * 15 / 2 > HEATMAP_CELL),
            "show_text": show_text,
            "compare": compare_to.is_some(),
            "summary": "The same weights as a table",
            "table": render_table(&alt),
        }),
    )
}

fn heatmap_view(c: &Computed) -> String {
    // No mask in the words: the reader can switch it, and the heading must stay true.
    let title = "Attention weights: row = the token attending, column = the token attended to; darker = stronger";
    heatmap(c, "w", &c.result, None, "Attention weights", title)
}

fn compare_view(c: &Computed) -> String {
    let (Some(none), Some(causal)) = (weights_under(c, Mask::None), weights_under(c, Mask::Causal))
    else {
        return String::new();
    };
    let left = heatmap(
        c,
        "wn",
        &none,
        None,
        "Bidirectional",
        "Bidirectional: every token sees the whole sentence",
    );
    let right = heatmap(
        c,
        "wc",
        &causal,
        Some(&none),
        "Causal (masked)",
        "Causal: each token sees only itself and the tokens before it; outlined cells differ from the bidirectional matrix",
    );
    format!("<div class=\"attention-compare\">{left}{right}</div>")
}

fn controls_view(c: &Computed) -> String {
    let f = c.spec.focus;
    let slider = |bind: Bind, dim: usize, label: &str, value: f64| {
        // Whole numbers, as the script writes them when the focus moves (attention.js, syncControls).
        let min = value.min(-2.0).floor() as i64;
        let max = value.max(2.0).ceil() as i64;
        json!({ "dim": dim, "label": label, "bind": bind.to_string(), "value": value, "text": fmt(value), "min": min, "max": max })
    };
    let queries: Vec<Value> = (0..c.result.q.ncols())
        .map(|d| {
            slider(
                Bind::focus("q", &[d]),
                d,
                &format!("dimension {}", d + 1),
                c.result.q[[f, d]],
            )
        })
        .collect();
    let embeddings: Vec<Value> = (0..c.spec.dims.len())
        .map(|d| {
            slider(
                Bind::focus("x", &[d]),
                d,
                &c.spec.dims[d],
                c.spec.input.embeddings[[f, d]],
            )
        })
        .collect();
    // The legend also names each slider for screen readers ("Query of cat, dimension 1").
    let groups = json!([
        { "legend": "Query of", "kind": "q", "sliders": queries },
        { "legend": "Embedding of", "kind": "x", "sliders": embeddings },
    ]);
    let d_k = c.result.q.ncols();
    render(
        "controls",
        json!({
            "token": c.spec.tokens[f],
            "tokens": c.spec.tokens.iter().enumerate().map(|(i, t)| json!({"index": i, "text": t, "selected": i == f})).collect::<Vec<_>>(),
            "groups": groups,
            "default_scale": format!("1/√{d_k}"),
            "scale": fmt(c.result.scale),
            "custom_scale": c.spec.input.scale.is_some(),
            "causal": c.spec.input.mask == Mask::Causal,
            "explicit": matches!(c.spec.input.mask, Mask::Explicit(_)),
        }),
    )
}

/// The data contract read by `theme/attention.js` and the tests.
pub fn widget_data(c: &Computed) -> Value {
    let spec = &c.spec;
    let r = &c.result;
    let rows =
        |m: &ndarray::Array2<f64>| m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>();
    let opt_rows = |m: &ndarray::Array2<Option<f64>>| {
        m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>()
    };
    let mask = match &spec.input.mask {
        Mask::None => json!("none"),
        Mask::Causal => json!("causal"),
        Mask::Explicit(m) => json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>()),
    };
    json!({
        "tokens": spec.tokens,
        "dims": spec.dims,
        "focus": spec.focus,
        "views": spec.views.iter().map(|v| v.name()).collect::<Vec<_>>(),
        "embeddings": rows(&spec.input.embeddings),
        "w_q": rows(&spec.input.w_q),
        "w_k": rows(&spec.input.w_k),
        "w_v": rows(&spec.input.w_v),
        "mask": mask,
        "scale": r.scale,
        "scale_is_default": spec.input.scale.is_none(),
        "query_overrides": spec.input.query_overrides.iter().map(|o| json!([o.token, o.dim, o.value])).collect::<Vec<_>>(),
        "q": rows(&r.q),
        "k": rows(&r.k),
        "v": rows(&r.v),
        "scores": opt_rows(&r.scores),
        "weights": rows(&r.weights),
        "output": rows(&r.output),
    })
}

/// The whole widget, as one line of HTML.
pub fn widget(c: &Computed) -> String {
    let mut views = Vec::new();
    for view in &c.spec.views {
        let html = match view {
            View::Embeddings => render_table(&token_table(
                c,
                "Embeddings: one row per token, one column per dimension",
                "x",
                &c.spec.input.embeddings,
                c.spec.dims.clone(),
            )),
            View::Matrices => [
                ("W_Q", "Q", &c.spec.input.w_q),
                ("W_K", "K", &c.spec.input.w_k),
                ("W_V", "V", &c.spec.input.w_v),
            ]
            .iter()
            .map(|(name, field, m)| render_table(&weight_table(c, name, field, m)))
            .collect::<Vec<_>>()
            .join(""),
            View::Projection => projection_view(c),
            View::Qkv => [
                ("Q", "q", &c.result.q),
                ("K", "k", &c.result.k),
                ("V", "v", &c.result.v),
            ]
            .iter()
            .map(|(name, field, m)| {
                let caption = format!("{name}: one row per token");
                render_table(&token_table(c, &caption, field, m, numbered("", m.ncols())))
            })
            .collect::<Vec<_>>()
            .join(""),
            View::Scores => render_table(&scores_view(c)),
            View::Output => render_table(&output_view(c)),
            View::Heatmap => heatmap_view(c),
            View::Compare => compare_view(c),
            View::Controls => controls_view(c),
        };
        views.push(format!(
            "<div class=\"attention-view attention-{}\">{html}</div>",
            view.name()
        ));
    }
    let body = render(
        "widget",
        json!({
            "title": c.spec.title,
            "data": script_json(&widget_data(c)),
            "views": views.join(""),
        }),
    );
    one_line(&body)
}

/// Joins template lines: the templates break lines only between tags.
fn one_line(html: &str) -> String {
    html.lines().map(str::trim).collect::<Vec<_>>().join("")
}

#[cfg(test)]
mod tests;
