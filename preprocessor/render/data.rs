//! The data contract: the JSON embedded in each widget, which `theme/attention/` reads and
//! which anyone may read to check our numbers. This struct is its only definition.
//!
//! Fields are declared in alphabetical order, the order they are written in.

use crate::block::{Computed, NamedResult, ResultGroup, Step};
use crate::core::{AttentionInput, AttentionResult, Given, Mask, Qkv};
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
    /// A step of the decode view (`decode[t]`): its inputs are the block's own query of token t
    /// and keys and values of tokens 1…t, which the script takes from the block's live result,
    /// so `input` leaves them out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_step: Option<usize>,
}

/// One step of the decode view, as a reader of the data checks it: the new query, the cache, and
/// what they make (`weights` 1 × t, `output` 1 × d_v).
#[derive(Serialize)]
pub struct DecodeData<'a> {
    pub k_cache: Rows<'a, f64>,
    pub output: Rows<'a, f64>,
    pub q: Rows<'a, f64>,
    pub step: usize,
    pub v_cache: Rows<'a, f64>,
    pub weights: Rows<'a, f64>,
}

/// The inputs of a named result that differ from the block's.
#[derive(Serialize, Default)]
pub struct InputChanges<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embeddings: Option<Rows<'a, f64>>,
    /// Queries, keys and values given as they are, where they differ from the block's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given: Option<GivenData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<MaskData<'a>>,
    /// A head's own queries are not the ones set by hand on the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_overrides: Option<Vec<(usize, usize, f64)>>,
    /// The copy of the order view: each word's row of positions is the one of its new place
    /// (`null`: the result has none where the block has some).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positions: Option<Option<Rows<'a, f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rope: Option<Option<RopeData<'a>>>,
    /// A head's own scale (`null`: `1/√d_k` of that head, where the block sets one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_k: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_q: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_v: Option<Rows<'a, f64>>,
}

impl<'a> InputChanges<'a> {
    fn between(own: &AttentionInput, other: &'a AttentionInput) -> Self {
        // Every field, by name and without `..`: an input added to `AttentionInput` does not
        // compile until it is said here, so no number the build shows is left out of the data.
        let AttentionInput {
            qkv,
            mask,
            scale,
            query_overrides,
            positions,
            rope,
        } = other;
        let changed =
            |a: Option<&Array2<f64>>, b: &'a Array2<f64>| (a != Some(b)).then_some(Rows(b));
        let (mut embeddings, mut w_q, mut w_k, mut w_v, mut given) = (None, None, None, None, None);
        match qkv {
            Qkv::Projected(p) => {
                let o = own.projection();
                embeddings = changed(o.map(|o| &o.embeddings), &p.embeddings);
                w_q = changed(o.map(|o| &o.w_q), &p.w_q);
                w_k = changed(o.map(|o| &o.w_k), &p.w_k);
                w_v = changed(o.map(|o| &o.w_v), &p.w_v);
            }
            Qkv::Given(g) => {
                let o = match &own.qkv {
                    Qkv::Given(o) => Some(o),
                    Qkv::Projected(_) => None,
                };
                if o != Some(g) {
                    given = Some(GivenData {
                        q: Some(Rows(&g.q)),
                        k: Some(Rows(&g.k)),
                        v: Some(Rows(&g.v)),
                    });
                }
            }
        }
        InputChanges {
            embeddings,
            given,
            mask: (own.mask != *mask).then(|| MaskData::from(mask)),
            query_overrides: (own.query_overrides != *query_overrides)
                .then(|| overrides(query_overrides)),
            positions: (own.positions != *positions).then(|| positions.as_ref().map(Rows)),
            rope: (own.rope != *rope).then(|| rope.as_ref().map(RopeData::from)),
            scale: (own.scale != *scale).then_some(*scale),
            w_k,
            w_q,
            w_v,
        }
    }
}

/// Every head's weights, `[layer][head][query][key]`, only drawn by the layers view (never
/// computed from): each number as short as it can be while it shows the same
/// ([`crate::format::drawn`]).
pub struct Drawn<'a>(&'a [Vec<Vec<Vec<f64>>>]);

