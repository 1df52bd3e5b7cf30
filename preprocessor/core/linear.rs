//! The one dot product of the book and the projections built on it: sums run left to right
//! from zero with no fused multiply-add, as `theme/attention/core.js` runs them.

use ndarray::{Array2, ArrayView1, ArrayView2};

/// `Σ a_i·b_i`, left to right from zero: the one dot product of the book.
pub fn dot(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).fold(0.0, |sum, (x, y)| sum + x * y)
}

/// `x·Wᵀ` row by row: row `i` of `w` makes output dimension `i`.
pub fn project(x: ArrayView2<f64>, w: ArrayView2<f64>) -> Array2<f64> {
    Array2::from_shape_fn((x.nrows(), w.nrows()), |(t, i)| dot(x.row(t), w.row(i)))
}

/// The per-term products `w[row, j] · x[j]` whose sum is one projected entry.
pub fn projection_terms(x: ArrayView1<f64>, w_row: ArrayView1<f64>) -> Vec<f64> {
    w_row.iter().zip(x.iter()).map(|(w, x)| w * x).collect()
}
