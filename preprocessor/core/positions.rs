//! Word order: position encodings added to the embeddings, rotary embeddings applied to queries
//! and keys, and the heads of multi-head attention combined.
//!
//! - Sinusoidal (*Attention Is All You Need*): `PE(pos, 2i) = sin(pos / 10000^(2i/d))`,
//!   `PE(pos, 2i+1) = cos(pos / 10000^(2i/d))`, positions from 0.
//! - Rotary (RoFormer): dimension pairs `(2i, 2i+1)` of each query and key are rotated by
//!   `pos·θ_i`, `θ_i = base^(−2i/d_k)`; an odd last dimension is left as it is. The cosines and
//!   sines are computed here once and handed to the browser, which only multiplies and adds, so
//!   the two sides agree to the bit whatever their `sin` does.
//! - Heads: their outputs side by side (concatenated), then `W_O` (`(d_model, H·d_v)`, row `i`
//!   makes output dimension `i`), as `torch.nn.MultiheadAttention` without biases.

use super::linear::project;
use ndarray::{Array2, ArrayView2, Axis, concatenate};

/// The sinusoidal encodings of `n` positions in `d` dimensions.
pub fn sinusoidal(n: usize, d: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, d), |(pos, j)| {
        let i = (j / 2) as f64;
        let angle = pos as f64 / 10000f64.powf(2.0 * i / d as f64);
        if j % 2 == 0 { angle.sin() } else { angle.cos() }
    })
}

fn angle(base: f64, d_k: usize, pos: usize, i: usize) -> f64 {
    pos as f64 * base.powf(-2.0 * i as f64 / d_k as f64)
}

/// Rotary tables: for each position and each dimension pair, the cosine and sine of its angle.
#[derive(Debug, Clone, PartialEq)]
pub struct Rope {
    pub base: f64,
    /// The width of the queries and keys it turns.
    pub d_k: usize,
    /// `n × ⌊d_k/2⌋`.
    pub cos: Array2<f64>,
    pub sin: Array2<f64>,
}

impl Rope {
    /// The angle pair `i` of position `pos` is turned by: `pos·base^(−2i/d_k)`.
    pub fn angle(&self, pos: usize, i: usize) -> f64 {
        angle(self.base, self.d_k, pos, i)
    }

    pub fn new(n: usize, d_k: usize, base: f64) -> Rope {
        let angle = |pos: usize, i: usize| angle(base, d_k, pos, i);
        Rope {
            base,
            d_k,
            cos: Array2::from_shape_fn((n, d_k / 2), |(p, i)| angle(p, i).cos()),
            sin: Array2::from_shape_fn((n, d_k / 2), |(p, i)| angle(p, i).sin()),
        }
    }

    /// Rotates each row (a query or a key at its position): `(a, b) → (a·c − b·s, a·s + b·c)`.
    pub fn rotate(&self, m: &Array2<f64>) -> Array2<f64> {
        let mut out = m.clone();
        for ((p, i), c) in self.cos.indexed_iter() {
            if p >= m.nrows() || 2 * i + 1 >= m.ncols() {
                continue;
            }
            let s = self.sin[[p, i]];
            let (a, b) = (m[[p, 2 * i]], m[[p, 2 * i + 1]]);
            out[[p, 2 * i]] = a * c - b * s;
            out[[p, 2 * i + 1]] = a * s + b * c;
        }
        out
    }
}

/// The heads' outputs side by side (`n × Σ d_v`).
pub fn concat(outputs: &[ArrayView2<f64>]) -> Array2<f64> {
    concatenate(Axis(1), outputs).unwrap_or_else(|_| Array2::zeros((0, 0)))
}

/// `concat · W_Oᵀ`: the combined output, one row per token.
pub fn combine(concat: &Array2<f64>, w_o: &Array2<f64>) -> Array2<f64> {
    project(concat.view(), w_o.view())
}

/// The products behind one combined entry, for the pencil rule.
pub fn combine_terms(
    concat: &Array2<f64>,
    w_o: &Array2<f64>,
    i: usize,
    r: usize,
) -> Vec<(f64, f64)> {
    concat
        .row(i)
        .iter()
        .zip(w_o.row(r).iter())
        .map(|(x, w)| (*x, *w))
        .collect()
}