impl Serialize for Drawn<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let short: Vec<Vec<Vec<Vec<f64>>>> = self
            .0
            .iter()
            .map(|layer| {
                layer
                    .iter()
                    .map(|head| {
                        head.iter()
                            .map(|row| row.iter().map(|&x| crate::format::drawn(x)).collect())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        short.serialize(s)
    }
}

/// A head's queries, keys and values as given (a real model's). Each is left out where it is
/// the block's result of the same name (no query set by hand, no rotation): the script reads
/// that instead, so the page carries each number once.
#[derive(Serialize, Default)]
pub struct GivenData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v: Option<Rows<'a, f64>>,
}

impl<'a> GivenData<'a> {
    fn of(given: &'a Given, shown: &AttentionResult) -> Self {
        let unless_shown = |m: &'a Array2<f64>, r: &Array2<f64>| (m != r).then_some(Rows(m));
        GivenData {
            q: unless_shown(&given.q, &shown.q),
            k: unless_shown(&given.k, &shown.k),
            v: unless_shown(&given.v, &shown.v),
        }
    }
}

/// `[token, dimension, value]`, 0-based.
fn overrides(o: &[crate::core::QueryOverride]) -> Vec<(usize, usize, f64)> {
    o.iter().map(|o| (o.token, o.dim, o.value)).collect()
}

/// Rotary positions: the base, and the cosine and sine of each position's angle per pair of
/// dimensions, computed by the core so the browser only multiplies and adds.
#[derive(Serialize)]
pub struct RopeData<'a> {
    pub base: f64,
    pub cos: Rows<'a, f64>,
    pub sin: Rows<'a, f64>,
}

impl<'a> From<&'a crate::core::positions::Rope> for RopeData<'a> {
    fn from(r: &'a crate::core::positions::Rope) -> Self {
        RopeData {
            base: r.base,
            cos: Rows(&r.cos),
            sin: Rows(&r.sin),
        }
    }
}

/// One head of several, with the same meaning and shapes as a single-head widget's fields.
#[derive(Serialize)]
pub struct HeadData<'a> {
    pub k: Rows<'a, f64>,
    pub output: Rows<'a, f64>,
    pub q: Rows<'a, f64>,
    pub scores: Rows<'a, Option<f64>>,
    pub v: Rows<'a, f64>,
    /// (Several heads are always projected by weights of their own.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_k: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_q: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_v: Option<Rows<'a, f64>>,
    pub weights: Rows<'a, f64>,
}

/// The model a block reads, and the head it shows (from 0; the data's `q`, `k`, `v`, `scores`,
/// `weights` are that head's).
#[derive(Serialize)]
pub struct ModelData<'a> {
    pub head: usize,
    pub layer: usize,
    pub name: &'a str,
    /// What identifies the model: the SHA-256 of `config.json=…\nmodel.safetensors=…\n
    /// tokenizer.json=…\n`, each file's own SHA-256 in hex.
    pub sha256: &'a str,
}

/// A training run as the slider needs it, and as anyone may check it.
#[derive(Serialize)]
pub struct TrainingData<'a> {
    /// The held-out loss at each kept step (one per snapshot).
    pub held_out_loss: &'a [f64],
    /// The mean training loss before each step (and after the last).
    pub loss: &'a [f64],
    pub snapshots: Vec<SnapshotData<'a>>,
}

/// The weights after `step` steps, and the shown sentence's attention under them.
#[derive(Serialize)]
pub struct SnapshotData<'a> {
    pub step: usize,
    pub w_k: Rows<'a, f64>,
    pub w_q: Rows<'a, f64>,
    pub w_v: Rows<'a, f64>,
    /// Computed by the core from the block's tokens with this step's weights: what the script
    /// must reproduce when the slider stops here.
    pub weights: Vec<Vec<f64>>,
}

