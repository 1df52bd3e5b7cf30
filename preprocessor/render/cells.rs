//! The repeated inner markup of tables and heatmaps, written straight into a string.
//!
//! A 64-token widget has 8,192 heatmap and table cells. Handlebars still renders every view's
//! frame, but rendering each cell through it took 60% of a build under callgrind, so the two
//! innermost loops live here. The markup is the same the templates would write.

use super::escape_html;
use std::fmt::Write;

pub struct Cell {
    pub text: String,
    pub bind: Option<String>,
}

pub struct Row {
    pub header: String,
    pub focus: bool,
    pub token: Option<usize>,
    pub cells: Vec<Cell>,
}

pub struct HeatCell {
    pub x: u32,
    pub y: u32,
    pub opacity: String,
    pub text: String,
    pub class: &'static str,
    pub bind: String,
}

/// The header cells of a table: the corner, then one per column.
pub fn table_head(corner: &str, columns: &[String]) -> String {
    let mut out = format!("<th scope=\"col\">{}</th>", escape_html(corner));
    for c in columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape_html(c));
    }
    out
}

/// The `<tbody>` rows of a table.
pub fn table_body(rows: &[Row]) -> String {
    let mut out =
        String::with_capacity(rows.len() * rows.first().map_or(1, |r| r.cells.len() + 1) * 40);
    for row in rows {
        out.push_str("<tr");
        if row.focus {
            out.push_str(" class=\"focus\"");
        }
        if let Some(t) = row.token {
            let _ = write!(out, " data-token=\"{t}\"");
        }
        let _ = write!(out, "><th scope=\"row\">{}</th>", escape_html(&row.header));
        for cell in &row.cells {
            match &cell.bind {
                Some(b) => {
                    let _ = write!(out, "<td data-b=\"{b}\">{}</td>", escape_html(&cell.text));
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", escape_html(&cell.text));
                }
            }
        }
        out.push_str("</tr>");
    }
    out
}

/// The cells of a heatmap: a group of rects, and a group of their numbers when `show_text`.
/// Size, anchor and colours come from attention.css, so each cell carries only what varies.
pub fn heat_cells(cells: &[HeatCell], size: u32, show_text: bool) -> String {
    let mut out = String::with_capacity(cells.len() * if show_text { 140 } else { 75 });
    out.push_str("<g class=\"attention-cells\">");
    for c in cells {
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" class=\"{}\" fill-opacity=\"{}\" data-c=\"{}\"></rect>",
            c.x, c.y, c.class, c.opacity, c.bind
        );
    }
    out.push_str("</g>");
    if show_text {
        out.push_str("<g class=\"attention-cell-texts\">");
        for c in cells {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" class=\"{}\" data-b=\"{}\">{}</text>",
                c.x + size / 2,
                c.y + size / 2 + 4,
                c.class,
                c.bind,
                escape_html(&c.text)
            );
        }
        out.push_str("</g>");
    }
    out
}

/// The row labels (left, clickable) and column labels (top, turned when long) of a heatmap.
pub fn heat_labels(tokens: &[String], label: u32, cell: u32, rotate: bool) -> String {
    let mut out = String::with_capacity(tokens.len() * 200);
    for (i, t) in tokens.iter().enumerate() {
        let mid = label + i as u32 * cell + cell / 2;
        let _ = write!(
            out,
            "<text class=\"attention-row-label\" x=\"{}\" y=\"{mid}\" dy=\"4\" text-anchor=\"end\" data-token=\"{i}\">{}</text>",
            label - 6,
            escape_html(t)
        );
    }
    let top = label - 8;
    for (i, t) in tokens.iter().enumerate() {
        let mid = label + i as u32 * cell + cell / 2;
        let turn = if rotate {
            format!(" transform=\"rotate(-45 {mid} {top})\" text-anchor=\"start\"")
        } else {
            " text-anchor=\"middle\"".to_string()
        };
        let _ = write!(
            out,
            "<text class=\"attention-col-label\" x=\"{mid}\" y=\"{top}\"{turn} data-token=\"{i}\">{}</text>",
            escape_html(t)
        );
    }
    out
}
