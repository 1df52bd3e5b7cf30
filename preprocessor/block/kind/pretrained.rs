//! `model = "minilm"`, `text = "…"`: a block on one head of a real trained model.
//!
//! The text goes through the model (the book's own BERT encoder, `core::bert`); the block is
//! then the chosen head: its word pieces as tokens, and its queries, keys and values as they came
//! out of the model's projections (with their biases), given to the core as they are
//! ([`crate::core::Qkv::Given`]): the block has no embeddings or weights of its own.
//!
//! Runs are kept on disk ([`crate::kept`]), by the model's identity (the checksums of all its
//! files, [`ModelSource::identity`]), the text and the fingerprint of the code that computed
//! them, so a warm build reads numbers instead of 90 MB of weights; a model whose files change is
//! a new model, in this process (`serve`) as on disk.

use crate::block::keys::{Field, Fields, Key};
use crate::core::{Given, bert};
use crate::kept;
use crate::pretrained::{Model, ModelSource};
use crate::source::{Diagnostic, Located};
use ndarray::{Array2, ArrayView2};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One matrix per head of every layer, `[layer][head][row][column]`, in one run of numbers: a
/// kept run is read in one pass, with no allocation per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    /// Layers, heads, rows, columns.
    shape: [usize; 4],
    values: Vec<f64>,
}

impl Heads {
    /// From nested rows, each head `rows × columns` (the first head's sizes); `None` if any
    /// differs.
    pub fn from_nested(nested: &[Vec<Vec<Vec<f64>>>]) -> Option<Heads> {
        let first = nested.first()?.first()?;
        let shape = [
            nested.len(),
            nested[0].len(),
            first.len(),
            first.first().map_or(0, Vec::len),
        ];
        let mut values = Vec::with_capacity(shape.iter().product());
        for layer in nested {
            if layer.len() != shape[1] {
                return None;
            }
            for head in layer {
                if head.len() != shape[2] || head.iter().any(|row| row.len() != shape[3]) {
                    return None;
                }
                values.extend(head.iter().flatten());
            }
        }
        Some(Heads { shape, values })
    }

    /// Layers, heads, rows, columns.
    pub fn shape(&self) -> [usize; 4] {
        self.shape
    }

    /// The matrix of head `head` in layer `layer` (both from 0).
    pub fn head(&self, layer: usize, head: usize) -> ArrayView2<'_, f64> {
        let [_, heads, rows, cols] = self.shape;
        let start = (layer * heads + head) * rows * cols;
        ArrayView2::from_shape((rows, cols), &self.values[start..start + rows * cols])
            .expect("a head's slice holds rows × columns numbers")
    }
}

/// What a block reads of a text's run through a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRun {
    pub model: String,
    pub sha256: String,
    pub text: String,
    /// Word pieces, `[CLS]` and `[SEP]` included.
    pub tokens: Vec<String>,
    /// `[layer][head][query][key]`.
    pub attention: Vec<Vec<Vec<Vec<f64>>>>,
    /// The heads' queries, keys and values, one row per token.
    pub q: Heads,
    pub k: Heads,
    pub v: Heads,
}

/// The four per-head arrays of a run, as kept: `[layer][head][row][column]`.
const ARRAYS: [&str; 4] = ["attention", "q", "k", "v"];

