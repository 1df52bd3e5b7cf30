//! Scaled dot-product attention on `ndarray`, exactly as the book teaches it.
//!
//! This module knows nothing of Markdown, TOML or HTML. It takes embeddings and three weight
//! matrices (or a real head's queries, keys and values as they are, [`Qkv::Given`]), and keeps
//! every intermediate so the book can show each step. Sums run left to right from zero with no
//! fused multiply-add, the same order as `theme/attention/core.js`, so the browser and the build
//! agree to the last bit in almost every case, and always within 1e-12 of the size of what was
//! summed (`exp` may differ in its last bit, and terms that cancel leave that bit larger).
//!
//! Conventions (the same as PyTorch's `Linear` and `scaled_dot_product_attention`):
//! - weights are stored `(out, in)`: row `i` of `W_Q` makes query dimension `i`, `Q = X·W_Qᵀ`;
//! - scale defaults to `1/√d_k`;
//! - a boolean mask entry `true` means "may attend"; causal means lower-triangular;
//! - attention is rectangular: `n_q` queries against `n_k` keys (self-attention is the square
//!   case, a decoding step one query against the cached keys, cross-attention a target sentence
//!   against a source). A causal mask aligns the last query with the last key, so query `i`
//!   sees keys up to `i + n_k − n_q`: the one new query of a decoding step sees every cached key;
//! - a row whose every entry is masked gets zero weights and a zero output (PyTorch ≥ 2.5),
//!   not the NaN that the bare formula would give.

pub mod bert;
pub mod linear;
pub mod positions;
pub mod training;
pub mod translation;

pub use linear::{dot, project, projection_terms};
use ndarray::{Array1, Array2};
use thiserror::Error;

/// Which positions each query may attend to.
#[derive(Debug, Clone, PartialEq)]
pub enum Mask {
    /// Bidirectional: every token sees every token.
    None,
    /// Each token sees itself and the tokens before it.
    Causal,
    /// `allowed[[i, j]]` is true when query `i` may attend to key `j`.
    Explicit(Array2<bool>),
}

impl Mask {
    /// Whether query `i` may attend to key `j` among `(n_q, n_k)` queries and keys. A causal
    /// mask aligns the last query with the last key (`j − i ≤ n_k − n_q`).
    pub fn allows(&self, i: usize, j: usize, (n_q, n_k): (usize, usize)) -> bool {
        match self {
            Mask::None => true,
            Mask::Causal => j + n_q <= i + n_k,
            Mask::Explicit(allowed) => allowed[[i, j]],
        }
    }
}

/// Everything attention needs: where the queries, keys and values come from, and how they meet.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionInput {
    pub qkv: Qkv,
    pub mask: Mask,
    /// `None` means `1/√d_k`.
    pub scale: Option<f64>,
    /// Query entries set by hand after projecting (the book's "move the query" experiment).
    pub query_overrides: Vec<QueryOverride>,
    /// `n × d`, added to the embeddings before projecting (sinusoidal or learned positions);
    /// only with [`Qkv::Projected`].
    pub positions: Option<Array2<f64>>,
    /// Rotary embeddings, applied to the queries (after any set by hand) and keys.
    pub rope: Option<positions::Rope>,
}

/// Where the queries, keys and values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Qkv {
    /// Projected from the tokens' embeddings by three weight matrices (self-attention).
    Projected(Projection),
    /// As they are: a real model's head, whose projections (and their biases) ran in the model.
    Given(Given),
}

/// `n` tokens of dimension `d` and the three matrices that project them.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// `n × d`, one row per token.
    pub embeddings: Array2<f64>,
    /// `d_k × d`.
    pub w_q: Array2<f64>,
    /// `d_k × d`.
    pub w_k: Array2<f64>,
    /// `d_v × d`.
    pub w_v: Array2<f64>,
}

/// Queries (`n × d_k`), keys (`n × d_k`) and values (`n × d_v`) as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Given {
    pub q: Array2<f64>,
    pub k: Array2<f64>,
    pub v: Array2<f64>,
}

