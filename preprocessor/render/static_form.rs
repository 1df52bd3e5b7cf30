//! The static Markdown form of a widget, for renderers other than HTML (`[output.markdown]`,
//! `mdbook test`, …): the same numbers as Markdown tables and lists, no script, no SVG.

use super::format::{fmt, fmt_opt};
use crate::spec::View;
use crate::spec::expr::Computed;
use ndarray::Array2;

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

fn table(
    caption: &str,
    corner: &str,
    columns: &[String],
    rows: Vec<(String, Vec<String>)>,
) -> String {
    let mut out = format!(
        "*{}*\n\n| {} |",
        markdown_text(caption),
        markdown_text(corner)
    );
    for c in columns {
        out.push_str(&format!(" {} |", markdown_text(c)));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(columns.len()));
    for (header, cells) in rows {
        out.push_str(&format!("\n| {} |", markdown_text(&header)));
        for cell in cells {
            out.push_str(&format!(" {} |", markdown_text(&cell)));
        }
    }
    out.push_str("\n\n");
    out
}

fn token_rows(c: &Computed, m: &Array2<f64>) -> Vec<(String, Vec<String>)> {
    c.spec
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), m.row(i).iter().map(|x| fmt(*x)).collect()))
        .collect()
}

fn numbered(count: usize) -> Vec<String> {
    (1..=count).map(|i| i.to_string()).collect()
}

pub fn static_markdown(c: &Computed) -> String {
    let spec = &c.spec;
    let r = &c.result;
    let f = spec.focus;
    let mut out = String::new();
    if let Some(title) = &spec.title {
        out.push_str(&format!("**{}**\n\n", markdown_text(title)));
    }
    for view in &spec.views {
        match view {
            View::Embeddings => out.push_str(&table(
                "Embeddings",
                "token",
                &spec.dims,
                token_rows(c, &spec.input.embeddings),
            )),
            View::Matrices => {
                for (name, m) in [
                    ("W_Q", &spec.input.w_q),
                    ("W_K", &spec.input.w_k),
                    ("W_V", &spec.input.w_v),
                ] {
                    let rows = (0..m.nrows())
                        .map(|i| {
                            (
                                format!("row {}", i + 1),
                                m.row(i).iter().map(|x| fmt(*x)).collect(),
                            )
                        })
                        .collect();
                    out.push_str(&table(name, "", &spec.dims, rows));
                }
            }
            View::Projection => {
                for (name, out_name, w) in [
                    ("W_Q", "q", &spec.input.w_q),
                    ("W_K", "k", &spec.input.w_k),
                    ("W_V", "v", &spec.input.w_v),
                ] {
                    for row in 0..w.nrows() {
                        let x = spec.input.embeddings.row(f);
                        let terms: Vec<String> = w
                            .row(row)
                            .iter()
                            .zip(x.iter())
                            .map(|(a, b)| format!("{}×{}", fmt(*a), fmt(*b)))
                            .collect();
                        let sum = crate::core::dot(x, w.row(row));
                        out.push_str(&format!(
                            "- {out_name}\\_{}\\[{}\\] = row {} of {name} · e = {} = **{}**\n",
                            markdown_text(&spec.tokens[f]),
                            row + 1,
                            row + 1,
                            terms.join(" + "),
                            fmt(sum)
                        ));
                    }
                }
                out.push('\n');
            }
            View::Qkv => {
                for (name, m) in [("Q", &r.q), ("K", &r.k), ("V", &r.v)] {
                    out.push_str(&table(
                        name,
                        "token",
                        &numbered(m.ncols()),
                        token_rows(c, m),
                    ));
                }
            }
            View::Scores => {
                let rows = spec
                    .tokens
                    .iter()
                    .enumerate()
                    .map(|(j, t)| {
                        (
                            t.clone(),
                            vec![
                                fmt_opt(r.dots[[f, j]]),
                                fmt_opt(r.scores[[f, j]]),
                                fmt_opt(r.scores[[f, j]].map(|_| r.weights[[f, j]])),
                            ],
                        )
                    })
                    .collect();
                let caption = format!(
                    "The query of {} against every key (scale {})",
                    spec.tokens[f],
                    fmt(r.scale)
                );
                out.push_str(&table(
                    &caption,
                    "key",
                    &["q · k".into(), "× scale".into(), "weight".into()],
                    rows,
                ));
            }
            View::Output => {
                let mut rows: Vec<(String, Vec<String>)> = spec
                    .tokens
                    .iter()
                    .enumerate()
                    .map(|(j, t)| {
                        let mut cells = vec![fmt(r.weights[[f, j]])];
                        cells.extend(
                            (0..r.v.ncols()).map(|col| fmt(r.weights[[f, j]] * r.v[[j, col]])),
                        );
                        (t.clone(), cells)
                    })
                    .collect();
                let mut total = vec![String::new()];
                total.extend((0..r.v.ncols()).map(|col| fmt(r.output[[f, col]])));
                rows.push(("output".into(), total));
                let mut columns = vec!["weight".to_string()];
                columns.extend((1..=r.v.ncols()).map(|i| format!("weight × v{i}")));
                out.push_str(&table(
                    &format!("The output of {}", spec.tokens[f]),
                    "token",
                    &columns,
                    rows,
                ));
            }
            View::Heatmap | View::Compare => {
                let rows = (0..spec.tokens.len())
                    .map(|i| {
                        (
                            spec.tokens[i].clone(),
                            (0..spec.tokens.len())
                                .map(|j| fmt_opt(r.scores[[i, j]].map(|_| r.weights[[i, j]])))
                                .collect(),
                        )
                    })
                    .collect();
                out.push_str(&table(
                    "Attention weights (row attends to column; ⨯ = masked)",
                    "",
                    &spec.tokens,
                    rows,
                ));
            }
            View::Controls => out.push_str("*(Interactive controls are in the HTML edition.)*\n\n"),
        }
    }
    out.trim_end().to_string()
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
