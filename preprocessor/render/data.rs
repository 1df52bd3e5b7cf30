//! The data contract: the JSON embedded in each widget, which `theme/attention.js` reads and
//! which anyone may read to check our numbers. This struct is its only definition.
//!
//! Fields are declared in alphabetical order, the order they are written in.

use crate::core::{AttentionInput, Mask};
use crate::spec::{Computed, NamedResult, Step};
use ndarray::Array2;
use serde::{Serialize, Serializer};

/// A matrix as a list of rows.
pub struct Rows<'a, T>(&'a Array2<T>);

impl<T: Serialize> Serialize for Rows<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.rows().into_iter().map(Row))
    }
}

/// One row of a matrix, written as a list.
struct Row<'a, T>(ndarray::ArrayView1<'a, T>);

impl<T: Serialize> Serialize for Row<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

/// `"none"`, `"causal"`, or the matrix of which token may attend to which.
#[derive(Serialize)]
#[serde(untagged)]
pub enum MaskData<'a> {
    Named(&'static str),
    Explicit(Rows<'a, bool>),
}

impl<'a> From<&'a Mask> for MaskData<'a> {
    fn from(mask: &'a Mask) -> Self {
        match mask {
            Mask::None => MaskData::Named("none"),
            Mask::Causal => MaskData::Named("causal"),
            Mask::Explicit(m) => MaskData::Explicit(Rows(m)),
        }
    }
}

/// A named result: its name, and the inputs in which it differs from the widget's own (the
/// script computes it from the widget's live inputs with these put over them).
#[derive(Serialize)]
pub struct NamedData<'a> {
    pub input: InputChanges<'a>,
    pub name: String,
}

/// The inputs of a named result that differ from the block's.
#[derive(Serialize)]
pub struct InputChanges<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embeddings: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<MaskData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_k: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_q: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_v: Option<Rows<'a, f64>>,
}

impl<'a> InputChanges<'a> {
    fn between(own: &AttentionInput, other: &'a AttentionInput) -> Self {
        let changed = |a: &Array2<f64>, b: &'a Array2<f64>| (a != b).then_some(Rows(b));
        InputChanges {
            embeddings: changed(&own.embeddings, &other.embeddings),
            mask: (own.mask != other.mask).then(|| MaskData::from(&other.mask)),
            w_k: changed(&own.w_k, &other.w_k),
            w_q: changed(&own.w_q, &other.w_q),
            w_v: changed(&own.w_v, &other.w_v),
        }
    }
}

/// Everything a widget's script needs, and every number the build computed for it.
#[derive(Serialize)]
pub struct WidgetData<'a> {
    pub dims: &'a [String],
    pub embeddings: Rows<'a, f64>,
    pub focus: usize,
    pub k: Rows<'a, f64>,
    pub mask: MaskData<'a>,
    pub output: Rows<'a, f64>,
    pub q: Rows<'a, f64>,
    /// `[token, dimension, value]`, 0-based.
    pub query_overrides: Vec<(usize, usize, f64)>,
    /// The named results after the block's own (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<NamedData<'a>>,
    pub scale: f64,
    pub scale_is_default: bool,
    /// Scaled scores; `null` where masked.
    pub scores: Rows<'a, Option<f64>>,
    /// Per step button: `[dimension, value]` pairs, 0-based.
    pub steps: Vec<Vec<(usize, f64)>>,
    pub tokens: &'a [String],
    pub v: Rows<'a, f64>,
    pub views: Vec<&'static str>,
    pub w_k: Rows<'a, f64>,
    pub w_q: Rows<'a, f64>,
    pub w_v: Rows<'a, f64>,
    pub weights: Rows<'a, f64>,
}

impl<'a> WidgetData<'a> {
    pub fn of(c: &'a Computed) -> Self {
        let spec = &c.spec;
        let input = &spec.input;
        let r = c.result();
        let named = |n: &'a NamedResult| NamedData {
            input: InputChanges::between(input, &n.input),
            name: n.name.as_ref().map(ToString::to_string).unwrap_or_default(),
        };
        WidgetData {
            dims: &spec.dims,
            embeddings: Rows(&input.embeddings),
            focus: spec.focus,
            k: Rows(&r.k),
            mask: MaskData::from(&input.mask),
            output: Rows(&r.output),
            q: Rows(&r.q),
            query_overrides: input
                .query_overrides
                .iter()
                .map(|o| (o.token, o.dim, o.value))
                .collect(),
            results: c.results[1..].iter().map(named).collect(),
            scale: r.scale,
            scale_is_default: input.scale.is_none(),
            scores: Rows(&r.scores),
            steps: spec
                .steps
                .iter()
                .map(|s: &Step| s.set_query.clone())
                .collect(),
            tokens: &spec.tokens,
            v: Rows(&r.v),
            views: spec.views.iter().map(|v| v.name()).collect(),
            w_k: Rows(&input.w_k),
            w_q: Rows(&input.w_q),
            w_v: Rows(&input.w_v),
            weights: Rows(&r.weights),
        }
    }
}