impl<'a> TrainingData<'a> {
    fn of(c: &'a Computed, run: &'a crate::core::training::Training) -> Self {
        let input = &c.spec.input;
        TrainingData {
            held_out_loss: &run.held_out_loss,
            loss: &run.loss,
            snapshots: run
                .snapshots
                .iter()
                .map(|s| {
                    let at_step = AttentionInput {
                        query_overrides: Vec::new(),
                        ..input.with_weights(&s.params.w_q, &s.params.w_k, &s.params.w_v)
                    };
                    let weights = at_step
                        .compute()
                        .map(|r| r.weights.rows().into_iter().map(|r| r.to_vec()).collect())
                        .unwrap_or_default();
                    SnapshotData {
                        step: s.step,
                        w_k: Rows(&s.params.w_k),
                        w_q: Rows(&s.params.w_q),
                        w_v: Rows(&s.params.w_v),
                        weights,
                    }
                })
                .collect(),
        }
    }
}

/// Everything a widget's script needs, and every number the build computed for it.
#[derive(Serialize)]
pub struct WidgetData<'a> {
    /// The heads combined by `w_o`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combined: Option<Rows<'a, f64>>,
    pub dims: &'a [String],
    /// The decode view's steps (absent without it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decode: Vec<DecodeData<'a>>,
    /// The token embeddings (positions, if any, are `positions`); absent for a head of a real
    /// model (see `given`). Across two sentences (`translate`): what `w_q` was applied to, the
    /// French words each step reads with their positions added (`tokens` are the words the
    /// steps write).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embeddings: Option<Rows<'a, f64>>,
    pub focus: usize,
    /// A head of a real model: its queries, keys and values as the model made them are its
    /// inputs, so `embeddings`, `w_q`, `w_k`, `w_v` are left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given: Option<GivenData<'a>>,
    /// Several heads: one object per head, the first being the widget's own fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub heads: Vec<HeadData<'a>>,
    pub k: Rows<'a, f64>,
    pub mask: MaskData<'a>,
    pub output: Rows<'a, f64>,
    /// `n × d`, added to the embeddings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positions: Option<Rows<'a, f64>>,
    pub q: Rows<'a, f64>,
    /// `[token, dimension, value]`, 0-based.
    pub query_overrides: Vec<(usize, usize, f64)>,
    /// The order view: the word standing at each place of the copy (`order[shuffled]`), 0-based.
    #[serde(skip_serializing_if = "<[usize]>::is_empty")]
    pub order: &'a [usize],
    /// The named results after the block's own (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<NamedData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rope: Option<RopeData<'a>>,
    pub scale: f64,
    pub scale_is_default: bool,
    /// Across two sentences: the English words (the columns), and what `w_k` and `w_v` were
    /// applied to, their embeddings with their positions added (`m × d`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_embeddings: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_tokens: Option<&'a [String]>,
    /// Scaled scores; `null` where masked.
    pub scores: Rows<'a, Option<f64>>,
    /// Per step button: `[dimension, value]` pairs, 0-based.
    pub steps: Vec<Vec<(usize, f64)>>,
    pub tokens: &'a [String],
    /// A block on a real model: which model and head, the text, and (with the layers view)
    /// every layer's every head's weights, `[layer][head][query][key]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<Drawn<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    /// A trained block with the training slider (the `learning` view): the loss at every step
    /// and the weights at the kept ones. The other figures of a run are static and leave it out
    /// (it is most of a widget's weight, and a chapter shows one run in several figures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingData<'a>>,
    pub v: Rows<'a, f64>,
    pub views: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_k: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_o: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_q: Option<Rows<'a, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w_v: Option<Rows<'a, f64>>,
    pub weights: Rows<'a, f64>,
}

