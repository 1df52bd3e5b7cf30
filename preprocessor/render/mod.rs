//! A computed block → one line of HTML per widget.
//!
//! Table views build a figure model (`views/`, `figure.rs`) that `cells.rs` writes as HTML and
//! `static_form.rs` as Markdown; heatmaps live in `heatmap.rs`; every frame is a handlebars
//! template embedded in the binary. Every number (and every word) that the browser may
//! recompute carries a `data-b` binding (`"q f 1"`: field, row, column; `f` is the focus
//! token), so `theme/attention/` redraws the same elements with the same formatter and the
//! text of a widget is identical before and after the script runs. A template that fails is a
//! build error, never a half-written page.

pub mod binding;
mod cells;
mod chart;
pub mod data;
mod figure;
mod heatmap;
mod html;
mod layers;
mod lines;
pub mod pencil;
mod positions;
pub mod python;
mod static_form;
mod training;
mod views;

pub use binding::Field as BindingField;
use cells::{render_table, render_tables};
pub use heatmap::{HEATMAP_CELL, HEATMAP_TEXT_UP_TO, STRONG_OPACITY, cell_class};
pub use html::escape_html;
use html::{FAILURE, render, script_json};
pub use static_form::{markdown_text, static_markdown};

use crate::block::Computed;
use crate::block::View;
use crate::core::Mask;
/// The one number format, which lives below the spec so messages can use it too.
pub use crate::format;
use crate::format::fmt;
use data::WidgetData;
use figure::{Figure, Shown};
use serde_json::{Value, json};

fn projection_view(c: &Shown, equations: &[figure::Equation]) -> String {
    let equations: Vec<Value> = equations
        .iter()
        .map(|e| {
            json!({
                "matrix": e.matrix,
                "out": e.out,
                "row": e.row,
                "terms": e.terms.iter().map(|t| json!({
                    "w": t.w, "x": t.x.0, "x_bind": t.x.1.to_string(),
                    "product": t.product.0, "product_bind": t.product.1.to_string(),
                })).collect::<Vec<_>>(),
                "result": e.result.0,
                "result_bind": e.result.1.to_string(),
            })
        })
        .collect();
    render(
        "projection",
        json!({ "token": c.spec.tokens[c.spec.focus], "equations": equations }),
    )
}

/// A slider's range: whole numbers around -2..2 that hold its value and every value its steps
/// set, as the script writes them when the focus moves (theme/attention/widget.js, `sliderReach`).
fn slider_reach(value: f64, extra: &[f64]) -> (i64, i64) {
    let all = extra.iter().copied().chain([value, -2.0, 2.0]);
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    (lo.floor() as i64, hi.ceil() as i64)
}

/// The scale slider's range: 0 to 4, widened to hold the block's own scale.
fn scale_reach(scale: f64) -> (i64, i64) {
    (scale.min(0.0).floor() as i64, scale.max(4.0).ceil() as i64)
}