/// `Q[token][dim] = value`, applied after `Q = X·W_Qᵀ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueryOverride {
    pub token: usize,
    pub dim: usize,
    pub value: f64,
}

/// Every intermediate of one attention computation: `n_q` queries against `n_k` keys.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionResult {
    /// `n_q × d_k`.
    pub q: Array2<f64>,
    /// `n_k × d_k`.
    pub k: Array2<f64>,
    /// `n_k × d_v`.
    pub v: Array2<f64>,
    /// The scale actually used.
    pub scale: f64,
    /// `n_q × n_k` unscaled dot products `q_i · k_j`; `None` where masked.
    pub dots: Array2<Option<f64>>,
    /// `n_q × n_k` scaled scores; `None` where masked.
    pub scores: Array2<Option<f64>>,
    /// `n_q × n_k`, each row sums to 1 (or is all zero when fully masked).
    pub weights: Array2<f64>,
    /// `n_q × d_v`, `weights · V`.
    pub output: Array2<f64>,
}

/// Which intermediate overflowed, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Query,
    Key,
    Value,
    Scores,
    Output,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Query => "the queries Q",
            Stage::Key => "the keys K",
            Stage::Value => "the values V",
            Stage::Scores => "the scores Q·Kᵀ",
            Stage::Output => "the output",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum AttentionError {
    #[error("there are no tokens")]
    NoTokens,
    #[error("the embeddings have no dimensions")]
    NoDimensions,
    #[error("{matrix} has no rows; it needs at least one")]
    NoRows { matrix: &'static str },
    #[error("{matrix} has {found} columns but the embeddings have {expected} dimensions")]
    ColumnMismatch {
        matrix: &'static str,
        found: usize,
        expected: usize,
    },
    #[error("w_q makes queries of {q} dimensions but w_k makes keys of {k}; they must match")]
    QueryKeyMismatch { q: usize, k: usize },
    #[error("the mask is {rows}×{cols} but there are {n} tokens; it must be {n}×{n}")]
    MaskShape { rows: usize, cols: usize, n: usize },
    #[error(
        "there are {queries} queries of {d_q} dimensions, {keys} keys of {d_k} dimensions and {values} values; \
         the queries and keys need as many dimensions, and every key a value"
    )]
    Shapes {
        queries: usize,
        d_q: usize,
        keys: usize,
        d_k: usize,
        values: usize,
    },
    #[error(
        "the mask is {rows}×{cols} but there are {queries} queries and {keys} keys; it must be {queries}×{keys}"
    )]
    RectangularMaskShape {
        rows: usize,
        cols: usize,
        queries: usize,
        keys: usize,
    },
    // Rows and columns count from 1 in messages, as everywhere an author reads them.
    #[error(
        "{matrix} holds {value} at row {}, column {}; every entry must be a finite number",
        .row + 1,
        .col + 1
    )]
    NotFinite {
        matrix: &'static str,
        row: usize,
        col: usize,
        value: f64,
    },
    #[error(
        "the query override at token {}, dimension {} is out of range or not finite",
        .token + 1,
        .dim + 1
    )]
    BadOverride { token: usize, dim: usize },
    #[error(
        "the positions are {rows}×{cols} but there are {n} tokens of {d} dimensions; they must be {n}×{d}"
    )]
    PositionsShape {
        rows: usize,
        cols: usize,
        n: usize,
        d: usize,
    },
    #[error("positions are added to embeddings, and given queries, keys and values have none")]
    PositionsOnGiven,
    #[error("the scale is {0}; it must be a finite number")]
    BadScale(f64),
    #[error(
        "{stage} overflowed to infinity (row {}, column {}); use smaller values",
        .row + 1,
        .col + 1
    )]
    Overflow {
        stage: Stage,
        row: usize,
        col: usize,
    },
}

/// `e^(score − row max)` for each allowed entry of one row, `0` where masked: the numerators of
/// softmax. A row with no allowed entry gives all zeros.
pub fn exps(scores: &[Option<f64>]) -> Vec<f64> {
    let max = row_max(scores).unwrap_or(0.0);
    scores
        .iter()
        .map(|s| s.map_or(0.0, |s| (s - max).exp()))
        .collect()
}

