//! A block, checked and ready to compute: what every block shares, and the limits a block
//! must keep to.

use super::kind::{Kind, KindName};
use crate::core::AttentionInput;
use crate::expr::ResultName;
use crate::source::{Diagnostic, Located, Place};

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
        Cross = "cross",
        Heatmap = "heatmap",
        Lines = "lines",
        Compare = "compare",
        Order = "order",
        Decode = "decode",
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

/// The views that draw attention from one sentence to another (the step-by-step tables label
/// every row and column with one sentence's words).
const ACROSS_SENTENCES: [View; 3] = [View::Cross, View::Heatmap, View::Lines];

/// Which kinds of block a view draws.
enum Draws {
    Every,
    /// Only this kind; the words tell the author how to make a block of it.
    Only(KindName, &'static str),
    /// Every kind but this one, for the reason given.
    AllBut(KindName, &'static str),
}

impl View {
    fn draws(self) -> Draws {
        match self {
            View::Cross => Draws::Only(
                KindName::Translated,
                "draws the words of one sentence against another's — give the block `translate = \"…\"` (see \"Attention between two sentences\")",
            ),
            View::Layers => Draws::Only(
                KindName::Pretrained,
                "shows every head of a real model — give the block `model = \"NAME\"` and `text = \"…\"`",
            ),
            View::Loss | View::Gradient | View::Learning | View::Snapshots | View::Learned => {
                Draws::Only(
                    KindName::Trained,
                    "shows a training run — give the block `train = { … }` (see \"Where the weights come from\")",
                )
            }
            // A real model's head starts from its queries, keys and values: there is no input
            // of the block's own to show.
            View::Embeddings
            | View::Matrices
            | View::Projection
            | View::Residual
            | View::Positions
            | View::Order => Draws::AllBut(
                KindName::Pretrained,
                "a block on a model starts from the head's queries, keys and values, which the model made from 384 numbers per word piece; the {view} view would show them as if they were the input — use layers, heatmap, qkv, matmul, scores, softmax, weights or output",
            ),
            _ => Draws::Every,
        }
    }

    /// Whether the view draws a block of `kind`; if not, what to tell the author.
    pub fn accepts(self, kind: KindName) -> Result<(), String> {
        if kind == KindName::Translated && !ACROSS_SENTENCES.contains(&self) {
            return Err(format!(
                "a `translate` block attends from the French words to the English ones, made by a trained model; the {} view has no place in it — use {}",
                self.name(),
                ACROSS_SENTENCES.map(View::name).join(", ")
            ));
        }
        match self.draws() {
            Draws::Only(only, how) if only != kind => Err(format!(
                "the {} view {how}, or drop \"{}\" from `show`",
                self.name(),
                self.name()
            )),
            Draws::AllBut(not, why) if not == kind => Err(why.replace("{view}", self.name())),
            _ => Ok(()),
        }
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
    /// Where the block's attention comes from.
    pub kind: Kind,
    pub positions: PositionsKind,
    pub rope_base: Option<f64>,
    pub assertions: Vec<Located<String>>,
    /// The order view's copy: the word standing at each of its places (empty without the view).
    pub order: Vec<usize>,
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

/// An input the spec derives from the block, to be computed beside the block's own.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: ResultName,
    pub input: AttentionInput,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every view against every kind: a view either draws the kind or tells the author, by
    /// name, what to give or what to show instead — and every kind has views to show.
    #[test]
    fn every_view_draws_a_kind_or_says_what_to_do_instead() {
        for kind in KindName::ALL {
            let drawn: Vec<View> = View::ALL
                .iter()
                .copied()
                .filter(|v| v.accepts(*kind).is_ok())
                .collect();
            // Within one sentence every kind shows its weights step by step; across two, the
            // heatmap and the lines between them.
            assert!(
                drawn.contains(&View::Heatmap)
                    && (drawn.contains(&View::Weights) || drawn.contains(&View::Cross)),
                "{kind}: {drawn:?}"
            );
            for view in View::ALL {
                if let Err(message) = view.accepts(*kind) {
                    assert!(message.contains(view.name()), "{view} on {kind}: {message}");
                    assert!(
                        message.contains("give") || message.contains("use"),
                        "{view} on {kind} says what to do: {message}"
                    );
                }
            }
        }
        // The rules as the book teaches them.
        assert!(View::Layers.accepts(KindName::Given).is_err());
        assert!(View::Layers.accepts(KindName::Pretrained).is_ok());
        assert!(View::Loss.accepts(KindName::Trained).is_ok());
        assert!(View::Loss.accepts(KindName::Pretrained).is_err());
        assert!(View::Embeddings.accepts(KindName::Pretrained).is_err());
        assert!(View::Embeddings.accepts(KindName::Trained).is_ok());
        assert!(View::Cross.accepts(KindName::Translated).is_ok());
        assert!(View::Cross.accepts(KindName::Given).is_err());
        assert!(View::Scores.accepts(KindName::Translated).is_err());
    }
}
