//! The decode view's steps: a causal block written one token at a time, as a model generates
//! text. Step t's query is token t's, against the keys and values of tokens 1…t, kept from the
//! steps before (the KV cache). Its weights and output are row t of the whole sentence's causal
//! attention, to the last bit — checked here at every build, since it is why a causal model may
//! keep its keys and values instead of computing them again.

use crate::core::{AttentionInput, AttentionResult, Given, Mask, Qkv};
use crate::expr::{ResultGroup, ResultName};
use crate::source::Diagnostic;
use ndarray::s;

/// The name of step `t` (from 1): `decode[t]`.
pub fn step_name(t: usize) -> ResultName {
    ResultName {
        group: ResultGroup::Decode,
        key: t.to_string(),
    }
}

/// One step: token `t` (from 1) written, its query against the cache of tokens 1…t.
pub struct Step {
    pub t: usize,
    pub input: AttentionInput,
    pub result: AttentionResult,
}

/// Every step of writing the block's sentence, each computed from the block's own queries, keys
/// and values (after any set by hand, and turned by rotary positions if any) — `own` and
/// `own_input` — and each checked against the block's own attention (problems at `place`).
pub fn steps(
    own_input: &AttentionInput,
    own: &AttentionResult,
    place: &crate::source::Place,
) -> Result<Vec<Step>, Diagnostic> {
    let r = own;
    let n = r.q.nrows();
    (1..=n)
        .map(|t| {
            let input = AttentionInput {
                qkv: Qkv::Given(Given {
                    q: r.q.slice(s![t - 1..t, ..]).to_owned(),
                    k: r.k.slice(s![..t, ..]).to_owned(),
                    v: r.v.slice(s![..t, ..]).to_owned(),
                }),
                // One query against every cached key: the causal mask hides none of them.
                mask: Mask::Causal,
                scale: own_input.scale,
                query_overrides: Vec::new(),
                positions: None,
                rope: None,
            };
            let result = input.compute().map_err(|e| {
                Diagnostic::new(place.clone(), format!("{e} (step {t} of the decode view)"))
            })?;
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
            let row_agrees = (0..n).all(|j| {
                let full = r.weights[[t - 1, j]];
                if j < t { same(result.weights[[0, j]], full) } else { full == 0.0 }
            }) && (0..r.output.ncols()).all(|c| same(result.output[[0, c]], r.output[[t - 1, c]]));
            if !row_agrees {
                return Err(Diagnostic::new(
                    place.clone(),
                    format!(
                        "step {t} of the decode view does not reproduce row {t} of the block's causal attention — this is a bug in mdbook-attention; please report it with this block"
                    ),
                ));
            }
            Ok(Step { t, input, result })
        })
        .collect()
}

/// Dot products a step computes: `t` with the cache (the new query against every kept key), and
/// `t²` without it (every query of the prefix again, against every key).
pub fn dots_per_step(t: usize) -> (u64, u64) {
    let t = t as u64;
    (t, t * t)
}

/// Dot products over the first `n` steps: `n(n+1)/2` with the cache, `n(n+1)(2n+1)/6` without.
pub fn dots_up_to(n: usize) -> (u64, u64) {
    let n = n as u64;
    (n * (n + 1) / 2, n * (n + 1) * (2 * n + 1) / 6)
}

/// The shape of a real model's cache, from its published configuration.
pub struct CacheShape {
    pub model: &'static str,
    pub layers: u64,
    pub heads: u64,
    pub d_head: u64,
    /// Bytes per number: 2 for 16-bit floats.
    pub bytes: u64,
}

/// GPT-2 small (Radford et al. 2019; its `config.json`: `n_layer` 12, `n_head` 12, `n_embd` 768,
/// so 64 dimensions per head), its cache in 16-bit numbers.
pub const GPT2_SMALL: CacheShape = CacheShape {
    model: "GPT-2 small",
    layers: 12,
    heads: 12,
    d_head: 64,
    bytes: 2,
};

impl CacheShape {
    /// Bytes the cache holds per token: a key and a value per head, per layer.
    pub fn bytes_per_token(&self) -> u64 {
        2 * self.layers * self.heads * self.d_head * self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_are_the_sums_of_the_steps() {
        for n in [0usize, 1, 2, 7, 100, 4096] {
            let (with, without) = (1..=n)
                .map(dots_per_step)
                .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
            assert_eq!(dots_up_to(n), (with, without));
        }
        assert_eq!(dots_up_to(4096), (8_390_656, 22_914_881_536));
    }

    #[test]
    fn gpt2_small_keeps_36_864_bytes_a_token() {
        // circuits.md: 12 layers × 12 heads × 64 × 2 (K and V) × 2 bytes.
        assert_eq!(GPT2_SMALL.bytes_per_token(), 36_864);
    }
}
