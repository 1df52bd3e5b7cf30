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
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What a block reads of a text's run through a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRun {
    pub model: String,
    pub sha256: String,
    pub text: String,
    /// Word pieces, `[CLS]` and `[SEP]` included.
    pub tokens: Vec<String>,
    /// `[layer][head][query][key]`.
    pub attention: Vec<Vec<Vec<Vec<f64>>>>,
    /// `[layer][head]`: the head's queries, keys and values, one row per token.
    pub q: Vec<Vec<Vec<Vec<f64>>>>,
    pub k: Vec<Vec<Vec<Vec<f64>>>>,
    pub v: Vec<Vec<Vec<Vec<f64>>>>,
}

/// The four per-head arrays of a run, as kept: `[layer][head][row][column]`.
const ARRAYS: [&str; 4] = ["attention", "q", "k", "v"];

impl ModelRun {
    fn arrays(&self) -> [&Vec<Vec<Vec<Vec<f64>>>>; 4] {
        [&self.attention, &self.q, &self.k, &self.v]
    }

    /// The run as safetensors: four f64 arrays, and the names and tokens as metadata. Read back
    /// bit for bit, and fifty times faster than the same numbers as JSON.
    fn to_safetensors(&self) -> Result<Vec<u8>, String> {
        let shaped = |a: &Vec<Vec<Vec<Vec<f64>>>>| {
            let rows = a.first().and_then(|l| l.first()).map_or(0, Vec::len);
            let cols = a
                .first()
                .and_then(|l| l.first())
                .and_then(|h| h.first())
                .map_or(0, Vec::len);
            let shape = vec![a.len(), a.first().map_or(0, Vec::len), rows, cols];
            let bytes: Vec<u8> = a
                .iter()
                .flatten()
                .flatten()
                .flatten()
                .flat_map(|x| x.to_le_bytes())
                .collect();
            (shape, bytes)
        };
        let arrays: Vec<_> = self.arrays().into_iter().map(shaped).collect();
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
        let array = |name: &str| -> Option<Vec<Vec<Vec<Vec<f64>>>>> {
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
            let mut values = t
                .data()
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("eight bytes")));
            let mut out = Vec::with_capacity(layers);
            for _ in 0..layers {
                let mut layer = Vec::with_capacity(heads);
                for _ in 0..heads {
                    let head: Vec<Vec<f64>> = (0..rows)
                        .map(|_| values.by_ref().take(cols).collect())
                        .collect();
                    layer.push(head);
                }
                out.push(layer);
            }
            Some(out)
        };
        let run = ModelRun {
            model: meta.get("model")?.clone(),
            sha256: meta.get("sha256")?.clone(),
            text: meta.get("text")?.clone(),
            tokens: serde_json::from_str(meta.get("tokens")?).ok()?,
            attention: array("attention")?,
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
        let shaped = |a: &Vec<Vec<Vec<Vec<f64>>>>, width: Option<usize>| {
            a.len() == layers
                && a.iter().all(|l| {
                    l.len() == heads
                        && l.iter().all(|h| {
                            h.len() == n
                                && h.iter().all(|row| {
                                    width.is_none_or(|w| row.len() == w)
                                        && row.len() == h[0].len()
                                        && row.iter().all(|x| x.is_finite())
                                })
                        })
                })
        };
        let weights = self.attention.iter().flatten().flatten().all(|row| {
            row.iter().all(|w| (0.0..=1.0).contains(w))
                && (row.iter().sum::<f64>() - 1.0).abs() < 1e-9
        });
        n > 0
            && layers > 0
            && heads > 0
            && shaped(&self.attention, Some(n))
            && shaped(&self.q, None)
            && shaped(&self.k, None)
            && shaped(&self.v, None)
            && weights
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
        let array = |m: &[Vec<f64>]| {
            let cols = m.first().map_or(0, Vec::len);
            Array2::from_shape_fn((m.len(), cols), |(i, j)| crate::format::kept(m[i][j]))
        };
        let (l, h) = (self.layer, self.head);
        Given {
            q: array(&self.run.q[l][h]),
            k: array(&self.run.k[l][h]),
            v: array(&self.run.v[l][h]),
        }
    }

    /// How many dimensions the head's queries have.
    pub fn d_k(&self) -> usize {
        self.run.q[self.layer][self.head]
            .first()
            .map_or(0, Vec::len)
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
                q: per_head(&|h| rows(&h.q)),
                k: per_head(&|h| rows(&h.k)),
                v: per_head(&|h| rows(&h.attention.v)),
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
        let run = ModelRun {
            model: "m".into(),
            sha256: "abc".into(),
            text: "Ünïcode \"quoted\" text".into(),
            tokens: vec!["[CLS]".into(), "ü".into(), "[SEP]".into()],
            attention: weights,
            q: array(3, 4),
            k: array(3, 4),
            v: array(3, 5),
        };
        let bytes = run.to_safetensors().unwrap();
        let back = ModelRun::from_safetensors(&bytes).unwrap();
        let bits = |r: &ModelRun| -> Vec<u64> {
            r.arrays()
                .into_iter()
                .flatten()
                .flatten()
                .flatten()
                .flatten()
                .map(|x| x.to_bits())
                .collect()
        };
        assert_eq!(bits(&back), bits(&run));
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