/// The largest allowed score of a row, which softmax subtracts first so that no `exp`
/// overflows; `None` when every entry is masked.
pub fn row_max(scores: &[Option<f64>]) -> Option<f64> {
    scores.iter().flatten().copied().reduce(f64::max)
}

/// Softmax over the allowed entries of one row, subtracting the row maximum first. A row with
/// no allowed entry gives all zeros.
pub fn softmax(scores: &[Option<f64>]) -> Vec<f64> {
    if row_max(scores).is_none() {
        return vec![0.0; scores.len()];
    }
    let exps = exps(scores);
    let total = exps.iter().fold(0.0, |sum, e| sum + e);
    exps.iter().map(|e| e / total).collect()
}

impl AttentionResult {
    /// Row `i` of the scores, as softmax sees it.
    pub fn score_row(&self, i: usize) -> Vec<Option<f64>> {
        self.scores.row(i).to_vec()
    }
    /// Whether token `i` may attend to token `j`.
    pub fn allowed(&self, i: usize, j: usize) -> bool {
        self.scores[[i, j]].is_some()
    }
    /// The token `i` attends to most, and that weight (the first of equals); `None` when every
    /// entry of its row is masked.
    pub fn strongest(&self, i: usize) -> Option<(usize, f64)> {
        (0..self.weights.ncols())
            .filter_map(|j| self.weight(i, j).map(|w| (j, w)))
            .reduce(|a, b| if b.1 > a.1 { b } else { a })
    }
    /// The weight of `i` on `j`, or `None` where masked.
    pub fn weight(&self, i: usize, j: usize) -> Option<f64> {
        self.allowed(i, j).then(|| self.weights[[i, j]])
    }
    /// `weight(i, j) · v[j][c]`: one term of output `i`, dimension `c`.
    pub fn weighted_value(&self, i: usize, j: usize, c: usize) -> f64 {
        self.weights[[i, j]] * self.v[[j, c]]
    }
    /// The output added back to the embeddings (the residual connection); `None` unless the
    /// values have as many dimensions as the embeddings.
    pub fn residual(&self, embeddings: &Array2<f64>) -> Option<Array2<f64>> {
        (embeddings.dim() == self.output.dim()).then(|| embeddings + &self.output)
    }
}

fn check_finite(matrix: &'static str, m: &Array2<f64>) -> Result<(), AttentionError> {
    match m.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((row, col), &value)) => Err(AttentionError::NotFinite {
            matrix,
            row,
            col,
            value,
        }),
        None => Ok(()),
    }
}

fn check_overflow(stage: Stage, m: &Array2<f64>) -> Result<(), AttentionError> {
    match m.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((row, col), _)) => Err(AttentionError::Overflow { stage, row, col }),
        None => Ok(()),
    }
}

impl AttentionInput {
    /// The embeddings and weights, when the queries, keys and values are projected from them.
    pub fn projection(&self) -> Option<&Projection> {
        match &self.qkv {
            Qkv::Projected(p) => Some(p),
            Qkv::Given(_) => None,
        }
    }

    pub fn projection_mut(&mut self) -> Option<&mut Projection> {
        match &mut self.qkv {
            Qkv::Projected(p) => Some(p),
            Qkv::Given(_) => None,
        }
    }

    /// The same tokens, positions and mask projected by other weights (a given head has none to
    /// replace, and stays as it is).
    pub fn with_weights(
        &self,
        w_q: &Array2<f64>,
        w_k: &Array2<f64>,
        w_v: &Array2<f64>,
    ) -> AttentionInput {
        let qkv = match &self.qkv {
            Qkv::Projected(p) => Qkv::Projected(Projection {
                embeddings: p.embeddings.clone(),
                w_q: w_q.clone(),
                w_k: w_k.clone(),
                w_v: w_v.clone(),
            }),
            given => given.clone(),
        };
        AttentionInput {
            qkv,
            ..self.clone()
        }
    }