impl ModelRun {
    /// The run as safetensors: four f64 arrays, and the names and tokens as metadata. Read back
    /// bit for bit, and fifty times faster than the same numbers as JSON.
    fn to_safetensors(&self) -> Result<Vec<u8>, String> {
        let attention = Heads::from_nested(&self.attention)
            .ok_or("the run's attention is not one shape per head")?;
        let shaped = |a: &Heads| {
            let bytes: Vec<u8> = a.values.iter().flat_map(|x| x.to_le_bytes()).collect();
            (a.shape.to_vec(), bytes)
        };
        let arrays: Vec<_> = [&attention, &self.q, &self.k, &self.v]
            .into_iter()
            .map(shaped)
            .collect();
        let views = ARRAYS
            .iter()
            .zip(&arrays)
            .map(|(name, (shape, bytes))| {
                safetensors::tensor::TensorView::new(safetensors::Dtype::F64, shape.clone(), bytes)
                    .map(|v| (*name, v))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let metadata = std::collections::HashMap::from([
            ("model".to_string(), self.model.clone()),
            ("sha256".to_string(), self.sha256.clone()),
            ("text".to_string(), self.text.clone()),
            (
                "tokens".to_string(),
                serde_json::to_string(&self.tokens).map_err(|e| e.to_string())?,
            ),
        ]);
        safetensors::serialize(views, Some(metadata)).map_err(|e| e.to_string())
    }

    /// A kept run, or `None` for a file that is not one (it is then computed again).
    fn from_safetensors(bytes: &[u8]) -> Option<ModelRun> {
        let (_, header) = safetensors::SafeTensors::read_metadata(bytes).ok()?;
        let meta = header.metadata().as_ref()?;
        let tensors = safetensors::SafeTensors::deserialize(bytes).ok()?;
        let array = |name: &str| -> Option<Heads> {
            let t = tensors.tensor(name).ok()?;
            let [layers, heads, rows, cols] = t.shape()[..] else {
                return None;
            };
            // The declared shape must be the bytes there are, with no empty axis, before anything
            // is allocated for it (a sealed file may declare 2⁴⁰ layers of nothing).
            let shape = [layers, heads, rows, cols];
            let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
            if t.dtype() != safetensors::Dtype::F64
                || shape.contains(&0)
                || count.checked_mul(8)? != t.data().len()
            {
                return None;
            }
            let values = t
                .data()
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("eight bytes")))
                .collect();
            Some(Heads { shape, values })
        };
        let attention = array("attention")?;
        let [layers, heads, ..] = attention.shape;
        let attention = (0..layers)
            .map(|l| {
                (0..heads)
                    .map(|h| {
                        attention
                            .head(l, h)
                            .rows()
                            .into_iter()
                            .map(|r| r.to_vec())
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let run = ModelRun {
            model: meta.get("model")?.clone(),
            sha256: meta.get("sha256")?.clone(),
            text: meta.get("text")?.clone(),
            tokens: serde_json::from_str(meta.get("tokens")?).ok()?,
            attention,
            q: array("q")?,
            k: array("k")?,
            v: array("v")?,
        };
        run.is_sound().then_some(run)
    }

    /// Shapes that agree with the tokens, finite numbers, and weights that are weights.
    fn is_sound(&self) -> bool {
        let n = self.tokens.len();
        let layers = self.attention.len();
        let heads = self.attention.first().map_or(0, Vec::len);
        let attention_shaped = self.attention.iter().all(|l| {
            l.len() == heads
                && l.iter()
                    .all(|h| h.len() == n && h.iter().all(|r| r.len() == n))
        });
        let weights = self.attention.iter().flatten().flatten().all(|row| {
            row.iter().all(|w| (0.0..=1.0).contains(w))
                && (row.iter().sum::<f64>() - 1.0).abs() < 1e-9
        });
        let per_head = |a: &Heads| {
            let [l, h, rows, cols] = a.shape;
            l == layers
                && h == heads
                && rows == n
                && cols > 0
                && a.values.len() == l * h * rows * cols
                && a.values.iter().all(|x| x.is_finite())
        };
        n > 0
            && layers > 0
            && heads > 0
            && attention_shaped
            && weights
            && per_head(&self.q)
            && per_head(&self.k)
            && per_head(&self.v)
    }
}

/// The models a book names, and where the book is. A value lives for one build: which models
/// failed is remembered only for it, so a rebuild under `serve` tries again.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub sources: BTreeMap<String, ModelSource>,
    pub root: PathBuf,
    /// The models that could not be read in this build, and why.
    pub failed: Arc<Mutex<Vec<String>>>,
}

/// The block on its chosen head: the text's run, and the layer and head shown (from 0).
#[derive(Debug, Clone, PartialEq)]
pub struct OnHead {
    pub run: Arc<ModelRun>,
    pub layer: usize,
    pub head: usize,
}

impl OnHead {
    /// The head's queries, keys and values as the model made them, to
    /// [`crate::format::KEPT_DIGITS`] significant digits: the model's weights hold about seven,
    /// and the page carries each in half the characters. The block computes from these, so the
    /// browser, reading the same numbers, computes what the build did.
    pub fn given(&self) -> Given {
        let array = |heads: &Heads| -> Array2<f64> {
            heads.head(self.layer, self.head).mapv(crate::format::kept)
        };
        Given {
            q: array(&self.run.q),
            k: array(&self.run.k),
            v: array(&self.run.v),
        }
    }

    /// How many dimensions the head's queries have.
    pub fn d_k(&self) -> usize {
        self.run.q.shape()[3]
    }
}

pub fn apply(fields: &mut Fields, models: &Models) -> Result<Option<OnHead>, Vec<Diagnostic>> {
    let Some(Located {
        value: Field::Text(name),
        place,
    }) = fields.get(&Key::Model).cloned()
    else {
        if let Some(f) = fields
            .get(&Key::Text)
            .or(fields.get(&Key::Layer))
            .or(fields.get(&Key::Head))
        {
            return Err(vec![Diagnostic::new(
                f.place.clone(),
                "`text`, `layer` and `head` belong to a block on a real model — add `model = \"NAME\"`, or drop them",
            )]);
        }
        return Ok(None);
    };
    crate::block::keys::refuse_inputs(
        fields,
        &[Key::Train],
        "a block with `model` takes its tokens, queries, keys and values from the model",
    )?;
    let Some(source) = models.sources.get(&name) else {
        let names: Vec<&str> = models.sources.keys().map(String::as_str).collect();
        let known = if names.is_empty() {
            "book.toml names none: add [preprocessor.attention.models.NAME] with its package, version, archive and sha256, or a folder".to_string()
        } else {
            format!("book.toml names {}", names.join(", "))
        };
        return Err(vec![Diagnostic::new(
            place,
            format!(
                "there is no model `{name}`{} — {known}",
                crate::source::suggest(&name, &names)
            ),
        )]);
    };
    let Some(Located {
        value: Field::Text(text),
        place: text_place,
    }) = fields.get(&Key::Text).cloned()
    else {
        return Err(vec![Diagnostic::new(
            place,
            "a block on a model needs the sentence it reads — add `text = \"…\"`",
        )]);
    };
    let run = run(&name, source, models, &text).map_err(|failure| {
        vec![match failure {
            Failure::First(m) => Diagnostic::new(text_place.clone(), m),
            // One problem per cause: the other blocks on a model that could not be read.
            Failure::Again(m) => Diagnostic::follow_on(text_place.clone(), m),
        }]
    })?;
    let layers = run.attention.len();
    let heads = run.attention.first().map_or(0, Vec::len);
    let mut problems = Vec::new();
    let mut counted = |key: Key, count: usize, what: &str| -> usize {
        match fields.get(&key) {
            None => 0,
            Some(Located {
                value: Field::Number(x),
                place,
            }) if x.fract() == 0.0 && *x >= 1.0 && *x <= count as f64 => *x as usize - 1,
            Some(f) => {
                problems.push(Diagnostic::new(
                    f.place.clone(),
                    format!("`{key}` counts the model's {what} from 1 — give a whole number from 1 to {count}"),
                ));
                0
            }
        }
    };
    let layer = counted(Key::Layer, layers, "layers");
    let head = counted(Key::Head, heads, "heads in a layer");
    if !problems.is_empty() {
        return Err(problems);
    }
    let tokens = run
        .tokens
        .iter()
        .map(|t| Located {
            value: t.clone(),
            place: place.clone(),
        })
        .collect();
    fields.insert(
        Key::Tokens,
        Located {
            value: Field::Texts(tokens),
            place: place.clone(),
        },
    );
    Ok(Some(OnHead { run, layer, head }))
}

/// Why a run could not be made: reported at the first block, a follow-on at the others (a model
/// that cannot be fetched is not fetched again by every block).
enum Failure {
    First(String),
    Again(String),
}

/// A text through a model: from this process, else from the disk, else computed (loading the
/// model once per process) and kept.
fn run(
    name: &str,
    source: &ModelSource,
    models: &Models,
    text: &str,
) -> Result<Arc<ModelRun>, Failure> {
    if models
        .failed
        .lock()
        .is_ok_and(|f| f.iter().any(|n| n == name))
    {
        return Err(Failure::Again(format!(
            "the model `{name}` could not be read — see the first block that uses it"
        )));
    }
    run_once(name, source, &models.root, text).map_err(|failure| match failure {
        RunFailure::Model(m) => {
            if let Ok(mut failed) = models.failed.lock() {
                failed.push(name.to_string());
            }
            Failure::First(m)
        }
        // The model is fine; only this text cannot be read by it.
        RunFailure::Text(m) => Failure::First(m),
    })
}

/// A model that cannot be read fails every block on it; a text that cannot fails its own.
enum RunFailure {
    Model(String),
    Text(String),
}

impl From<String> for RunFailure {
    fn from(m: String) -> Self {
        RunFailure::Model(m)
    }
}

fn run_once(
    name: &str,
    source: &ModelSource,
    root: &Path,
    text: &str,
) -> Result<Arc<ModelRun>, RunFailure> {
    // Runs and models in this process, by what they were computed from: under `serve` a model
    // whose source or files change is another model.
    static RUNS: Mutex<Vec<Arc<ModelRun>>> = Mutex::new(Vec::new());
    static MODELS: Mutex<Vec<(String, Arc<Model>)>> = Mutex::new(Vec::new());
    let sha = source.identity(name, root)?;
    if let Some(r) = RUNS.lock().ok().and_then(|runs| {
        runs.iter()
            .find(|r| r.model == name && r.sha256 == sha && r.text == text)
            .cloned()
    }) {
        return Ok(r);
    }
    // On disk, by checksum, the code's fingerprint and text.
    let kept_run = kept::Kept::new(name, &format!("{sha}\0{text}"));
    let kept = kept_run
        .read()
        .and_then(|b| ModelRun::from_safetensors(&b))
        .filter(|r| r.model == name && r.text == text && r.sha256 == sha);
    let run = match kept {
        Some(r) => Arc::new(r),
        None => {
            let model = {
                let mut models = MODELS
                    .lock()
                    .map_err(|_| RunFailure::Model("the model cache is poisoned".into()))?;
                match models.iter().find(|(identity, _)| *identity == sha) {
                    Some((_, m)) => m.clone(),
                    None => {
                        let folder = source.ensure(name, root)?;
                        let m = Arc::new(Model::load(&folder)?);
                        models.push((sha.clone(), m.clone()));
                        m
                    }
                }
            };
            let (tokens, ids) = model.tokenize(text).map_err(RunFailure::Text)?;
            // Refused before the run, which a long text makes slow and large (and whose block
            // would be refused after it).
            if tokens.len() > crate::block::MAX_TOKENS {
                return Err(RunFailure::Text(format!(
                    "the model splits this text into {} word pieces, more than the {} tokens a block may have — shorten the text",
                    tokens.len(),
                    crate::block::MAX_TOKENS
                )));
            }
            let out = bert::forward(&model.weights, &ids).map_err(RunFailure::Text)?;
            let rows = |m: &ndarray::Array2<f64>| {
                m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>()
            };
            let heads = |f: &dyn Fn(&bert::HeadOutput) -> &ndarray::Array2<f64>| {
                let nested: Vec<Vec<Vec<Vec<f64>>>> = out
                    .heads
                    .iter()
                    .map(|l| l.iter().map(|h| rows(f(h))).collect())
                    .collect();
                Heads::from_nested(&nested)
                    .ok_or_else(|| RunFailure::Text("the model's heads differ in size".to_string()))
            };
            let per_head = |f: &dyn Fn(&bert::HeadOutput) -> Vec<Vec<f64>>| {
                out.heads
                    .iter()
                    .map(|l| l.iter().map(f).collect())
                    .collect()
            };
            let r = ModelRun {
                model: name.to_string(),
                sha256: sha,
                text: text.to_string(),
                tokens,
                attention: per_head(&|h| rows(&h.attention.weights)),
                q: heads(&|h| &h.q)?,
                k: heads(&|h| &h.k)?,
                v: heads(&|h| &h.attention.v)?,
            };
            if let Ok(bytes) = r.to_safetensors() {
                kept_run.keep(&bytes);
            }
            Arc::new(r)
        }
    };
    if let Ok(mut runs) = RUNS.lock() {
        runs.push(run.clone());
    }
    Ok(run)
}

/// For the fuzzer (tests/fuzz): reads any bytes as a kept model run, as a build does.
#[doc(hidden)]
pub fn read_kept_run(bytes: &[u8]) -> bool {
    ModelRun::from_safetensors(bytes).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_run_reads_back_bit_for_bit_and_a_bad_file_is_no_run() {
        // Awkward values: signed zero, subnormals, extremes, a long tail of digits.
        let awkward = [
            -0.0,
            f64::MIN_POSITIVE / 3.0,
            f64::MAX,
            -1e-300,
            0.1 + 0.2,
            std::f64::consts::PI,
        ];
        let mut next = awkward.iter().copied().cycle();
        let mut array = |rows: usize, cols: usize| -> Vec<Vec<Vec<Vec<f64>>>> {
            (0..2)
                .map(|_| {
                    (0..3)
                        .map(|_| {
                            (0..rows)
                                .map(|_| (0..cols).map(|_| next.next().unwrap()).collect())
                                .collect()
                        })
                        .collect()
                })
                .collect()
        };
        // Weights that are weights, awkward in their last bits.
        let third = 1.0 / 3.0;
        let weights = vec![vec![vec![vec![third, third, 1.0 - 2.0 * third]; 3]; 3]; 2];
        let q = array(3, 4);
        let run = ModelRun {
            model: "m".into(),
            sha256: "abc".into(),
            text: "Ünïcode \"quoted\" text".into(),
            tokens: vec!["[CLS]".into(), "ü".into(), "[SEP]".into()],
            attention: weights,
            q: Heads::from_nested(&q).unwrap(),
            k: Heads::from_nested(&array(3, 4)).unwrap(),
            v: Heads::from_nested(&array(3, 5)).unwrap(),
        };
        let bytes = run.to_safetensors().unwrap();
        let back = ModelRun::from_safetensors(&bytes).unwrap();
        let bits = |r: &ModelRun| -> Vec<u64> {
            r.attention
                .iter()
                .flatten()
                .flatten()
                .flatten()
                .chain([&r.q, &r.k, &r.v].into_iter().flat_map(|h| &h.values))
                .map(|x| x.to_bits())
                .collect()
        };
        assert_eq!(bits(&back), bits(&run));
        // Each head's matrix is where the nested rows had it.
        for (l, layer) in q.iter().enumerate() {
            for (h, head) in layer.iter().enumerate() {
                let read: Vec<Vec<u64>> = back
                    .q
                    .head(l, h)
                    .rows()
                    .into_iter()
                    .map(|r| r.iter().map(|x| x.to_bits()).collect())
                    .collect();
                let written: Vec<Vec<u64>> = head
                    .iter()
                    .map(|r| r.iter().map(|x| x.to_bits()).collect())
                    .collect();
                assert_eq!(read, written, "layer {l} head {h}");
            }
        }
        assert!(Heads::from_nested(&[vec![vec![vec![1.0]], vec![vec![1.0, 2.0]]]]).is_none());
        assert_eq!(
            (&back.model, &back.sha256, &back.text),
            (&run.model, &run.sha256, &run.text)
        );
        assert_eq!(back.tokens, run.tokens);
        for bad in [&b""[..], b"not a run", &bytes[..bytes.len() / 2]] {
            assert!(ModelRun::from_safetensors(bad).is_none());
        }
        // A run whose numbers are not what a run makes is no run either.
        let mut broken = run.clone();
        broken.attention[1][2][0][1] = f64::NAN;
        assert!(ModelRun::from_safetensors(&broken.to_safetensors().unwrap()).is_none());
        let mut broken = run.clone();
        broken.attention[0][0][2] = vec![0.5, 0.5, 0.5];
        assert!(ModelRun::from_safetensors(&broken.to_safetensors().unwrap()).is_none());
        let mut broken = run.clone();
        broken.tokens.pop();
        assert!(ModelRun::from_safetensors(&broken.to_safetensors().unwrap()).is_none());
        // A shape of 2⁴⁰ layers of nothing is refused before anything is allocated for it.
        let empty = safetensors::tensor::TensorView::new(
            safetensors::Dtype::F64,
            vec![1 << 40, 0, 3, 3],
            &[],
        )
        .unwrap();
        let meta = std::collections::HashMap::from([
            ("model".to_string(), "m".to_string()),
            ("sha256".to_string(), "abc".to_string()),
            ("text".to_string(), "t".to_string()),
            ("tokens".to_string(), "[\"a\",\"b\",\"c\"]".to_string()),
        ]);
        let huge =
            safetensors::serialize(ARRAYS.iter().map(|n| (*n, empty.clone())), Some(meta)).unwrap();
        assert!(ModelRun::from_safetensors(&huge).is_none());
    }
}
