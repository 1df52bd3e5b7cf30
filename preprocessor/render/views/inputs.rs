//! The views of what attention starts from: the embeddings, the positions added to them, the
//! three matrices and the projections that make each token's query, key and value.

use super::super::binding::{Bind, Field};
use super::super::figure::{Caption, Cell, Equation, Figure, Row, Shown, Table, Term, cell};
use super::super::pencil;
use super::shared::{fmt_base, input_field, numbered, token_rows, token_table};
use crate::core::{self, Projection};
use crate::format::fmt;

pub(super) fn embeddings(c: &Shown, p: &Projection) -> Table {
    token_table(
        c,
        "Embeddings: one row per token, one column per dimension".into(),
        Field::Embedding,
        &p.embeddings,
        c.spec.dims.clone(),
    )
}

pub(super) fn matrices(c: &Shown, input: &Projection) -> Vec<Table> {
    // With several heads the reader may follow another head: the cells then follow too.
    let follows = c.spec.kind.heads() > 1;
    [
        ("W_Q", "Q", &input.w_q, Field::MatrixQ),
        ("W_K", "K", &input.w_k, Field::MatrixK),
        ("W_V", "V", &input.w_v, Field::MatrixV),
    ]
    .into_iter()
    .map(|(name, field, m, bind)| Table {
        caption: format!("{name}: row i makes dimension i of {field}")
            .as_str()
            .into(),
        corner: String::new(),
        columns: c.spec.dims.clone(),
        rows: (0..m.nrows())
            .map(|r| Row {
                header: format!("row {}", r + 1),
                focus: false,
                token: None,
                cells: m
                    .row(r)
                    .iter()
                    .enumerate()
                    .map(|(j, x)| cell(fmt(*x), follows.then(|| Bind::at(bind, r, j))))
                    .collect(),
            })
            .collect(),
        class: "attention-matrix",
        marked: None,
    })
    .collect()
}

pub(super) fn qkv(c: &Shown) -> Vec<Table> {
    let r = c.result;
    [
        ("Q", Field::Q, &r.q),
        ("K", Field::K, &r.k),
        ("V", Field::V, &r.v),
    ]
    .into_iter()
    .map(|(name, field, m)| {
        let caption = format!("{name}: one row per token");
        token_table(
            c,
            caption.as_str().into(),
            field,
            m,
            numbered("", m.ncols()),
        )
    })
    .collect()
}

pub(super) fn projection(c: &Shown, input: &Projection) -> Vec<Equation> {
    let f = c.spec.focus;
    // What is projected: the embeddings, plus the positions when the block adds them.
    let inputs = input.inputs(c.input.positions.as_ref());
    let x = inputs.row(f);
    let x_field = input_field(c);
    let mut equations = Vec::new();
    for (matrix, out, w, term_field, total_field) in [
        (
            "W_Q",
            "q",
            &input.w_q,
            Field::QueryTerm,
            Field::QueryProjection,
        ),
        ("W_K", "k", &input.w_k, Field::KeyTerm, Field::KeyProjection),
        (
            "W_V",
            "v",
            &input.w_v,
            Field::ValueTerm,
            Field::ValueProjection,
        ),
    ] {
        for r in 0..w.nrows() {
            let products = core::projection_terms(x, w.row(r));
            // Before any set_query override: this is what the products add up to.
            let sum = core::dot(x, w.row(r));
            let terms = w
                .row(r)
                .iter()
                .zip(&products)
                .enumerate()
                .map(|(j, (wj, product))| Term {
                    w: fmt(*wj),
                    x: (fmt(x[j]), Bind::focus(x_field, &[j])),
                    product: (
                        pencil::sum_of_products(*product, [(*wj, x[j])]),
                        Bind::focus(term_field, &[r, j]),
                    ),
                })
                .collect();
            equations.push(Equation {
                matrix,
                out,
                row: r + 1,
                terms,
                result: (
                    pencil::sum(sum, products.iter().copied()),
                    Bind::focus(total_field, &[r]),
                ),
            });
        }
    }
    equations
}

/// What tells the words' places apart: the encodings added to the embeddings, or the angles
/// rotary positions turn queries and keys by.
pub(super) fn positions(c: &Shown, projection: &Projection) -> Result<Vec<Table>, String> {
    let position_rows = |cells: &dyn Fn(usize) -> Vec<Cell>| -> Vec<Row> {
        (0..c.spec.tokens.len())
            .map(|p| Row {
                header: format!("{} ({})", p, c.spec.tokens[p]),
                focus: false,
                token: None,
                cells: cells(p),
            })
            .collect()
    };
    if let Some(pe) = &c.input.positions {
        let inputs = projection.inputs(Some(pe));
        return Ok(vec![
            Table {
                caption: "Positions: one row per place in the sentence (from 0), added to the embedding of the word there".into(),
                corner: "position".into(),
                columns: c.spec.dims.clone(),
                rows: position_rows(&|p| pe.row(p).iter().map(|x| cell(fmt(*x), None)).collect()),
                class: "attention-matrix",
                marked: None,
            },
            Table {
                caption: Caption::new()
                    .bound(Bind::plain(Field::Made), "Embeddings + positions")
                    .text(": what the queries, keys and values are made from"),
                corner: "token".into(),
                columns: c.spec.dims.clone(),
                rows: token_rows(c, |i| {
                    (0..inputs.ncols())
                        .map(|j| cell(fmt(inputs[[i, j]]), Bind::at(Field::Input, i, j)))
                        .collect()
                }),
                class: "attention-matrix",
                marked: None,
            },
        ]);
    }
    let Some(rope) = &c.input.rope else {
        return Err("the positions view shows how positions enter — give `positions = \"sinusoidal\"`, `\"rope\"` or learned rows".into());
    };
    let pairs = rope.cos.ncols();
    Ok(vec![Table {
        caption: format!(
            "Rotary positions: the angle (in radians) each pair of query and key dimensions is turned by, position × {}^(−2i/d_k)",
            fmt_base(rope.base)
        )
        .as_str()
        .into(),
        corner: "position".into(),
        columns: (0..pairs).map(|i| format!("dims {}–{}", 2 * i + 1, 2 * i + 2)).collect(),
        rows: position_rows(&|p| {
            (0..pairs)
                .map(|i| cell(fmt(rope.angle(p, i)), None))
                .collect()
        }),
        class: "attention-matrix",
        marked: None,
    }])
}

/// Added positions as a map above their tables (with the waves, for sinusoidal ones); rotary
/// positions, which are angles rather than vectors, as their table.
pub(super) fn positions_figure(c: &Shown, p: &Projection) -> Result<Figure, String> {
    let mut tables = positions(c, p)?;
    let Some(pe) = &c.input.positions else {
        return Ok(Figure::Tables(tables));
    };
    if c.spec.positions == crate::block::PositionsKind::Sinusoidal {
        tables.insert(
            1,
            super::super::positions::wavelengths(pe.ncols(), &c.spec.dims),
        );
    }
    Ok(Figure::Drawn {
        picker: None,
        svg: super::super::positions::map(pe, &c.spec.tokens, &c.spec.dims),
        label: "Positions as a map: one row per place in the sentence, one column per dimension"
            .into(),
        tables,
    })
}
