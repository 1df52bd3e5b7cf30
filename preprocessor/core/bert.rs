//! A BERT encoder in eval mode, in `f64`: what a real trained model does with a sentence.
//!
//! Word, position and token-type embeddings, summed and normalised; then per layer multi-head
//! self-attention — each head's queries, keys and values projected with their biases and handed
//! to [`attend`], the one implementation of attention in the project — the heads side by side
//! through the output projection, a residual and LayerNorm, a feed-forward layer with the exact
//! (erf) GELU, a residual and LayerNorm. No dropout, no mask (one sentence, no padding).
//!
//! Weights are stored `(out, in)` as in PyTorch's `Linear`; the file format is read elsewhere
//! (by the model module above), this one only computes.

use super::{AttentionResult, Mask, attend};
use ndarray::{Array1, Array2, ArrayView2, Axis, s};

/// The shape of an encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BertConfig {
    pub layers: usize,
    pub heads: usize,
    pub hidden: usize,
    pub layer_norm_eps: f64,
}

/// A linear layer: `y = x·Wᵀ + b`.
#[derive(Debug, Clone)]
pub struct Linear {
    pub weight: Array2<f64>,
    pub bias: Array1<f64>,
}

impl Linear {
    pub fn apply(&self, x: ArrayView2<f64>) -> Array2<f64> {
        x.dot(&self.weight.t()) + &self.bias
    }
}

#[derive(Debug, Clone)]
pub struct LayerNorm {
    pub weight: Array1<f64>,
    pub bias: Array1<f64>,
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub attention_output: Linear,
    pub attention_norm: LayerNorm,
    pub intermediate: Linear,
    pub output: Linear,
    pub output_norm: LayerNorm,
}

#[derive(Debug, Clone)]
pub struct BertWeights {
    pub config: BertConfig,
    /// `(vocabulary, hidden)`, `(positions, hidden)`, `(types, hidden)`.
    pub word_embeddings: Array2<f64>,
    pub position_embeddings: Array2<f64>,
    pub token_type_embeddings: Array2<f64>,
    pub embeddings_norm: LayerNorm,
    pub layers: Vec<Layer>,
}

/// One head of one layer: its queries and keys (biases added) and its attention.
#[derive(Debug, Clone)]
pub struct HeadOutput {
    pub q: Array2<f64>,
    pub k: Array2<f64>,
    pub attention: AttentionResult,
}

/// A sentence through the encoder.
#[derive(Debug, Clone)]
pub struct BertOutput {
    /// `[layer][head]`.
    pub heads: Vec<Vec<HeadOutput>>,
    /// The hidden states after the last layer, one row per token.
    pub last_hidden: Array2<f64>,
}

impl BertOutput {
    /// The weights of one head, `[query][key]`.
    pub fn weights(&self, layer: usize, head: usize) -> &Array2<f64> {
        &self.heads[layer][head].attention.weights
    }
}

fn layer_norm(x: &Array2<f64>, norm: &LayerNorm, eps: f64) -> Array2<f64> {
    let mut out = x.clone();
    for mut row in out.rows_mut() {
        let n = row.len() as f64;
        let mean = row.iter().sum::<f64>() / n;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let scale = 1.0 / (var + eps).sqrt();
        for (i, v) in row.iter_mut().enumerate() {
            *v = (*v - mean) * scale * norm.weight[i] + norm.bias[i];
        }
    }
    out
}

/// The exact GELU: `x·Φ(x) = x/2·(1 + erf(x/√2))`.
pub fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

/// Runs token ids (with token type 0) through the encoder.
pub fn forward(w: &BertWeights, ids: &[usize]) -> Result<BertOutput, String> {
    let c = w.config;
    let n = ids.len();
    if n == 0 || n > w.position_embeddings.nrows() {
        return Err(format!(
            "a sentence of {n} word pieces: the model reads 1 to {}",
            w.position_embeddings.nrows()
        ));
    }
    if let Some(bad) = ids.iter().find(|&&i| i >= w.word_embeddings.nrows()) {
        return Err(format!("word piece id {bad} is outside the vocabulary"));
    }
    let d_head = c.hidden / c.heads;
    let mut x = Array2::from_shape_fn((n, c.hidden), |(t, i)| {
        w.word_embeddings[[ids[t], i]]
            + w.position_embeddings[[t, i]]
            + w.token_type_embeddings[[0, i]]
    });
    x = layer_norm(&x, &w.embeddings_norm, c.layer_norm_eps);
    let mut heads = Vec::with_capacity(c.layers);
    for layer in &w.layers {
        let (q, k, v) = (
            layer.query.apply(x.view()),
            layer.key.apply(x.view()),
            layer.value.apply(x.view()),
        );
        let mut outputs = Vec::with_capacity(c.heads);
        let mut this_layer = Vec::with_capacity(c.heads);
        for h in 0..c.heads {
            let cols = s![.., h * d_head..(h + 1) * d_head];
            let (qh, kh) = (q.slice(cols).to_owned(), k.slice(cols).to_owned());
            let attention = attend(
                qh.clone(),
                kh.clone(),
                v.slice(cols).to_owned(),
                &Mask::None,
                None,
            )
            .map_err(|e| e.to_string())?;
            outputs.push(attention.output.clone());
            this_layer.push(HeadOutput {
                q: qh,
                k: kh,
                attention,
            });
        }
        heads.push(this_layer);
        let views: Vec<_> = outputs.iter().map(|o| o.view()).collect();
        let concat = ndarray::concatenate(Axis(1), &views).map_err(|e| e.to_string())?;
        let attended = layer.attention_output.apply(concat.view()) + &x;
        let x1 = layer_norm(&attended, &layer.attention_norm, c.layer_norm_eps);
        let inner = layer.intermediate.apply(x1.view()).mapv(gelu);
        let out = layer.output.apply(inner.view()) + &x1;
        x = layer_norm(&out, &layer.output_norm, c.layer_norm_eps);
    }
    Ok(BertOutput {
        heads,
        last_hidden: x,
    })
}

/// The mean of the token vectors, scaled to length 1: a sentence embedding as
/// sentence-transformers pools this model.
pub fn sentence_embedding(hidden: &Array2<f64>) -> Array1<f64> {
    let mean = hidden.mean_axis(Axis(0)).expect("at least one token");
    let norm = mean.dot(&mean).sqrt();
    mean / norm.max(1e-12)
}