    /// How many tokens ask (the queries): every token, or a decoding step's one.
    pub fn tokens(&self) -> usize {
        match &self.qkv {
            Qkv::Projected(p) => p.embeddings.nrows(),
            Qkv::Given(g) => g.q.nrows(),
        }
    }

    /// How many dimensions each query (and key) has.
    pub fn d_k(&self) -> usize {
        match &self.qkv {
            Qkv::Projected(p) => p.w_q.nrows(),
            Qkv::Given(g) => g.q.ncols(),
        }
    }

    /// Checks shapes and values; every later step may then index freely.
    pub fn validate(&self) -> Result<(), AttentionError> {
        let n = self.tokens();
        if n == 0 {
            return Err(AttentionError::NoTokens);
        }
        match &self.qkv {
            Qkv::Projected(p) => p.validate(self.positions.as_ref())?,
            Qkv::Given(g) => {
                // A given head has no embeddings for positions to be added to.
                if self.positions.is_some() {
                    return Err(AttentionError::PositionsOnGiven);
                }
                // Rectangular: a decoding step's one query against its cached keys.
                if g.k.nrows() == 0 || g.q.ncols() != g.k.ncols() || g.v.nrows() != g.k.nrows() {
                    return Err(AttentionError::Shapes {
                        queries: g.q.nrows(),
                        d_q: g.q.ncols(),
                        keys: g.k.nrows(),
                        d_k: g.k.ncols(),
                        values: g.v.nrows(),
                    });
                }
                check_finite("q", &g.q)?;
                check_finite("k", &g.k)?;
                check_finite("v", &g.v)?;
            }
        }
        let keys = match &self.qkv {
            Qkv::Projected(_) => n,
            Qkv::Given(g) => g.k.nrows(),
        };
        if let Mask::Explicit(m) = &self.mask
            && m.dim() != (n, keys)
        {
            return Err(if keys == n {
                AttentionError::MaskShape {
                    rows: m.nrows(),
                    cols: m.ncols(),
                    n,
                }
            } else {
                AttentionError::RectangularMaskShape {
                    rows: m.nrows(),
                    cols: m.ncols(),
                    queries: n,
                    keys,
                }
            });
        }
        let d_k = self.d_k();
        if let Some(o) = self
            .query_overrides
            .iter()
            .find(|o| o.token >= n || o.dim >= d_k || !o.value.is_finite())
        {
            return Err(AttentionError::BadOverride {
                token: o.token,
                dim: o.dim,
            });
        }
        if let Some(scale) = self.scale
            && !scale.is_finite()
        {
            return Err(AttentionError::BadScale(scale));
        }
        Ok(())
    }

    /// The vectors that are projected: the embeddings, plus the positions if any (`None` for a
    /// given head).
    pub fn inputs(&self) -> Option<Array2<f64>> {
        self.projection().map(|p| p.inputs(self.positions.as_ref()))
    }

    /// Projects the embeddings (with their positions), or takes the given vectors, then attends.
    pub fn compute(&self) -> Result<AttentionResult, AttentionError> {
        self.validate()?;
        let (mut q, mut k, v) = match &self.qkv {
            Qkv::Projected(p) => {
                let x = p.inputs(self.positions.as_ref());
                (
                    project(x.view(), p.w_q.view()),
                    project(x.view(), p.w_k.view()),
                    project(x.view(), p.w_v.view()),
                )
            }
            Qkv::Given(g) => (g.q.clone(), g.k.clone(), g.v.clone()),
        };
        for o in &self.query_overrides {
            q[[o.token, o.dim]] = o.value;
        }
        if let Some(rope) = &self.rope {
            q = rope.rotate(&q);
            k = rope.rotate(&k);
        }
        check_overflow(Stage::Query, &q)?;
        check_overflow(Stage::Key, &k)?;
        check_overflow(Stage::Value, &v)?;
        attend(q, k, v, &self.mask, self.scale)
    }
}

