//! The views of how strongly each token attends: q·k as a product of matrices, the scores,
//! the softmax worked out, the weights.

use super::super::binding::{Bind, Field};
use super::super::figure::{Caption, Cell, Row, Shown, Table, blank, cell};
use super::super::pencil;
use super::shared::{focus_token, numbered, plain_row, token_rows, token_table, weight_sum};
use crate::core;
use crate::format::{fmt, fmt_opt};

/// Q, Kᵀ and their product: every score at once, the focus row and the marked column picked out.
pub(super) fn matmul(c: &Shown, marked: usize) -> Vec<Table> {
    let r = c.result;
    let tokens = &c.spec.tokens;
    let d_k = r.q.ncols();
    let q = token_table(
        c,
        "Q: one query per row".into(),
        Field::Q,
        &r.q,
        numbered("", d_k),
    );
    let kt = Table {
        caption: "Kᵀ: the keys turned on their side, one key per column".into(),
        corner: String::new(),
        columns: tokens.clone(),
        rows: (0..d_k)
            .map(|d| Row {
                header: format!("{}", d + 1),
                focus: false,
                token: None,
                cells: (0..tokens.len())
                    .map(|j| cell(fmt(r.k[[j, d]]), Bind::at(Field::K, j, d)))
                    .collect(),
            })
            .collect(),
        class: "attention-matrix",
        marked: Some(marked),
    };
    let product = Table {
        caption: "Q·Kᵀ: row i, column j is the dot product of query i with key j".into(),
        corner: "query ↓ key →".into(),
        columns: tokens.clone(),
        rows: token_rows(c, |i| {
            (0..tokens.len())
                .map(|j| {
                    let exact = core::dot(r.q.row(i), r.k.row(j));
                    let pairs = (0..d_k).map(|d| (r.q[[i, d]], r.k[[j, d]]));
                    cell(
                        pencil::sum_of_products(exact, pairs),
                        Bind::at(Field::MatmulDot, i, j),
                    )
                })
                .collect()
        }),
        class: "attention-matrix",
        marked: Some(marked),
    };
    vec![q, kt, product]
}

pub(super) fn scores(c: &Shown) -> Table {
    let f = c.spec.focus;
    let r = c.result;
    // A query set by hand: the weights before it, and what changed, beside the weights after.
    let before_name = crate::block::ResultName {
        group: crate::block::ResultGroup::Before,
        key: "set_query".into(),
    };
    let before =
        c.c.index_of(&before_name)
            .filter(|_| c.which == 0)
            .map(|k| (k, &c.c.results[k].result));
    let mut rows = token_rows(c, |j| {
        let mut cells = vec![
            cell(fmt_opt(r.dots[[f, j]]), Bind::focus(Field::Dots, &[j])),
            cell(
                match r.dots[[f, j]] {
                    Some(d) => pencil::sum_of_products(
                        r.scores[[f, j]].unwrap_or_default(),
                        [(d, r.scale)],
                    ),
                    None => fmt_opt(None),
                },
                Bind::focus(Field::ScaledScore, &[j]),
            ),
            cell(fmt_opt(r.weight(f, j)), Bind::focus(Field::Weight, &[j])),
        ];
        if let Some((k, b)) = before {
            cells.push(Cell {
                result: Some(k),
                ..cell(fmt_opt(b.weight(f, j)), Bind::focus(Field::Weight, &[j]))
            });
            let change = match (r.weight(f, j), b.weight(f, j)) {
                (Some(after), Some(was)) => {
                    pencil::sum_of_products(after - was, [(after, 1.0), (was, -1.0)])
                }
                _ => fmt_opt(None),
            };
            cells.push(Cell {
                against: Some(k),
                ..cell(change, Bind::focus(Field::WeightChange, &[j]))
            });
        }
        cells
    });
    let mut sums = vec![
        blank(),
        blank(),
        cell(weight_sum(r, f), Bind::focus(Field::WeightSum, &[])),
    ];
    if before.is_some() {
        sums.extend([blank(), blank()]);
    }
    rows.push(plain_row("sum", sums));
    let (tok, name) = focus_token(c);
    Table {
        caption: Caption::new()
            .text("The query of ")
            .bound(tok, name)
            .text(" against every key: dot product, times the scale ")
            .bound(Bind::plain(Field::Scale), fmt(r.scale))
            .text(if before.is_some() {
                ", then softmax; “before”: the weight before the query was set"
            } else {
                ", then softmax"
            }),
        corner: "key".into(),
        columns: if before.is_some() {
            ["q · k", "× scale", "weight", "before", "change"]
                .map(String::from)
                .to_vec()
        } else {
            vec!["q · k".into(), "× scale".into(), "weight".into()]
        },
        rows,
        class: "attention-steps",
        marked: None,
    }
}

