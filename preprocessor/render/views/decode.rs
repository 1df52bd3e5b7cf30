//! The decode view: the block's sentence written one token at a time. Each step is a section
//! that reads its own result (`decode[t]`, `block/decoding.rs`): the cache of keys and values so
//! far with the new row picked out, the new query against every cached key, and the output;
//! and what the cache saved, counted in dot products. The live figure shows one step at a time
//! (`theme/attention/views/decode.js`); without the script, and on paper, every step shows.

use super::super::binding::{Bind, Field};
use super::super::chart::Frame;
use super::super::figure::{Caption, DecodeStep, Row, Shown, Table, cell};
use super::shared::numbered;
use crate::block::ResultGroup;
use crate::block::decoding::{GPT2_SMALL, dots_per_step, dots_up_to};
use crate::format::{fmt, fmt_opt};
use std::fmt::Write;

/// The lengths the cost table counts besides the block's own.
const LONGER: [usize; 3] = [64, 512, 4096];

/// Dot products over a whole text, with and without the cache, for the block's sentence and
/// longer ones: the cache turns n(n+1)(2n+1)/6 into n(n+1)/2, (2n+1)/3 times fewer.
pub(super) fn cost(n: usize) -> Table {
    let mut lengths = vec![n];
    lengths.extend(LONGER.iter().filter(|&&l| l > n));
    Table {
        caption: "Dot products to write a whole text of n tokens, one token at a time".into(),
        corner: "n".into(),
        columns: vec![
            "with the cache".into(),
            "without".into(),
            "times fewer".into(),
        ],
        rows: lengths
            .into_iter()
            .map(|len| {
                let (with, without) = dots_up_to(len);
                Row {
                    header: grouped(len as u64),
                    focus: false,
                    token: None,
                    cells: vec![
                        cell(grouped(with), None),
                        cell(grouped(without), None),
                        cell(times(without as f64 / with as f64), None),
                    ],
                }
            })
            .collect(),
        class: "attention-steps",
        marked: None,
    }
}

/// The counts of [`cost`] for every n from 1 to 4,096, drawn: dot products against the length
/// of the text, both axes logarithmic (each curve a straight line, n²/2 and n³/3 for long
/// texts), the block's own length marked. Its numbers are the table's.
pub(super) fn cost_chart(n: usize) -> String {
    const F: Frame = Frame {
        width: 560.0,
        height: 240.0,
        left: 64.0,
        right: 16.0,
        top: 12.0,
        bottom: 40.0,
    };
    const LAST: usize = 4096;
    const DECADES: f64 = 11.0;
    let x = |len: f64| F.left + len.log2() / (LAST as f64).log2() * (F.width - F.left - F.right);
    let y = |dots: f64| F.top + (1.0 - dots.log10() / DECADES) * (F.height - F.top - F.bottom);
    let path = |which: fn(u64, u64) -> u64| {
        let mut d = String::new();
        for k in 0..=12 {
            let len = 1usize << k;
            let (with, without) = dots_up_to(len);
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if k == 0 { "M" } else { " L" },
                x(len as f64),
                y(which(with, without) as f64)
            );
        }
        d
    };
    let (with, without) = dots_up_to(LAST);
    let mut out = F.open(&format!(
        "Dot products to write a text, against its length, both on logarithmic scales: with the cache they grow as n²/2, reaching {} at 4,096 tokens; without it as n³/3, reaching {}",
        grouped(with),
        grouped(without)
    ));
    for len in [1usize, 8, 64, 512, 4096] {
        let _ = write!(
            out,
            "<text class=\"attention-chart-tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(len as f64),
            F.height - F.bottom + 16.0,
            grouped(len as u64)
        );
    }
    for (power, written) in [(0, "10⁰"), (3, "10³"), (6, "10⁶"), (9, "10⁹")] {
        let at = y(10f64.powi(power));
        let _ = write!(
            out,
            "<text class=\"attention-chart-tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{written}</text><path class=\"attention-chart-grid\" d=\"M{},{at:.1} H{:.1}\"></path>",
            F.left - 6.0,
            at + 4.0,
            F.left,
            F.width - F.right
        );
    }
    F.axis_names(&mut out, "tokens written (n)", "dot products");
    let _ = write!(
        out,
        "<path class=\"attention-chart-without\" d=\"{}\"></path><path class=\"attention-chart-with\" d=\"{}\"></path>",
        path(|_, without| without),
        path(|with, _| with)
    );
    // This sentence's length, marked on the axis.
    let _ = write!(
        out,
        "<path class=\"attention-chart-grid\" d=\"M{:.1},{} V{:.1}\"></path><text class=\"attention-chart-tick\" x=\"{:.1}\" y=\"{:.1}\">this sentence</text>",
        x(n as f64),
        F.top,
        F.height - F.bottom,
        x(n as f64) + 4.0,
        F.top + 12.0
    );
    // The legend, clear of both lines and of the mark.
    F.legend(
        &mut out,
        F.width / 2.0 + 10.0,
        &[("without", "without the cache"), ("with", "with the cache")],
    );
    out.push_str("</svg>");
    out
}

