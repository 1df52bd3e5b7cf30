//! The HTML writer of the figure model, and the repeated inner markup of heatmaps, written
//! straight into a string.
//!
//! A 64-token widget has 8,192 heatmap and table cells. Handlebars still renders every view's
//! frame, but rendering each cell through it took 60% of a build under callgrind, so the two
//! innermost loops live here. The markup is the same the templates would write.

use super::binding::{Bind, push_int};
use super::figure::{Caption, Part, Row, Table};
use super::html::{escape_html, render};
use serde_json::json;
use std::fmt::Write;

pub struct HeatCell {
    /// The cell's colour: its opacity as written (`None`: masked, drawn as such).
    pub opacity: Option<String>,
    pub text: String,
    pub class: &'static str,
    pub bind: Bind,
    /// In a compared heatmap: whether the cell differs from the other one.
    pub changed: Option<bool>,
}

/// The book's notation for readers, one rule for the markup and for the words it reads as: the
/// prose writes W<sub>Q</sub>, e<sup>score − max</sup>, 10000<sup>2i/d</sup> and d<sub>k</sub>,
/// so a figure's words do too. `sub` and `sup` wrap a subscript and a superscript
/// (`<sub>…</sub>`, or nothing).
fn notation(text: &str, sub: (&str, &str), sup: (&str, &str)) -> String {
    // Most headers are tokens and numbers: nothing to rewrite.
    if !(text.contains('_') || text.contains("^(")) {
        return text.to_string();
    }
    let mut out = text.to_string();
    for m in ["Q", "K", "V", "O"] {
        out = out.replace(&format!("W_{m}"), &format!("W{}{m}{}", sub.0, sub.1));
    }
    out = out.replace("d_k", &format!("d{}k{}", sub.0, sub.1));
    // x^(…) up to its closing parenthesis: the exponent raised (e^(score − max),
    // 10000^(2i/d)).
    while let Some(at) = out.find("^(") {
        let Some(close) = out[at..].find(')') else {
            break;
        };
        let exponent = out[at + 2..at + close].to_string();
        out.replace_range(at..at + close + 1, &format!("{}{exponent}{}", sup.0, sup.1));
    }
    out
}

/// Escaped text in the book's notation, as HTML (the words stay plain text for screen readers
/// and the Markdown form).
pub fn with_notation(text: &str) -> String {
    notation(&escape_html(text), ("<sub>", "</sub>"), ("<sup>", "</sup>"))
}

/// The words of [`with_notation`] as a reader's browser reads them out of the markup (its
/// `textContent`): W<sub>Q</sub> is "WQ". A region named by its table's caption carries these
/// words, so the script, which names it from the caption it shows, writes the same name.
pub fn notation_text(text: &str) -> String {
    notation(text, ("", ""), ("", ""))
}

/// A caption's words as its HTML reads (see [`notation_text`]).
pub fn caption_text(caption: &Caption) -> String {
    caption
        .0
        .iter()
        .map(|part| match part {
            Part::Text(t) => notation_text(t),
            Part::Bound(_, t) => t.clone(),
        })
        .collect()
}

/// A caption as HTML: bound parts become spans the browser rewrites.
pub fn caption_html(caption: &Caption) -> String {
    let mut out = String::new();
    for part in &caption.0 {
        match part {
            Part::Text(t) => out.push_str(&with_notation(t)),
            Part::Bound(b, t) => {
                out.push_str("<span data-b=\"");
                b.write_to(&mut out);
                out.push_str("\">");
                out.push_str(&escape_html(t));
                out.push_str("</span>");
            }
        }
    }
    out
}

/// The header cells of a table: the corner, then one per column.
pub fn table_head(corner: &str, columns: &[String], marked: Option<usize>) -> String {
    let mut out = format!("<th scope=\"col\">{}</th>", with_notation(corner));
    for (i, c) in columns.iter().enumerate() {
        let class = if marked == Some(i) {
            " class=\"mark\""
        } else {
            ""
        };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", with_notation(c));
    }
    out
}

