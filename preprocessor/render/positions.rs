//! The position encodings as a map — positions down, dimensions across — and what their waves
//! are: each pair of dimensions is a sine and a cosine of one wavelength, the first pair the
//! shortest, so nearby positions differ in the first columns and distant ones in the last.
//!
//! Values run from −1 to 1 (less, when the block scales them): positive cells take the book's
//! heatmap hue, negative ones the "changed" hue, each at an opacity of the value's size against
//! the largest, so positions scaled to a tenth still show their waves, with the same switch of text colour
//! as the heatmap ([`STRONG_OPACITY`]). The numbers are in the cells and, as text, in the table
//! beside the map.

use super::figure::{Row, Table, cell};
use super::heatmap::STRONG_OPACITY;
use super::html::escape_html;
use crate::format::fmt;
use ndarray::Array2;
use std::fmt::Write;

const CELL: usize = 40;
/// Beyond this many cells across or down, the map keeps its colours and drops its numbers.
const TEXT_UP_TO: usize = 24;

/// The map of `pe` (one row per position), rows labelled by position and word.
pub fn map(pe: &Array2<f64>, tokens: &[String], dims: &[String]) -> String {
    let (n, d) = pe.dim();
    let left = 12
        + 8 * tokens
            .iter()
            .map(|t| t.chars().count() + 4)
            .max()
            .unwrap_or(6);
    let top = 30;
    let (width, height) = (left + d * CELL, top + n * CELL);
    // Full colour at the largest value, whatever the scale of the positions.
    let reach = pe.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let reach = if reach > 0.0 { reach } else { 1.0 };
    let label = format!(
        "Position encodings: {n} positions down, {d} dimensions across; blue above 0, orange below, stronger further from 0, full colour at ±{}",
        fmt(reach)
    );
    let mut out = format!(
        "<svg class=\"attention-positions-map\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&label)
    );
    for (j, name) in dims.iter().enumerate().take(d) {
        let _ = write!(
            out,
            "<text class=\"attention-col-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            left + j * CELL + CELL / 2,
            top - 10,
            escape_html(&short(name, j))
        );
    }
    let show_text = n <= TEXT_UP_TO && d <= TEXT_UP_TO;
    for (p, token) in tokens.iter().enumerate().take(n) {
        let y = top + p * CELL;
        let _ = write!(
            out,
            "<text class=\"attention-row-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{p} {}</text>",
            left - 6,
            y + CELL / 2 + 4,
            escape_html(token)
        );
        for j in 0..d {
            let v = pe[[p, j]];
            let strength = (v.abs() / reach).min(1.0);
            let sign = if v < 0.0 { " below" } else { "" };
            let _ = write!(
                out,
                "<rect class=\"attention-pe{sign}\" x=\"{}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill-opacity=\"{}\"></rect>",
                left + j * CELL,
                fmt(strength)
            );
            if show_text {
                let strong = if strength > STRONG_OPACITY {
                    " class=\"strong\""
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "<text{strong} x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    left + j * CELL + CELL / 2,
                    y + CELL / 2 + 4,
                    fmt(v)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// A column heading that fits a cell: the dimension's number when its name is long.
fn short(name: &str, j: usize) -> String {
    if name.chars().count() <= 5 {
        name.to_string()
    } else {
        format!("{}", j + 1)
    }
}

/// Each dimension's wave: sine or cosine, and its wavelength in positions, 2π·10000^(2i/d).
pub fn wavelengths(d: usize, dims: &[String]) -> Table {
    let wave = |j: usize| {
        let i = (j / 2) as f64;
        2.0 * std::f64::consts::PI * 10000f64.powf(2.0 * i / d as f64)
    };
    Table {
        caption: "The wave in each dimension: dimensions 2i and 2i+1 are the sine and cosine of position ÷ 10000^(2i/d), which repeat every 2π·10000^(2i/d) positions".into(),
        corner: "".into(),
        columns: (0..d).map(|j| dims.get(j).cloned().unwrap_or_default()).collect(),
        rows: vec![
            Row {
                header: "wave".into(),
                focus: false,
                token: None,
                cells: (0..d)
                    .map(|j| cell(if j % 2 == 0 { "sin" } else { "cos" }.into(), None))
                    .collect(),
            },
            Row {
                header: "repeats every (positions)".into(),
                focus: false,
                token: None,
                cells: (0..d).map(|j| cell(fmt(wave(j)), None)).collect(),
            },
        ],
        class: "attention-matrix",
        marked: None,
    }
}
