//! Weights written in the block (or its example): one head (`w_q`, `w_k`, `w_v`), or several
//! side by side (`heads`) whose outputs `w_o` may combine. The keys themselves are read by the
//! block's builder, which every kind shares; this kind adds the heads' named results
//! `heads[2]`, … and the combined output.

use ndarray::Array2;

/// How many heads a block of given weights has, and what combines them.
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    /// One, or the length of `heads`.
    pub count: usize,
    /// `(d_out, H·d_v)`: combines the heads' outputs.
    pub w_o: Option<Array2<f64>>,
}