/// The `<tbody>` rows of a table.
pub fn table_body(rows: &[Row], marked: Option<usize>) -> String {
    let mut out =
        String::with_capacity(rows.len() * rows.first().map_or(1, |r| r.cells.len() + 1) * 40);
    for row in rows {
        out.push_str("<tr");
        if row.focus {
            out.push_str(" class=\"focus\"");
        }
        if let Some(t) = row.token {
            out.push_str(" data-token=\"");
            push_int(&mut out, t);
            out.push('"');
        }
        out.push_str("><th scope=\"row\">");
        out.push_str(&with_notation(&row.header));
        out.push_str("</th>");
        for (i, cell) in row.cells.iter().enumerate() {
            out.push_str("<td");
            if marked == Some(i) {
                out.push_str(" class=\"mark\"");
            }
            if let Some(b) = &cell.bind {
                out.push_str(" data-b=\"");
                b.write_to(&mut out);
                out.push('"');
            }
            for (name, index) in [("data-r", cell.result), ("data-against", cell.against)] {
                if let Some(k) = index {
                    let _ = write!(out, " {name}=\"{k}\"");
                }
            }
            out.push('>');
            out.push_str(&escape_html(&cell.text));
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out
}

/// The words of one heatmap: its rows (the queries) and columns (the keys).
pub struct Grid<'a> {
    pub queries: &'a [String],
    pub keys: &'a [String],
    /// Which way the axes read (`attending ↓ / attended →`).
    pub corner: &'a str,
    /// The row outlined as the focus token's, if any (not in a comparison).
    pub focus: Option<usize>,
    /// Column labels turned, for long tokens.
    pub rotate: bool,
}

/// A heatmap as a table a screen reader walks as a grid: a row of column headers (the keys),
/// then one row per query, its header first, then one cell per weight — one element each,
/// coloured by its `--w` (attention.css), the number written in it, named in words only where
/// masked or changed. Where the figure outlines the focus row, rows carry `data-row`, row
/// headers `data-token` (a click follows the word) and the focus row the class `focus`.
pub fn heat_table(g: &Grid, cells: &[HeatCell]) -> String {
    let n_keys = g.keys.len();
    let mut out = String::with_capacity(cells.len() * 64 + 256);
    out.push_str("<thead");
    if g.rotate {
        out.push_str(" class=\"attention-turned\"");
    }
    // The corner says which way the axes read; hidden from screen readers, which would read it
    // as the header of the row headers.
    out.push_str("><tr><td class=\"attention-corner\" aria-hidden=\"true\">");
    out.push_str(&escape_html(g.corner));
    out.push_str("</td>");
    for t in g.keys {
        // A turned label needs a box of its own to turn in.
        let (open, close) = if g.rotate {
            ("<span>", "</span>")
        } else {
            ("", "")
        };
        let _ = write!(
            out,
            "<th scope=\"col\">{open}{}{close}</th>",
            escape_html(t)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for (i, row) in cells.chunks(n_keys.max(1)).enumerate() {
        out.push_str("<tr");
        // Only a heatmap that outlines the focus row names its rows for the script.
        if let Some(focus) = g.focus {
            out.push_str(" data-row=\"");
            push_int(&mut out, i);
            out.push('"');
            if focus == i {
                out.push_str(" class=\"focus\"");
            }
        }
        // A row's word is followed on a click only where the figure outlines the focus row.
        if g.focus.is_some() {
            let _ = write!(
                out,
                "><th scope=\"row\" data-token=\"{i}\">{}</th>",
                escape_html(&g.queries[i])
            );
        } else {
            let _ = write!(
                out,
                "><th scope=\"row\">{}</th>",
                escape_html(&g.queries[i])
            );
        }
        for c in row {
            out.push_str("<td data-c=\"");
            c.bind.write_to(&mut out);
            out.push('"');
            if let Some(o) = &c.opacity {
                out.push_str(" style=\"--w:");
                out.push_str(o);
                out.push('"');
            }
            let changed = if c.changed == Some(true) {
                "changed"
            } else {
                ""
            };
            match (c.class, changed) {
                ("", "") => {}
                (class, "") | ("", class) => push_class(&mut out, class),
                (class, changed) => push_class(&mut out, &format!("{class} {changed}")),
            }
            // What the colour and the outline say, in words: ⨯ reads as nothing useful.
            if let Some(name) = cell_name(c) {
                out.push_str(" aria-label=\"");
                out.push_str(&name);
                out.push('"');
            }
            out.push('>');
            out.push_str(&escape_html(&c.text));
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody>");
    out
}

/// A heatmap cell's name where its number alone would not say it all: "masked", or the weight
/// and "changed" (`theme/attention/widget.js` keeps it true).
pub fn cell_name(c: &HeatCell) -> Option<String> {
    if c.opacity.is_none() {
        Some("masked".to_string())
    } else if c.changed == Some(true) {
        Some(format!("{}, changed", c.text))
    } else {
        None
    }
}

/// ` class="…"`, or nothing for no class: most cells have none, and a heatmap has thousands.
fn push_class(out: &mut String, class: &str) {
    if !class.is_empty() {
        out.push_str(" class=\"");
        out.push_str(class);
        out.push('"');
    }
}

pub(super) fn render_table(t: &Table) -> String {
    render(
        "table",
        json!({
            "caption": caption_html(&t.caption),
            "label": caption_text(&t.caption),
            "head": table_head(&t.corner, &t.columns, t.marked),
            "class": t.class,
            "body": table_body(&t.rows, t.marked),
        }),
    )
}

pub(super) fn render_tables(tables: &[Table]) -> String {
    tables.iter().map(render_table).collect()
}
