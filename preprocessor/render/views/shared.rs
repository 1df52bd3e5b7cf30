//! What the table views share: a table of token rows, the focus token, the column picked out,
//! the sum under a column of weights.

use super::super::binding::{Bind, Field};
use super::super::figure::{Caption, Cell, Row, Shown, Table, cell};
use super::super::pencil;
use crate::core;
use crate::format::fmt;
use ndarray::Array2;

/// The column a matrix view picks out: the `highlight` token, else where the focus attends most.
pub(super) fn marked_column(c: &Shown) -> usize {
    let f = c.spec.focus;
    c.spec
        .highlight
        .unwrap_or_else(|| c.result.strongest(f).map_or(f, |(j, _)| j))
}

pub(super) fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("{prefix}{i}")).collect()
}

pub(super) fn focus_token(c: &Shown) -> (Bind, String) {
    (
        Bind::focus(Field::Token, &[]),
        c.spec.tokens[c.spec.focus].clone(),
    )
}

/// One row per token of a token-indexed matrix.
pub(super) fn token_table(
    c: &Shown,
    caption: Caption,
    field: Field,
    m: &Array2<f64>,
    columns: Vec<String>,
) -> Table {
    let rows = token_rows(c, |i| {
        m.row(i)
            .iter()
            .enumerate()
            .map(|(j, x)| cell(fmt(*x), Bind::at(field, i, j)))
            .collect()
    });
    Table {
        caption,
        corner: "token".into(),
        columns,
        rows,
        class: "attention-matrix",
        marked: None,
    }
}

/// One row per token, as the focus token sees it (a key, a weight, a value): the focus row
/// picked out, each row clickable to follow its token.
pub(super) fn token_rows(c: &Shown, cells: impl Fn(usize) -> Vec<Cell>) -> Vec<Row> {
    c.spec
        .tokens
        .iter()
        .enumerate()
        .map(|(j, t)| Row {
            header: t.clone(),
            focus: j == c.spec.focus,
            token: Some(j),
            cells: cells(j),
        })
        .collect()
}

/// A row that belongs to no token: a total, or a line of the residual sum.
pub(super) fn plain_row(header: impl Into<String>, cells: Vec<Cell>) -> Row {
    Row {
        header: header.into(),
        focus: false,
        token: None,
        cells,
    }
}

/// The sum row under a column of weights, by the pencil rule.
pub(super) fn weight_sum(r: &core::AttentionResult, f: usize) -> String {
    let n = r.weights.ncols();
    let total = r.weights.row(f).iter().fold(0.0, |s, w| s + w);
    pencil::sum(total, (0..n).filter_map(|j| r.weight(f, j)))
}

/// The binding of the projected vectors: the embeddings, or with positions their sum.
pub(super) fn input_field(c: &Shown) -> Field {
    if c.input.positions.is_some() {
        Field::Input
    } else {
        Field::Embedding
    }
}

/// A base like 10000 without decimals.
pub(super) fn fmt_base(base: f64) -> String {
    if base.fract() == 0.0 && base.abs() < 1e15 {
        format!("{base:.0}")
    } else {
        fmt(base)
    }
}