fn controls_view(c: &Shown) -> String {
    let f = c.spec.focus;
    let (scale_min, scale_max) = scale_reach(c.result.scale);
    let step_values = |dim: usize| -> Vec<f64> {
        c.spec
            .steps
            .iter()
            .flat_map(|s| {
                s.set_query
                    .iter()
                    .filter(|(d, _)| *d == dim)
                    .map(|(_, v)| *v)
            })
            .collect()
    };
    let slider = |bind: String, dim: usize, label: &str, value: f64, extra: &[f64]| {
        let (min, max) = slider_reach(value, extra);
        json!({ "dim": dim, "label": label, "bind": bind, "value": value, "text": fmt(value), "min": min, "max": max })
    };
    let queries: Vec<Value> = (0..c.result.q.ncols())
        .map(|d| {
            slider(
                format!("q f {d}"),
                d,
                &format!("dimension {}", d + 1),
                c.result.q[[f, d]],
                &step_values(d),
            )
        })
        .collect();
    // The legend also names each slider for screen readers ("Query of cat, dimension 1").
    let mut groups = vec![json!({ "legend": "Query of", "kind": "q", "sliders": queries })];
    // A real model's head has no embeddings of its own to move.
    if let Some(p) = c.input.projection() {
        let embeddings: Vec<Value> = (0..c.spec.dims.len())
            .map(|d| {
                slider(
                    format!("x f {d}"),
                    d,
                    &c.spec.dims[d],
                    p.embeddings[[f, d]],
                    &[],
                )
            })
            .collect();
        groups.push(json!({ "legend": "Embedding of", "kind": "x", "sliders": embeddings }));
    }
    let d_k = c.result.q.ncols();
    render(
        "controls",
        json!({
            "token": c.spec.tokens[f],
            "tokens": c.spec.tokens.iter().enumerate().map(|(i, t)| json!({"index": i, "text": t, "selected": i == f})).collect::<Vec<_>>(),
            "groups": groups,
            "steps": c.spec.steps.iter().enumerate().map(|(i, s)| json!({"index": i, "label": s.label})).collect::<Vec<_>>(),
            // Several heads: which one the step-by-step views follow.
            "heads": if c.spec.kind.heads() > 1 {
                (0..c.spec.kind.heads()).map(|h| json!({"index": h, "label": format!("head {}", h + 1), "selected": h == 0})).collect::<Vec<_>>()
            } else {
                Vec::new()
            },
            "default_scale": format!("1/√{d_k}"),
            "scale": fmt(c.result.scale),
            "scale_value": c.result.scale,
            "scale_min": scale_min,
            "scale_max": scale_max,
            "custom_scale": c.input.scale.is_some(),
            "causal": c.input.mask == Mask::Causal,
            "explicit": matches!(c.input.mask, Mask::Explicit(_)),
        }),
    )
}

/// Pickers of a layer and a head of a real model, shown by the script, which fills the table
/// after them with the picked head (`theme/attention/views/layers.js`, `headPicker`).
fn head_picker((layers, heads, layer, head): (usize, usize, usize, usize)) -> String {
    let options = |count: usize, selected: usize| -> String {
        (0..count)
            .map(|i| {
                let on = if i == selected { " selected" } else { "" };
                format!("<option value=\"{i}\"{on}>{}</option>", i + 1)
            })
            .collect()
    };
    format!(
        "<p class=\"attention-head-picker\" hidden><label>Show layer <select class=\"attention-pick-layer\">{}</select></label> <label>head <select class=\"attention-pick-head\">{}</select></label> in full</p>",
        options(layers, layer),
        options(heads, head)
    )
}

/// The decode view: a control (the live figure's only) to walk the steps — a native range input
/// and two buttons — then every step, each reading its own result (`data-r`).
fn decode_view(steps: &[figure::DecodeStep], shown: usize, tokens: &[String]) -> String {
    let n = steps.len();
    let mut out = format!(
        "<div class=\"attention-decode\"><p class=\"attention-decode-control\" hidden><button type=\"button\" class=\"attention-decode-prev\">Previous token</button> <label>Step <input type=\"range\" class=\"attention-decode-slider\" min=\"1\" max=\"{n}\" step=\"1\" value=\"{shown}\" aria-valuetext=\"{}\"></label> <button type=\"button\" class=\"attention-decode-next\">Next token</button></p>",
        escape_html(&decode_valuetext(shown, n, &tokens[shown - 1]))
    );
    for s in steps {
        out.push_str(&format!(
            "<section class=\"attention-decode-step\" data-r=\"{}\" data-step=\"{}\" aria-label=\"Step {} of {n}\"><p class=\"attention-decode-heading\">{}</p>{}<p class=\"attention-decode-said\">{}</p></section>",
            s.which,
            s.step,
            s.step,
            escape_html(&s.heading),
            render_tables(&s.tables),
            escape_html(&s.said)
        ));
    }
    out.push_str("</div>");
    out
}

/// What the step slider says to a screen reader (`views/decode.js` says the same).
fn decode_valuetext(step: usize, n: usize, token: &str) -> String {
    format!("step {step} of {n}: “{token}”")
}

/// The training-step slider: a native range input (an ARIA slider with arrow keys), whose stops
/// are the kept steps; the script puts each step's weights into the figure.
fn learning_slider(c: &Computed) -> Result<String, String> {
    let run = training::run_of(c)?;
    let last = run.snapshots.len() - 1;
    let step = run.snapshots[last].step;
    Ok(render(
        "training",
        json!({
            "max": last,
            "step": step,
            "valuetext": format!("step {step} of {step}: trained"),
            "loss": fmt(run.loss[step]),
        }),
    ))
}

