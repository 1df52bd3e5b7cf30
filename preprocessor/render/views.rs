//! Each table view of a widget as one [`Table`] model (or a few), built once and written as
//! HTML by `cells.rs` and as Markdown by `static_form.rs`.
//!
//! Totals follow the pencil rule (`pencil.rs`): the shown operands reproduce them, or they
//! carry `≈`. Bindings (`data-b`) name what the browser recomputes; `theme/attention/bindings.js`
//! knows each name used here.

use super::binding::{Bind, Field};
use super::figure::{Caption, Cell, Row, Table, blank, cell};
use super::figure::{Equation, Figure, Shown, Term};
use super::heatmap;
use super::pencil;
use super::training;
use crate::block::View;
use crate::core;
use crate::format::{fmt, fmt_opt};
use ndarray::Array2;

/// The model of one view of one result: the single definition both writers render.
pub fn figure(view: View, c: &Shown) -> Result<Figure, String> {
    Ok(match view {
        View::Embeddings => Figure::Tables(vec![embeddings(c)]),
        View::Matrices => Figure::Tables(matrices(c)),
        View::Projection => Figure::Equations(projection(c)),
        View::Qkv => Figure::Tables(qkv(c)),
        View::Matmul => Figure::Tables(matmul(c, marked_column(c))),
        View::Scores => Figure::Tables(vec![scores(c)]),
        View::Weights => Figure::Tables(vec![weights(c)]),
        View::Softmax => Figure::Tables(vec![softmax(c)]),
        View::Output => Figure::Tables(vec![output(c)]),
        View::Residual => Figure::Tables(vec![residual(c)]),
        View::Heatmap => Figure::Heatmaps(heatmap::panels(c.c, false)?),
        View::Compare => Figure::Heatmaps(heatmap::panels(c.c, true)?),
        View::Heads => Figure::Heatmaps(heatmap::head_panels(c.c)),
        View::Order => heatmap::order(c.c)?,
        View::Combine => Figure::Tables(combine(c)?),
        View::Positions => positions_figure(c)?,
        View::Controls => Figure::Controls,
        View::Loss => {
            let chart = training::Chart {
                run: training::run_of(c.c)?,
            };
            Figure::Chart {
                svg: chart.svg(),
                table: chart.table(),
            }
        }
        View::Gradient => Figure::Tables(vec![training::gradient(training::run_of(c.c)?)]),
        View::Learning => {
            training::run_of(c.c)?;
            Figure::Learning(heatmap::panels(c.c, false)?)
        }
        View::Snapshots => Figure::Heatmaps(training::panels(c.c)?),
        View::Learned => Figure::Tables(training::learned(c.c)?),
        View::Lines => Figure::Drawn {
            svg: super::lines::lines(c),
            label: format!("Attention as lines, from “{}”", c.spec.tokens[c.spec.focus]),
            tables: vec![focus_weights(c)],
            picker: None,
        },
        View::Layers => {
            let on =
                c.spec.kind.on_head().ok_or(
                    "the layers view shows a real model — give the block `model = \"NAME\"`",
                )?;
            let (run, layer, head) = (&on.run, &on.layer, &on.head);
            let layers = run.attention.len();
            let heads = run.attention.first().map_or(0, Vec::len);
            Figure::Drawn {
                svg: super::layers::map(run, (*layer, *head), c.spec.focus),
                label: format!("Every head of every layer on “{}”", run.text),
                tables: vec![
                    super::layers::picked(run, *layer, *head),
                    super::layers::strongest(run, c.spec.focus),
                ],
                picker: Some((layers, heads, *layer, *head)),
            }
        }
    })
}

/// The column a matrix view picks out: the `highlight` token, else where the focus attends most.
fn marked_column(c: &Shown) -> usize {
    let f = c.spec.focus;
    c.spec
        .highlight
        .unwrap_or_else(|| c.result.strongest(f).map_or(f, |(j, _)| j))
}

fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("{prefix}{i}")).collect()
}

fn focus_token(c: &Shown) -> (Bind, String) {
    (
        Bind::focus(Field::Token, &[]),
        c.spec.tokens[c.spec.focus].clone(),
    )
}

