//! The views of what each token takes: the weighted sum of values, the residual connection, and
//! several heads combined by W_O.

use super::super::binding::{Bind, Field};
use super::super::figure::{Caption, Shown, Table, blank, cell};
use super::super::pencil;
use super::shared::{focus_token, input_field, numbered, plain_row, token_rows};
use crate::core::{self, Projection};
use crate::format::fmt;

pub(super) fn output(c: &Shown) -> Table {
    let f = c.spec.focus;
    let r = c.result;
    let (n, d_v) = (c.spec.tokens.len(), r.v.ncols());
    // Each row: the weight, the word's value, and weight × value, so every product can be
    // checked by hand.
    let mut rows = token_rows(c, |j| {
        let w = r.weights[[f, j]];
        let mut cells = vec![cell(fmt(w), Bind::focus(Field::Weights, &[j]))];
        cells.extend((0..d_v).map(|col| cell(fmt(r.v[[j, col]]), Bind::at(Field::V, j, col))));
        cells.extend((0..d_v).map(|col| {
            cell(
                pencil::sum_of_products(r.weighted_value(f, j, col), [(w, r.v[[j, col]])]),
                Bind::focus(Field::WeightedValue, &[j, col]),
            )
        }));
        cells
    });
    let sums = (0..d_v).map(|col| {
        let terms = (0..n).map(|j| r.weighted_value(f, j, col));
        cell(
            pencil::sum(r.output[[f, col]], terms),
            Bind::focus(Field::OutputSum, &[col]),
        )
    });
    rows.push(plain_row(
        "output",
        std::iter::repeat_with(blank)
            .take(1 + d_v)
            .chain(sums)
            .collect(),
    ));
    let mut columns = vec!["weight".to_string()];
    columns.extend(numbered("v", d_v));
    columns.extend(numbered("weight × v", d_v));
    let (tok, name) = focus_token(c);
    Table {
        caption: Caption::new()
            .text("The output of ")
            .bound(tok, name)
            .text(": each word's value times its weight, then summed"),
        corner: "token".into(),
        columns,
        rows,
        class: "attention-steps",
        marked: None,
    }
}

/// The residual view needs values as wide as the embeddings; `block` checks it.
pub(super) fn residual(c: &Shown, p: &Projection) -> Table {
    let f = c.spec.focus;
    let r = c.result;
    let x = &p.inputs(c.input.positions.as_ref());
    let x_field = input_field(c);
    let d = x.ncols().min(r.output.ncols());
    let (tok, name) = focus_token(c);
    // Row headings name no word: the caption does, and follows the focus.
    let rows = vec![
        plain_row(
            if c.input.positions.is_some() {
                "embedding + position"
            } else {
                "embedding"
            },
            (0..d)
                .map(|col| cell(fmt(x[[f, col]]), Bind::focus(x_field, &[col])))
                .collect(),
        ),
        plain_row(
            "+ attention output",
            (0..d)
                .map(|col| cell(fmt(r.output[[f, col]]), Bind::focus(Field::Output, &[col])))
                .collect(),
        ),
        plain_row(
            "= updated",
            (0..d)
                .map(|col| {
                    let (a, b) = (x[[f, col]], r.output[[f, col]]);
                    cell(
                        pencil::sum(a + b, [a, b]),
                        Bind::focus(Field::ResidualSum, &[col]),
                    )
                })
                .collect(),
        ),
    ];
    Table {
        caption: Caption::new()
            .text("The output of ")
            .bound(tok, name)
            .text(" added back to its embedding: the word, updated by its context"),
        corner: String::new(),
        columns: c.spec.dims.clone(),
        rows,
        class: "attention-steps",
        marked: None,
    }
}

/// The heads' outputs side by side, `w_o`, and what it makes of them.
pub(super) fn combine(c: &Shown) -> Result<Vec<Table>, String> {
    let Some(combined) = &c.c.combined else {
        return Err("the combine view shows several heads combined — give `heads = [...]` with two or more heads".into());
    };
    let heads = c.spec.kind.heads();
    let mut columns = Vec::new();
    for h in 0..heads {
        let d_v = c.c.results[h].result.v.ncols();
        columns.extend((1..=d_v).map(|j| format!("h{} v{j}", h + 1)));
    }
    let concat = &combined.concat;
    let side_by_side = Table {
        caption: "The heads' outputs side by side: one row per token, each head's columns in turn"
            .into(),
        corner: "token".into(),
        columns: columns.clone(),
        rows: token_rows(c, |i| {
            (0..concat.ncols())
                .map(|j| cell(fmt(concat[[i, j]]), Bind::at(Field::Concat, i, j)))
                .collect()
        }),
        class: "attention-matrix",
        marked: None,
    };
    let mut tables = vec![side_by_side];
    if let (Some(w_o), Some(output)) = (c.spec.kind.w_o(), &combined.output) {
        tables.push(Table {
            caption: "W_O: row i makes dimension i of the combined output".into(),
            corner: String::new(),
            columns,
            rows: (0..w_o.nrows())
                .map(|r| {
                    plain_row(
                        format!("row {}", r + 1),
                        w_o.row(r).iter().map(|x| cell(fmt(*x), None)).collect(),
                    )
                })
                .collect(),
            class: "attention-matrix",
            marked: None,
        });
        tables.push(Table {
            caption:
                "The combined output: each row of W_O times a token's row of the heads' outputs"
                    .into(),
            corner: "token".into(),
            columns: numbered("", output.ncols()),
            rows: token_rows(c, |i| {
                (0..output.ncols())
                    .map(|j| {
                        let terms = core::positions::combine_terms(concat, w_o, i, j);
                        cell(
                            pencil::sum_of_products(output[[i, j]], terms),
                            Bind::at(Field::Combined, i, j),
                        )
                    })
                    .collect()
            }),
            class: "attention-matrix",
            marked: None,
        });
    }
    Ok(tables)
}