/// Whether the only line breaks of some widgets' HTML are inside their programs (script
/// elements of Python).
pub fn one_line_but_its_program(html: &str) -> bool {
    let mut rest = html;
    loop {
        match rest.split_once("<script type=\"text/x-python\">") {
            None => return !rest.contains('\n'),
            Some((before, program)) => {
                if before.contains('\n') {
                    return false;
                }
                rest = program
                    .split_once("</script>")
                    .map_or("", |(_, after)| after);
            }
        }
    }
}

/// The whole widget, as one line of HTML (but for its program's lines, which carry no blank
/// line); a view that cannot be written is an error.
pub fn widget(c: &Computed) -> Result<String, String> {
    FAILURE.with(|f| f.borrow_mut().take());
    let own = Shown::of(c, 0);
    let mut parts = Vec::with_capacity(c.spec.views.len());
    for view in &c.spec.views {
        let html = match views::figure(*view, &own)? {
            Figure::Tables(tables) => render_tables(&tables),
            Figure::Equations(equations) => projection_view(&own, &equations),
            Figure::Heatmaps(panels) => heatmap::heatmap_view(c, &panels),
            Figure::Controls => controls_view(&own),
            // A region that scrolls on a phone, named like its table.
            Figure::Chart { svg, table } => format!(
                "<div class=\"attention-scroll attention-chart-box\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">{svg}</div><details class=\"attention-alt\"><summary>The same numbers as a table</summary>{}</details>",
                escape_html(&cells::caption_text(&table.caption)),
                render_table(&table)
            ),
            Figure::Learning(panels) => learning_slider(c)? + &heatmap::heatmap_view(c, &panels),
            Figure::Order {
                panels,
                copy,
                summary,
                switch,
            } => render(
                "order",
                json!({
                    "panels": heatmap::heatmap_view(c, &panels),
                    "copy": copy,
                    "summary": summary,
                    "switch": switch,
                }),
            ),
            Figure::Decode {
                steps,
                shown,
                chart,
                cost,
                memory,
            } => {
                decode_view(&steps, shown, &c.spec.tokens)
                    + &format!(
                        "<div class=\"attention-scroll attention-chart-box\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">{chart}</div>",
                        escape_html(&cells::caption_text(&cost.caption))
                    )
                    + &render_table(&cost)
                    + &format!(
                        "<p class=\"attention-decode-said\">{}</p>",
                        escape_html(&memory)
                    )
            }
            Figure::Drawn {
                svg,
                label,
                tables,
                picker,
            } => format!(
                "<div class=\"attention-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">{svg}</div>{}{}",
                escape_html(&label),
                picker.map(head_picker).unwrap_or_default(),
                render_tables(&tables)
            ),
        };
        // A view of a named result says which, so the script redraws it from that result.
        let reads = match own.which {
            0 => String::new(),
            which => format!(" data-r=\"{which}\""),
        };
        let open = format!(
            "<div class=\"attention-view\" data-view=\"{}\"{reads}>",
            view.name()
        );
        parts.push([open, html, "</div>".to_string()]);
    }
    let marked = parts.iter().any(|[_, html, _]| pencil::marks_any(html));
    // One copy of megabytes of heatmaps, into a string of the right size.
    let views = parts.concat().concat();
    let has_totals = c.spec.views.iter().any(|v| v.has_totals());
    let body = render(
        "widget",
        json!({
            "title": c.spec.title,
            "data": script_json(&WidgetData::of(c))?,
            "views": views,
            "controls": c.spec.views.contains(&View::Controls),
            "token": c.spec.tokens[c.spec.focus],
            "totals": has_totals,
            "marked": marked,
            // Raw script text: no entity is decoded there, and python.rs writes no `<`.
            "reproduce": python::program(c),
        }),
    );
    if let Some(failure) = FAILURE.with(|f| f.borrow_mut().take()) {
        return Err(failure);
    }
    debug_assert!(
        !body.contains("\n\n") && one_line_but_its_program(&body),
        "a widget is one line of HTML, but for its program's lines"
    );
    Ok(body)
}

#[cfg(test)]
mod tests;