impl<'a> WidgetData<'a> {
    pub fn of(c: &'a Computed) -> Self {
        let spec = &c.spec;
        let input = &spec.input;
        let projection = input.projection();
        let translated = spec.kind.translated();
        let r = c.result();
        let named = |n: &'a NamedResult| {
            let decode_step = n
                .name
                .as_ref()
                .filter(|name| name.group == ResultGroup::Decode)
                .map(|_| n.axes.keys.end);
            NamedData {
                input: match decode_step {
                    Some(_) => InputChanges::default(),
                    None => InputChanges::between(input, &n.input),
                },
                name: n.name.as_ref().map(ToString::to_string).unwrap_or_default(),
                decode_step,
            }
        };
        let heads = if spec.kind.heads() > 1 {
            c.results[..spec.kind.heads()]
                .iter()
                .map(|h| HeadData {
                    k: Rows(&h.result.k),
                    output: Rows(&h.result.output),
                    q: Rows(&h.result.q),
                    scores: Rows(&h.result.scores),
                    v: Rows(&h.result.v),
                    w_k: h.input.projection().map(|p| Rows(&p.w_k)),
                    w_q: h.input.projection().map(|p| Rows(&p.w_q)),
                    w_v: h.input.projection().map(|p| Rows(&p.w_v)),
                    weights: Rows(&h.result.weights),
                })
                .collect()
        } else {
            Vec::new()
        };
        WidgetData {
            combined: c
                .combined
                .as_ref()
                .and_then(|m| m.output.as_ref())
                .map(Rows),
            dims: &spec.dims,
            decode: c
                .results
                .iter()
                .filter(|n| {
                    n.name
                        .as_ref()
                        .is_some_and(|n| n.group == ResultGroup::Decode)
                })
                .filter_map(|n| {
                    // (A decoding step is always given its query, keys and values.)
                    let Qkv::Given(given) = &n.input.qkv else {
                        return None;
                    };
                    let r = &n.result;
                    Some(DecodeData {
                        k_cache: Rows(&given.k),
                        output: Rows(&r.output),
                        q: Rows(&given.q),
                        step: n.axes.keys.end,
                        v_cache: Rows(&given.v),
                        weights: Rows(&r.weights),
                    })
                })
                .collect(),
            embeddings: projection
                .map(|p| Rows(&p.embeddings))
                .or(translated.map(|t| Rows(&t.target_inputs))),
            given: match &input.qkv {
                Qkv::Given(g) => Some(GivenData::of(g, r)),
                Qkv::Projected(_) => None,
            },
            focus: spec.focus,
            heads,
            k: Rows(&r.k),
            mask: MaskData::from(&input.mask),
            output: Rows(&r.output),
            positions: input.positions.as_ref().map(Rows),
            q: Rows(&r.q),
            query_overrides: overrides(&input.query_overrides),
            order: &spec.order,
            results: c.results[1..].iter().map(named).collect(),
            rope: input.rope.as_ref().map(RopeData::from),
            scale: r.scale,
            scale_is_default: input.scale.is_none(),
            source_embeddings: translated.map(|t| Rows(&t.source_inputs)),
            source_tokens: translated.map(|t| t.source.as_slice()),
            scores: Rows(&r.scores),
            steps: spec
                .steps
                .iter()
                .map(|s: &Step| s.set_query.clone())
                .collect(),
            tokens: &spec.tokens,
            model: spec.kind.on_head().map(|on| ModelData {
                name: &on.run.model,
                sha256: &on.run.sha256,
                layer: on.layer,
                head: on.head,
            }),
            // Every head's weights, only where the layers view shows them (76 KB for a sentence of
            // seven word pieces).
            attention: spec
                .kind
                .on_head()
                .filter(|_| spec.views.contains(&crate::block::View::Layers))
                .map(|on| Drawn(on.run.attention.as_slice())),
            text: spec.kind.on_head().map(|on| on.run.text.as_str()),
            training: spec
                .kind
                .training()
                .filter(|_| spec.views.contains(&crate::block::View::Learning))
                .map(|run| TrainingData::of(c, run)),
            v: Rows(&r.v),
            views: spec.views.iter().map(|v| v.name()).collect(),
            w_k: projection
                .map(|p| Rows(&p.w_k))
                .or(translated.map(|t| Rows(&t.run.params.w_k))),
            w_o: spec.kind.w_o().map(Rows),
            w_q: projection
                .map(|p| Rows(&p.w_q))
                .or(translated.map(|t| Rows(&t.run.params.w_q))),
            w_v: projection
                .map(|p| Rows(&p.w_v))
                .or(translated.map(|t| Rows(&t.run.params.w_v))),
            weights: Rows(&r.weights),
        }
    }
}
