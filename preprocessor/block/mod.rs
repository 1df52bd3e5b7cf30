//! A block's TOML → a validated [`BlockSpec`], and its results computed.
//!
//! Every problem becomes a [`Diagnostic`] naming the file and line of the offending key, and
//! all the problems of a block are returned together. What a block shares with every other
//! (id, title, tokens, focus, views, claims, place) is read in [`build`]; where its attention
//! comes from is its kind, each in its own module under [`kind`].

pub(crate) mod build;
pub mod computed;
pub mod keys;
pub mod kind;

use crate::core::AttentionInput;
pub use crate::expr::{ResultGroup, ResultName};
use crate::source::{Diagnostic, Located, Place, Source};
pub use computed::{Combined, Computed, NamedResult, NoScope, Scope, Variant, WithCurrent};
use keys::Fields;
pub use keys::Key;
pub use kind::pretrained::{ModelRun, Models, read_kept_run};
pub use kind::trained::read_kept_training;

/// The most tokens one block may have: 128 tokens make a 16,384-cell heatmap, which still
/// builds in milliseconds and redraws within a frame.
pub const MAX_TOKENS: usize = 128;

/// The most numbers one figure may draw, all its views together: a 128-token heatmap (16,384)
/// with its tables fits, as do several heads of a shorter sentence; 16 heads of 128 tokens
/// (262,144, some 60 MB of HTML) do not.
pub const MAX_CELLS: usize = 65_536;
/// The most dimensions (d, d_k or d_v): each gets a slider and a table column.
pub const MAX_DIMS: usize = 64;
/// The most heads one block may have: each gets a heatmap of its own.
pub const MAX_HEADS: usize = 16;
/// The base of rotary positions unless `rope_base` says otherwise (RoFormer's).
pub const DEFAULT_ROPE_BASE: f64 = 10000.0;

/// How a block tells the positions of its words apart.
#[derive(Debug, Clone, PartialEq)]
pub enum PositionsKind {
    /// Not at all: attention sees a bag of words.
    None,
    /// Sinusoidal encodings added to the embeddings.
    Sinusoidal,
    /// Rows given in the block, added to the embeddings.
    Learned(ndarray::Array2<f64>),
    /// Rotary embeddings applied to queries and keys.
    Rope,
}

named_enum! {
    /// What a block can show, in the order the book shows them.
    pub enum View {
        Embeddings = "embeddings",
        Positions = "positions",
        Matrices = "matrices",
        Projection = "projection",
        Qkv = "qkv",
        Matmul = "matmul",
        Scores = "scores",
        Weights = "weights",
        Softmax = "softmax",
        Output = "output",
        Heads = "heads",
        Combine = "combine",
        Residual = "residual",
        Heatmap = "heatmap",
        Lines = "lines",
        Compare = "compare",
        Order = "order",
        Loss = "loss",
        Gradient = "gradient",
        Learning = "learning",
        Snapshots = "snapshots",
        Learned = "learned",
        Layers = "layers",
        Controls = "controls",
    }
}

impl View {
    /// Whether the view shows totals computed from numbers beside them (the pencil rule).
    pub fn has_totals(self) -> bool {
        matches!(
            self,
            View::Projection
                | View::Matmul
                | View::Scores
                | View::Weights
                | View::Softmax
                | View::Output
                | View::Combine
                | View::Residual
        )
    }
}

/// A block, checked and ready to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockSpec {
    pub id: Option<String>,
    pub title: Option<String>,
    pub tokens: Vec<String>,
    /// One name per embedding dimension.
    pub dims: Vec<String>,
    pub input: AttentionInput,
    /// The token whose step-by-step arithmetic is shown.
    pub focus: usize,
    pub views: Vec<View>,
    /// The token whose column matrix views pick out (`highlight`); `None`: where the focus
    /// attends most.
    pub highlight: Option<usize>,
    /// Buttons that set entries of the focus token's query on the live figure.
    pub steps: Vec<Step>,
    /// Inputs computed beside the block's own, as named results (more heads, the compare
    /// view's masks).
    pub variants: Vec<Variant>,
    /// The name of the block's own result when it has one (`heads[1]`).
    pub own_name: Option<ResultName>,
    /// How many heads: the own result and the first `heads − 1` variants.
    pub heads: usize,
    /// `(d_out, H·d_v)`: combines the heads' outputs.
    pub w_o: Option<ndarray::Array2<f64>>,
    pub positions: PositionsKind,
    pub rope_base: Option<f64>,
    pub assertions: Vec<Located<String>>,
    /// Weights learned while the book builds (`train`); the block's own are the last step's.
    pub training: Option<std::sync::Arc<crate::core::training::Training>>,
    /// With `training`: the steps shown side by side, each a named result `step[N]`.
    pub panels: Vec<usize>,
    /// The order view's copy: the word standing at each of its places (empty without the view).
    pub order: Vec<usize>,
    /// A block on a real model: the text's run, and the layer and head shown (from 0).
    pub model: Option<(std::sync::Arc<ModelRun>, usize, usize)>,
    /// What is likely wrong but does not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// Where the block starts, for messages with no better place.
    pub place: Place,
}

/// One `steps` button: its label and the query entries it sets (0-based dimension, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    pub set_query: Vec<(usize, f64)>,
}

/// Where `example = "NAME"` finds the keys of a named example (the book's examples, which sit
/// above blocks: they are blocks computed and checked).
pub trait ExampleKeys {
    /// The keys of a named example, as written.
    fn keys_of(&self, name: &str) -> Option<&Fields>;
    /// Where the first problem of an example that failed is.
    fn failure(&self, name: &str) -> Option<&Place>;
    /// Every example's name, for "did you mean".
    fn names(&self) -> Vec<&str>;
    /// The real models book.toml names, for blocks with `model`.
    fn models(&self) -> &Models;
}

/// The `id` a block declares, read even when the rest of it is wrong, so that what names the
/// block later can say it failed.
pub fn declared_id(src: &Source) -> Option<String> {
    // From the TOML alone: an unknown key or a bad value elsewhere leaves the id readable, so
    // what names the block follows from its problem instead of "nothing is named".
    let table = keys::parse_toml(src).ok()?;
    let (_, value) = table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == Key::Id.name())?;
    match value.get_ref() {
        toml::de::DeValue::String(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Where a block's `id = …` is written.
pub fn declared_id_place(src: &Source) -> Option<Place> {
    keys::parse_block(src)
        .ok()?
        .get(&Key::Id)
        .map(|l| l.place.clone())
}

/// Parses a block body into a spec, using the book's named examples.
pub fn parse_block(src: &Source, examples: &dyn ExampleKeys) -> Result<BlockSpec, Vec<Diagnostic>> {
    let fields = keys::parse_block(src)?;
    build::build(fields, src.header(), examples, false)
}

/// The heads side by side and, with `w_o`, combined — when there is more than one head or a
/// `w_o` to apply.
fn combined(spec: &BlockSpec, results: &[NamedResult]) -> Option<computed::Combined> {
    if spec.heads < 2 && spec.w_o.is_none() {
        return None;
    }
    let outputs: Vec<_> = results[..spec.heads]
        .iter()
        .map(|r| r.result.output.view())
        .collect();
    let concat = crate::core::positions::concat(&outputs);
    let output = spec
        .w_o
        .as_ref()
        .map(|w_o| crate::core::positions::combine(&concat, w_o));
    Some(computed::Combined { concat, output })
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
        });
    }
    let combined = combined(&spec, &results);
    Ok(Computed {
        spec,
        results,
        combined,
    })
}