pub(super) fn weights(c: &Shown) -> Table {
    let f = c.spec.focus;
    let r = c.result;
    let mut rows = token_rows(c, |j| {
        vec![cell(
            fmt_opt(r.weight(f, j)),
            Bind::focus(Field::Weight, &[j]),
        )]
    });
    rows.push(plain_row(
        "sum",
        vec![cell(weight_sum(r, f), Bind::focus(Field::WeightSum, &[]))],
    ));
    let (tok, name) = focus_token(c);
    Table {
        caption: Caption::new()
            .text("How much “")
            .bound(tok, name)
            .text("” attends to each word"),
        corner: "word".into(),
        columns: vec!["weight".into()],
        rows,
        class: "attention-steps",
        marked: None,
    }
}

pub(super) fn softmax(c: &Shown) -> Table {
    let f = c.spec.focus;
    let r = c.result;
    let row = r.score_row(f);
    let max = core::row_max(&row);
    let exps = core::exps(&row);
    let total = exps.iter().fold(0.0, |s, e| s + e);
    let mut rows = token_rows(c, |j| {
        let (shifted, weight) = match (row[j], max) {
            (Some(s), Some(m)) => (
                pencil::sum_of_products(s - m, [(s, 1.0), (m, -1.0)]),
                pencil::quotient(r.weights[[f, j]], exps[j], total),
            ),
            _ => (fmt_opt(None), fmt(0.0)),
        };
        vec![
            cell(fmt_opt(row[j]), Bind::focus(Field::Scores, &[j])),
            cell(shifted, Bind::focus(Field::Shifted, &[j])),
            cell(fmt(exps[j]), Bind::focus(Field::Exp, &[j])),
            cell(weight, Bind::focus(Field::SoftmaxWeight, &[j])),
        ]
    });
    let esum = pencil::sum(total, exps.iter().copied());
    rows.push(plain_row(
        "sum",
        vec![
            blank(),
            blank(),
            cell(esum, Bind::focus(Field::ExpSum, &[])),
            blank(),
        ],
    ));
    let (tok, name) = focus_token(c);
    Table {
        caption: Caption::new()
            .text("Softmax of the scores of ")
            .bound(tok, name)
            .text(": subtract the largest, ")
            .bound(Bind::focus(Field::RowMax, &[]), fmt_opt(max))
            .text("; raise e to each; divide by the sum"),
        corner: "key".into(),
        columns: vec![
            "score".into(),
            "− max".into(),
            "e^(score − max)".into(),
            "÷ sum = weight".into(),
        ],
        rows,
        class: "attention-steps",
        marked: None,
    }
}

/// The focus token's weights as one row: the lines view's numbers, as text.
pub(super) fn focus_weights(c: &Shown) -> Table {
    let f = c.spec.focus;
    let keys = c.spec.kind.axes(&c.spec.tokens).keys;
    Table {
        caption: format!("The weights of “{}”", c.spec.tokens[f])
            .as_str()
            .into(),
        corner: "".into(),
        columns: keys.to_vec(),
        rows: vec![Row {
            header: c.spec.tokens[f].clone(),
            focus: false,
            token: None,
            cells: (0..keys.len())
                .map(|j| cell(fmt_opt(c.result.weight(f, j)), None))
                .collect(),
        }],
        class: "attention-matrix",
        marked: None,
    }
}

/// Across two sentences: what each step of the translation reads, and the source word it looks
/// at most, with that weight.
pub(super) fn alignment(c: &Shown, t: &crate::block::kind::translated::Translated) -> Table {
    let read = t.run.corpus.french_read(&t.pair);
    let rows = (0..c.spec.tokens.len())
        .map(|i| {
            let best = (0..t.source.len())
                .filter_map(|j| c.result.weight(i, j).map(|w| (j, w)))
                .fold(None, |best: Option<(usize, f64)>, (j, w)| match best {
                    Some((_, b)) if b >= w => best,
                    _ => Some((j, w)),
                });
            // The readout on the step's output: the word it names (greedy) and how sure it is.
            let output: Vec<f64> = c.result.output.row(i).to_vec();
            let probabilities = t.run.next_word(&output);
            let named = (0..probabilities.len())
                .reduce(|a, b| {
                    if probabilities[b] > probabilities[a] {
                        b
                    } else {
                        a
                    }
                })
                .unwrap_or(0);
            Row {
                header: c.spec.tokens[i].clone(),
                focus: false,
                token: None,
                cells: vec![
                    cell(t.run.corpus.french[read[i]].to_string(), None),
                    cell(
                        best.map_or(String::new(), |(j, _)| t.source[j].clone()),
                        None,
                    ),
                    cell(best.map_or(String::new(), |(_, w)| fmt(w)), None),
                    cell(t.run.corpus.french[named].to_string(), None),
                    cell(fmt(probabilities[named]), None),
                ],
            }
        })
        .collect();
    Table {
        caption: "Each step: the word it writes, the word it reads, the English word it looks at most, and the word its output names, with its probability"
            .into(),
        corner: "writes".into(),
        columns: vec![
            "reads".into(),
            "looks most at".into(),
            "with weight".into(),
            "names".into(),
            "probability".into(),
        ],
        rows,
        class: "attention-matrix",
        marked: None,
    }
}
