//! The static Markdown form of a widget, for renderers other than HTML (`[output.markdown]`,
//! `mdbook test`, …): the same figure models as the HTML, written as Markdown tables and
//! lists; no script, no SVG.

use super::figure::{Figure, Shown, Table};
use super::views;
use crate::block::Computed;
use crate::format::fmt_opt;

/// Backslash-escapes Markdown punctuation so a token shows literally.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_[]<>|#!~&".contains(c) {
            out.push('\\');
        }
        if c == '\n' || c == '\r' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn table(t: &Table) -> String {
    let mut out = format!(
        "*{}*\n\n| {} |",
        markdown_text(&t.caption.plain()),
        markdown_text(&t.corner)
    );
    for c in &t.columns {
        out.push_str(&format!(" {} |", markdown_text(c)));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(t.columns.len()));
    for row in &t.rows {
        out.push_str(&format!("\n| {} |", markdown_text(&row.header)));
        for cell in &row.cells {
            out.push_str(&format!(" {} |", markdown_text(&cell.text)));
        }
    }
    out.push_str("\n\n");
    out
}

fn tables(ts: &[Table]) -> String {
    ts.iter().map(table).collect()
}

fn heat_table(c: &Computed, caption: &str, r: &crate::core::AttentionResult) -> String {
    let axes = c.spec.kind.axes(&c.spec.tokens);
    let rows = (0..axes.queries.len())
        .map(|i| super::figure::Row {
            header: axes.queries[i].clone(),
            focus: false,
            token: None,
            cells: (0..axes.keys.len())
                .map(|j| super::figure::cell(fmt_opt(r.weight(i, j)), None))
                .collect(),
        })
        .collect();
    table(&Table {
        caption: caption.into(),
        corner: String::new(),
        columns: axes.keys.to_vec(),
        rows,
        class: "",
        marked: None,
    })
}

pub fn static_markdown(c: &Computed) -> Result<String, String> {
    let spec = &c.spec;
    let mut out = String::new();
    if let Some(title) = &spec.title {
        out.push_str(&format!("**{}**\n\n", markdown_text(title)));
    }
    let own = Shown::of(c, 0);
    for view in &spec.views {
        match views::figure(*view, &own)? {
            Figure::Tables(ts) => out.push_str(&tables(&ts)),
            Figure::Equations(equations) => {
                for e in equations {
                    let terms: Vec<String> = e
                        .terms
                        .iter()
                        .map(|t| format!("{}×{}", t.w, t.x.0))
                        .collect();
                    let products: Vec<&str> =
                        e.terms.iter().map(|t| t.product.0.as_str()).collect();
                    out.push_str(&format!(
                        "- {}\\_{}\\[{}\\] = row {} of {} · e = {} = {} = **{}**\n",
                        e.out,
                        markdown_text(&spec.tokens[spec.focus]),
                        e.row,
                        e.row,
                        e.matrix,
                        terms.join(" + "),
                        products.join(" + "),
                        e.result.0
                    ));
                }
                out.push('\n');
            }
            Figure::Chart { table, .. } => out.push_str(&tables(&[table])),
            Figure::Drawn { tables: ts, .. } => out.push_str(&tables(&ts)),
            Figure::Heatmaps(panels) | Figure::Learning(panels) => {
                for h in panels {
                    let caption = format!("{} — row attends to column; ⨯ = masked", h.heading);
                    out.push_str(&heat_table(c, &caption, &c.results[h.which].result));
                }
            }
            Figure::Order {
                panels, summary, ..
            } => {
                for h in panels {
                    let written = if h.compare_to.is_some() {
                        " (rows and columns in the order as written)"
                    } else {
                        ""
                    };
                    let caption = format!("{}{written} — row attends to column", h.heading);
                    out.push_str(&heat_table(c, &caption, &c.results[h.which].result));
                }
                out.push_str(&format!("{summary}\n\n"));
            }
            Figure::Controls => {
                out.push_str("*(Interactive controls are in the HTML edition.)*\n\n")
            }
            Figure::Decode {
                steps,
                cost,
                memory,
                ..
            } => {
                for s in steps {
                    out.push_str(&format!("**{}**\n\n", markdown_text(&s.heading)));
                    out.push_str(&tables(&s.tables));
                    out.push_str(&format!("{}\n\n", markdown_text(&s.said)));
                }
                out.push_str(&tables(&[cost]));
                out.push_str(&format!("{}\n\n", markdown_text(&memory)));
            }
        }
    }
    if spec.views.iter().any(|v| v.has_totals()) {
        out.push_str("*Every number is worked out from unrounded values; a number marked ≈ is one that the rounded numbers shown beside it do not reproduce exactly.*\n\n");
    }
    if let Some(program) = super::python::program(c) {
        // A fence longer than any run of backticks in the program (a token may hold some).
        let longest = program
            .split(|ch| ch != '`')
            .map(str::len)
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        out.push_str(&format!(
            "*Reproduce with numpy:*\n\n{fence}python\n{program}{fence}\n\n"
        ));
    }
    Ok(out.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_escaped_for_markdown() {
        assert_eq!(markdown_text("a|b*<c>.5"), "a\\|b\\*\\<c\\>.5");
        assert_eq!(markdown_text("two\nlines"), "two lines");
    }
}