/// One row per token of a token-indexed matrix.
fn token_table(
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

fn embeddings(c: &Shown) -> Table {
    token_table(
        c,
        "Embeddings: one row per token, one column per dimension".into(),
        Field::Embedding,
        &c.input.embeddings,
        c.spec.dims.clone(),
    )
}

fn matrices(c: &Shown) -> Vec<Table> {
    let input = &c.input;
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

fn qkv(c: &Shown) -> Vec<Table> {
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

/// One row per token, as the focus token sees it (a key, a weight, a value): the focus row
/// picked out, each row clickable to follow its token.
fn token_rows(c: &Shown, cells: impl Fn(usize) -> Vec<Cell>) -> Vec<Row> {
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
fn plain_row(header: impl Into<String>, cells: Vec<Cell>) -> Row {
    Row {
        header: header.into(),
        focus: false,
        token: None,
        cells,
    }
}

/// The sum row under a column of weights, by the pencil rule.
fn weight_sum(r: &core::AttentionResult, f: usize) -> String {
    let n = r.weights.ncols();
    let total = r.weights.row(f).iter().fold(0.0, |s, w| s + w);
    pencil::sum(total, (0..n).filter_map(|j| r.weight(f, j)))
}

fn scores(c: &Shown) -> Table {
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

fn weights(c: &Shown) -> Table {
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

fn softmax(c: &Shown) -> Table {
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

fn output(c: &Shown) -> Table {
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

/// The residual view needs values as wide as the embeddings; `spec` checks it.
/// The binding of the projected vectors: the embeddings, or with positions their sum.
fn input_field(c: &Shown) -> Field {
    if c.input.positions.is_some() {
        Field::Input
    } else {
        Field::Embedding
    }
}

fn residual(c: &Shown) -> Table {
    let f = c.spec.focus;
    let r = c.result;
    let x = &c.input.inputs();
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

/// Q, Kᵀ and their product: every score at once, the focus row and the marked column picked out.
fn matmul(c: &Shown, marked: usize) -> Vec<Table> {
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

fn projection(c: &Shown) -> Vec<Equation> {
    let f = c.spec.focus;
    let input = &c.input;
    // What is projected: the embeddings, plus the positions when the block adds them.
    let inputs = input.inputs();
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

/// The heads' outputs side by side, `w_o`, and what it makes of them.
fn combine(c: &Shown) -> Result<Vec<Table>, String> {
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

/// What tells the words' places apart: the encodings added to the embeddings, or the angles
/// rotary positions turn queries and keys by.
fn positions(c: &Shown) -> Result<Vec<Table>, String> {
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
        let inputs = c.input.inputs();
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
fn positions_figure(c: &Shown) -> Result<Figure, String> {
    let mut tables = positions(c)?;
    let Some(pe) = &c.input.positions else {
        return Ok(Figure::Tables(tables));
    };
    if c.spec.positions == crate::block::PositionsKind::Sinusoidal {
        tables.insert(1, super::positions::wavelengths(pe.ncols(), &c.spec.dims));
    }
    Ok(Figure::Drawn {
        picker: None,
        svg: super::positions::map(pe, &c.spec.tokens, &c.spec.dims),
        label: "Positions as a map: one row per place in the sentence, one column per dimension"
            .into(),
        tables,
    })
}

/// The focus token's weights as one row: the lines view's numbers, as text.
fn focus_weights(c: &Shown) -> Table {
    let f = c.spec.focus;
    Table {
        caption: format!("The weights of “{}”", c.spec.tokens[f])
            .as_str()
            .into(),
        corner: "".into(),
        columns: c.spec.tokens.clone(),
        rows: vec![Row {
            header: c.spec.tokens[f].clone(),
            focus: false,
            token: None,
            cells: (0..c.spec.tokens.len())
                .map(|j| cell(fmt_opt(c.result.weight(f, j)), None))
                .collect(),
        }],
        class: "attention-matrix",
        marked: None,
    }
}

/// A base like 10000 without decimals.
fn fmt_base(base: f64) -> String {
    if base.fract() == 0.0 && base.abs() < 1e15 {
        format!("{base:.0}")
    } else {
        fmt(base)
    }
}
