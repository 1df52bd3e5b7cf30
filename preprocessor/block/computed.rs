//! A block after computing: its spec and its named results, and the scopes that expressions
//! read them through.
//!
//! A widget holds one or more results. The first is the block's own attention; the others are
//! named (`mask[causal]`, and later heads, training steps, positions) and computed from inputs
//! that the spec derives. Views take one result; bindings and expressions say which.

use super::checked::{BlockSpec, View};
use crate::core::{AttentionInput, AttentionResult};
use crate::expr::ResultName;
use crate::source::Diagnostic;
use crate::source::Place;

/// One attention computation of a widget and what it was computed from.
#[derive(Debug, Clone)]
pub struct NamedResult {
    /// `None` for the block's own result.
    pub name: Option<ResultName>,
    pub input: AttentionInput,
    pub result: AttentionResult,
    pub axes: ResultAxes,
}

/// Which of the block's queries and keys ([`crate::block::kind::Kind::axes`]) a result's rows and
/// columns are: all of them, in order, except for a decoding step (one query, against the tokens
/// written so far).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultAxes {
    pub queries: std::ops::Range<usize>,
    pub keys: std::ops::Range<usize>,
}

impl ResultAxes {
    /// Every query and every key of the block's kind (its tokens, both, within one sentence).
    pub fn all(spec: &BlockSpec) -> ResultAxes {
        let axes = spec.kind.axes(&spec.tokens);
        ResultAxes {
            queries: 0..axes.queries.len(),
            keys: 0..axes.keys.len(),
        }
    }
}

/// A block after computing: what views render and expressions are evaluated against.
#[derive(Debug, Clone)]
pub struct Computed {
    pub spec: BlockSpec,
    /// The block's own result first, then one per variant of the spec, in its order.
    pub results: Vec<NamedResult>,
    /// Several heads, side by side and combined.
    pub combined: Option<Combined>,
}

/// The heads' outputs side by side, and combined by `w_o` when the block gives one.
#[derive(Debug, Clone)]
pub struct Combined {
    /// `n × H·d_v`.
    pub concat: ndarray::Array2<f64>,
    /// `n × d_out`.
    pub output: Option<ndarray::Array2<f64>>,
}

impl Computed {
    /// The block's own result.
    pub fn result(&self) -> &AttentionResult {
        &self.results[0].result
    }

    /// The index of a named result, if the block has it.
    pub fn index_of(&self, name: &ResultName) -> Option<usize> {
        self.results
            .iter()
            .position(|r| r.name.as_ref() == Some(name))
    }

    /// The names of the block's named results, as an author writes them.
    pub fn result_names(&self) -> Vec<String> {
        self.results
            .iter()
            .filter_map(|r| r.name.as_ref().map(ToString::to_string))
            .collect()
    }
}

/// Names the expressions may refer to.
pub trait Scope {
    /// The block an unqualified reference means, if any.
    fn current(&self) -> Option<&Computed>;
    /// A named example or a block id.
    fn named(&self, name: &str) -> Option<&Computed>;
    /// Where a named example or block that could not be computed was reported.
    fn failed(&self, _name: &str) -> Option<Place> {
        None
    }
    /// Where the block above, which could not be computed, was reported.
    fn current_failed(&self) -> Option<Place> {
        None
    }
    /// Every name a reference may use here: for "did you mean".
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A scope with no names: for examples, which stand alone, and for tests.
pub struct NoScope;
impl Scope for NoScope {
    fn current(&self) -> Option<&Computed> {
        None
    }
    fn named(&self, _: &str) -> Option<&Computed> {
        None
    }
}

/// A scope whose current block is `current`, and whose names are those of `outer`.
pub struct WithCurrent<'a> {
    pub current: &'a Computed,
    pub outer: &'a dyn Scope,
}
impl Scope for WithCurrent<'_> {
    fn current(&self) -> Option<&Computed> {
        Some(self.current)
    }
    fn named(&self, name: &str) -> Option<&Computed> {
        // A block's claims may name the block by its own id.
        if self.current.spec.id.as_deref() == Some(name) {
            return Some(self.current);
        }
        self.outer.named(name)
    }
    fn failed(&self, name: &str) -> Option<Place> {
        self.outer.failed(name)
    }
    fn names(&self) -> Vec<String> {
        let mut names = self.outer.names();
        names.extend(self.current.spec.id.clone());
        names
    }
}

/// The heads side by side and, with `w_o`, combined — when there is more than one head or a
/// `w_o` to apply.
fn combined(spec: &BlockSpec, results: &[NamedResult]) -> Option<Combined> {
    if spec.kind.heads() < 2 && spec.kind.w_o().is_none() {
        return None;
    }
    let outputs: Vec<_> = results[..spec.kind.heads()]
        .iter()
        .map(|r| r.result.output.view())
        .collect();
    let concat = crate::core::positions::concat(&outputs);
    let output = spec
        .kind
        .w_o()
        .map(|w_o| crate::core::positions::combine(&concat, w_o));
    Some(Combined { concat, output })
}

/// Computes every result of a spec: its own, then each variant's, then the heads combined.
pub fn compute_results(spec: BlockSpec) -> Result<Computed, Vec<Diagnostic>> {
    let own = std::iter::once((spec.own_name.as_ref(), &spec.input));
    let variants = spec.variants.iter().map(|v| (Some(&v.name), &v.input));
    let mut results = Vec::with_capacity(1 + spec.variants.len());
    for (name, input) in own.chain(variants) {
        let result = input.compute().map_err(|e| {
            let whose = name.map_or(String::new(), |n| format!(" (the result `{n}`)"));
            vec![Diagnostic::new(spec.place.clone(), format!("{e}{whose}"))]
        })?;
        results.push(NamedResult {
            name: name.cloned(),
            input: input.clone(),
            result,
            axes: ResultAxes::all(&spec),
        });
    }
    if spec.views.contains(&View::Decode) {
        let own = &results[0];
        let steps =
            super::decoding::steps(&own.input, &own.result, &spec.place).map_err(|d| vec![d])?;
        results.extend(steps.into_iter().map(|s| NamedResult {
            name: Some(super::decoding::step_name(s.t)),
            input: s.input,
            result: s.result,
            axes: ResultAxes {
                queries: s.t - 1..s.t,
                keys: 0..s.t,
            },
        }));
    }
    let combined = combined(&spec, &results);
    Ok(Computed {
        spec,
        results,
        combined,
    })
}