/// What a real model's cache holds per token, and for a text of 1,024 tokens.
pub(super) fn memory() -> String {
    let m = &GPT2_SMALL;
    let per_token = m.bytes_per_token();
    format!(
        "The price is memory. {} keeps, for every token, a key and a value in each of its {} heads of {} dimensions in each of its {} layers, {} bytes a number: 2 × {} × {} × {} × {} = {} bytes a token, {} MiB for a text of 1,024 tokens.",
        m.model,
        m.heads,
        m.d_head,
        m.layers,
        m.bytes,
        m.layers,
        m.heads,
        m.d_head,
        m.bytes,
        grouped(per_token),
        per_token * 1024 / (1024 * 1024)
    )
}

/// A ratio: one decimal while it is small.
fn times(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.1}")
    } else {
        grouped(x.round() as u64)
    }
}

/// `36864` → `36,864`.
fn grouped(x: u64) -> String {
    let digits = x.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Every step, each reading its own result; `shown` is the step of the focus token.
pub(super) fn steps(c: &Shown) -> Result<(Vec<DecodeStep>, usize), String> {
    let tokens = &c.spec.tokens;
    let n = tokens.len();
    let steps: Vec<DecodeStep> = c
        .c
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.name.as_ref().is_some_and(|n| n.group == ResultGroup::Decode))
        .map(|(which, named)| {
            let t = named.axes.keys.end;
            let r = &named.result;
            let new = &tokens[t - 1];
            let quoted = |i: usize| format!("“{}”", tokens[i]);
            let cached = |what: &str, field: Field, m: &ndarray::Array2<f64>, prefix: &str| Table {
                caption: if t == 1 {
                    format!("The cache of {what}: “{new}”’s, the first token written")
                } else {
                    format!(
                        "The cache of {what}: the {t} tokens written so far (the last row, “{new}”’s, added at this step)"
                    )
                }
                .as_str()
                .into(),
                corner: "token".into(),
                columns: numbered(prefix, m.ncols()),
                rows: (0..t)
                    .map(|j| Row {
                        header: tokens[j].clone(),
                        focus: j + 1 == t,
                        token: None,
                        cells: (0..m.ncols())
                            .map(|d| cell(fmt(m[[j, d]]), Bind::at(field, j, d)))
                            .collect(),
                    })
                    .collect(),
                class: "attention-matrix attention-cache",
                marked: None,
            };
            let (keys, values) = (cached("keys", Field::K, &r.k, "k"), cached("values", Field::V, &r.v, "v"));
            let query = Table {
                caption: format!("The new query: q of “{new}”").as_str().into(),
                corner: "token".into(),
                columns: numbered("q", r.q.ncols()),
                rows: vec![Row {
                    header: new.clone(),
                    focus: true,
                    token: None,
                    cells: (0..r.q.ncols())
                        .map(|d| cell(fmt(r.q[[0, d]]), Bind::at(Field::Q, 0, d)))
                        .collect(),
                }],
                class: "attention-matrix",
                marked: None,
            };
            let against = Table {
                caption: Caption::new()
                    .text(format!(
                        "The query of “{new}” against every cached key: q·k, times the scale ("
                    ))
                    .bound(Bind::plain(Field::Scale), fmt(r.scale))
                    .text("), then softmax"),
                corner: "key".into(),
                columns: vec!["q·k".into(), "× scale".into(), "weight".into()],
                rows: (0..t)
                    .map(|j| Row {
                        header: tokens[j].clone(),
                        focus: false,
                        token: None,
                        cells: vec![
                            cell(fmt_opt(r.dots[[0, j]]), Bind::at(Field::Dots, 0, j)),
                            cell(fmt_opt(r.scores[[0, j]]), Bind::at(Field::Scores, 0, j)),
                            cell(fmt(r.weights[[0, j]]), Bind::at(Field::Weights, 0, j)),
                        ],
                    })
                    .collect(),
                class: "attention-steps",
                marked: None,
            };
            let output = Table {
                caption: format!("The output of step {t}: the weights times the cached values")
                    .as_str()
                    .into(),
                corner: "token".into(),
                columns: numbered("", r.output.ncols()),
                rows: vec![Row {
                    header: new.clone(),
                    focus: false,
                    token: None,
                    cells: (0..r.output.ncols())
                        .map(|d| cell(fmt(r.output[[0, d]]), Bind::at(Field::Output, 0, d)))
                        .collect(),
                }],
                class: "attention-matrix",
                marked: None,
            };
            let (now_with, now_without) = dots_per_step(t);
            let (with, without) = dots_up_to(t);
            let so_far = if t == 1 {
                String::new()
            } else {
                format!(" Over steps 1 to {t}: {with} with the cache, {without} without.")
            };
            DecodeStep {
                which,
                step: t,
                heading: format!("Step {t} of {n}: {} is written", quoted(t - 1)),
                tables: vec![keys, values, query, against, output],
                said: if t == 1 {
                    "This weight and the output are row 1 of the whole sentence’s attention under the causal mask: the first word sees only itself. This step takes 1 dot product.".to_string()
                } else {
                    format!(
                        "These {t} weights and the output are row {t} of the whole sentence’s attention under the causal mask, to the last bit: the keys and values of the words before are the ones computed at their own steps, kept. This step takes {now_with} dot products with the cache; a model that kept nothing would run all {t} tokens through again, every query against every key, {now_without} dot products (the masked pairs included).{so_far}"
                    )
                },
            }
        })
        .collect();
    if steps.len() != n {
        return Err("the decode view shows a causal block written one token at a time — give the block `mask = \"causal\"`".into());
    }
    Ok((steps, c.spec.focus + 1))
}