impl Projection {
    /// The embeddings plus the positions, when they fit: what is projected.
    pub fn inputs(&self, positions: Option<&Array2<f64>>) -> Array2<f64> {
        match positions {
            Some(p) if p.dim() == self.embeddings.dim() => &self.embeddings + p,
            _ => self.embeddings.clone(),
        }
    }

    fn validate(&self, positions: Option<&Array2<f64>>) -> Result<(), AttentionError> {
        let (n, d) = self.embeddings.dim();
        if d == 0 {
            return Err(AttentionError::NoDimensions);
        }
        for (matrix, w) in [("w_q", &self.w_q), ("w_k", &self.w_k), ("w_v", &self.w_v)] {
            if w.nrows() == 0 {
                return Err(AttentionError::NoRows { matrix });
            }
            if w.ncols() != d {
                return Err(AttentionError::ColumnMismatch {
                    matrix,
                    found: w.ncols(),
                    expected: d,
                });
            }
        }
        if self.w_q.nrows() != self.w_k.nrows() {
            return Err(AttentionError::QueryKeyMismatch {
                q: self.w_q.nrows(),
                k: self.w_k.nrows(),
            });
        }
        check_finite("embeddings", &self.embeddings)?;
        if let Some(p) = positions {
            if p.dim() != (n, d) {
                return Err(AttentionError::PositionsShape {
                    rows: p.nrows(),
                    cols: p.ncols(),
                    n,
                    d,
                });
            }
            check_finite("the positions", p)?;
        }
        check_finite("w_q", &self.w_q)?;
        check_finite("w_k", &self.w_k)?;
        check_finite("w_v", &self.w_v)
    }
}

/// Attention from given `Q` (`n_q × d_k`), `K` (`n_k × d_k`) and `V` (`n_k × d_v`): the
/// browser's query sliders start here, and so do a decoding step and cross-attention.
pub fn attend(
    q: Array2<f64>,
    k: Array2<f64>,
    v: Array2<f64>,
    mask: &Mask,
    scale: Option<f64>,
) -> Result<AttentionResult, AttentionError> {
    let (n_q, n_k) = (q.nrows(), k.nrows());
    if q.ncols() != k.ncols() || v.nrows() != n_k {
        return Err(AttentionError::Shapes {
            queries: n_q,
            d_q: q.ncols(),
            keys: n_k,
            d_k: k.ncols(),
            values: v.nrows(),
        });
    }
    if let Mask::Explicit(allowed) = mask
        && allowed.dim() != (n_q, n_k)
    {
        return Err(AttentionError::RectangularMaskShape {
            rows: allowed.nrows(),
            cols: allowed.ncols(),
            queries: n_q,
            keys: n_k,
        });
    }
    let scale = scale.unwrap_or_else(|| 1.0 / (q.ncols() as f64).sqrt());
    let dots = Array2::from_shape_fn((n_q, n_k), |(i, j)| {
        mask.allows(i, j, (n_q, n_k))
            .then(|| dot(q.row(i), k.row(j)))
    });
    let scores = dots.mapv(|d| d.map(|d| d * scale));
    if let Some(((row, col), _)) = scores
        .indexed_iter()
        .find(|(_, s)| s.is_some_and(|s| !s.is_finite()))
    {
        return Err(AttentionError::Overflow {
            stage: Stage::Scores,
            row,
            col,
        });
    }
    let mut weights = Array2::zeros((n_q, n_k));
    for (i, row) in scores.rows().into_iter().enumerate() {
        let row: Vec<Option<f64>> = row.to_vec();
        weights.row_mut(i).assign(&Array1::from(softmax(&row)));
    }
    let output = Array2::from_shape_fn((n_q, v.ncols()), |(i, c)| {
        (0..n_k).fold(0.0, |sum, j| sum + weights[[i, j]] * v[[j, c]])
    });
    check_overflow(Stage::Output, &output)?;
    Ok(AttentionResult {
        q,
        k,
        v,
        scale,
        dots,
        scores,
        weights,
        output,
    })
}

#[cfg(test)]
mod tests;
