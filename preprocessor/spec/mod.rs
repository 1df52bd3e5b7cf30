//! A block's TOML → a validated [`BlockSpec`]: named examples, overrides, limits, assertions.
//!
//! Every problem becomes a [`Diagnostic`] naming the file and line of the offending key, and
//! all the problems of a block are returned together.

pub mod computed;
pub mod expr;
mod fields;
pub mod source;

use crate::core::{AttentionInput, Mask, QueryOverride};
pub use computed::{
    Computed, NamedResult, NoScope, ResultGroup, ResultName, Scope, Variant, WithCurrent,
};
pub use fields::KEYS;
use fields::{Field, Fields, MaskField, Rows, StepField};
use ndarray::Array2;
use source::{Diagnostic, Located, Place, Source, suggest};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The most tokens one block may have: 128 tokens make a 16,384-cell heatmap, which still
/// builds in milliseconds and redraws within a frame.
pub const MAX_TOKENS: usize = 128;
/// The most dimensions (d, d_k or d_v): each gets a slider and a table column.
pub const MAX_DIMS: usize = 64;

named_enum! {
    /// What a block can show, in the order the book shows them.
    pub enum View {
        Embeddings = "embeddings",
        Matrices = "matrices",
        Projection = "projection",
        Qkv = "qkv",
        Matmul = "matmul",
        Scores = "scores",
        Weights = "weights",
        Softmax = "softmax",
        Output = "output",
        Residual = "residual",
        Heatmap = "heatmap",
        Compare = "compare",
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
    /// Inputs computed beside the block's own, as named results (the compare view's masks).
    pub variants: Vec<Variant>,
    pub assertions: Vec<Located<String>>,
    /// Where the block starts, for messages with no better place.
    pub place: Place,
}

/// One `steps` button: its label and the query entries it sets (0-based dimension, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    pub set_query: Vec<(usize, f64)>,
}

/// The named examples of a book, read once and reused by `example = "NAME"`.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    by_name: BTreeMap<String, (Fields, Place)>,
    computed: BTreeMap<String, Computed>,
    /// Examples that could not be computed: reported once, not again with each later file.
    failed: std::collections::BTreeSet<String>,
}

impl Examples {
    /// Reads a TOML file, or every `*.toml` file of a folder; each top-level table is one
    /// example. `shown` is the path used in messages. Examples that compute are kept even when
    /// others fail or a claim is false, so that the chapters can still be checked in the same run.
    pub fn load(path: &Path, shown: &str) -> (Examples, Vec<Diagnostic>) {
        let place = Place {
            path: Arc::from(shown),
            line: 1,
        };
        let files: Vec<(std::path::PathBuf, String)> = if path.is_dir() {
            let entries = match std::fs::read_dir(path) {
                Ok(entries) => entries,
                Err(e) => {
                    let message = format!("cannot read the examples folder: {e}");
                    return (Examples::default(), vec![Diagnostic::new(place, message)]);
                }
            };
            let mut entries: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            entries.sort();
            entries
                .into_iter()
                .map(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (p, format!("{}/{}", shown.trim_end_matches('/'), name))
                })
                .collect()
        } else {
            vec![(path.to_path_buf(), shown.to_string())]
        };
        let mut examples = Examples::default();
        let mut problems = Vec::new();
        for (file, shown) in files {
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    if let Err(mut p) = examples.add_file(&text, &shown) {
                        problems.append(&mut p);
                    }
                }
                Err(e) => problems.push(Diagnostic::new(
                    Place {
                        path: Arc::from(shown.as_str()),
                        line: 1,
                    },
                    format!("cannot read the examples file: {e} — check `examples` in book.toml"),
                )),
            }
        }
        (examples, problems)
    }

    /// Adds the examples of one TOML text, then computes them and checks their assertions.
    pub fn add_file(&mut self, text: &str, shown: &str) -> Result<(), Vec<Diagnostic>> {
        let src = Source {
            path: Arc::from(shown),
            text,
            first_line: 1,
            header_line: 1,
        };
        let table = fields::parse_toml(&src)?;
        let mut problems = Vec::new();
        for (name, value) in table.get_ref() {
            let place = src.at(name.span().start);
            let toml::de::DeValue::Table(t) = value.get_ref() else {
                problems.push(Diagnostic::new(
                    place,
                    format!(
                        "`{}` is not a table — write each example as `[NAME]` followed by its keys",
                        name.get_ref()
                    ),
                ));
                continue;
            };
            match fields::fields_of_table(&src, t) {
                Ok(f) if f.contains_key("example") => problems.push(Diagnostic::new(
                    f["example"].place.clone(),
                    "an example cannot build on another example — copy the keys you need",
                )),
                Ok(f) => match self.by_name.get(name.get_ref().as_ref()) {
                    // Two definitions would let `example = "x"` and `x:` read different numbers.
                    Some((_, first)) => problems.push(Diagnostic::new(
                        place,
                        format!(
                            "the example `{}` is already defined at {first} — give one of them another name",
                            name.get_ref()
                        ),
                    )),
                    None => {
                        self.by_name.insert(name.get_ref().to_string(), (f, place));
                    }
                },
                Err(mut p) => problems.append(&mut p),
            }
        }
        for (name, (fields, place)) in &self.by_name {
            if self.computed.contains_key(name) || self.failed.contains(name) {
                continue;
            }
            match build(fields.clone(), place.clone(), self)
                .and_then(|spec| compute(spec, &NoScope))
            {
                Ok(c) => {
                    self.computed.insert(name.clone(), c);
                }
                Err(mut p) => {
                    self.failed.insert(name.clone());
                    problems.append(&mut p);
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// A named example, computed with its own settings.
    pub fn computed(&self, name: &str) -> Option<&Computed> {
        self.computed.get(name)
    }
}

/// Parses a block body into a spec, using the book's named examples.
pub fn parse_block(src: &Source, examples: &Examples) -> Result<BlockSpec, Vec<Diagnostic>> {
    let fields = fields::parse_block(src)?;
    build(fields, src.header(), examples)
}

/// Computes a spec and checks its assertions; `scope` resolves `NAME:` references, and the
/// block itself is the current one.
pub fn compute(spec: BlockSpec, scope: &dyn Scope) -> Result<Computed, Vec<Diagnostic>> {
    let own = std::iter::once((None, &spec.input));
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
    let computed = Computed { spec, results };
    let within = WithCurrent {
        current: &computed,
        outer: scope,
    };
    let problems: Vec<Diagnostic> = computed
        .spec
        .assertions
        .iter()
        .filter_map(|a| {
            expr::check(&a.value, &within)
                .err()
                .map(|m| Diagnostic::new(a.place.clone(), m))
        })
        .collect();
    if problems.is_empty() {
        Ok(computed)
    } else {
        Err(problems)
    }
}

/// Checks the fields (after merging in the example) and assembles a spec.
fn build(
    mut fields: Fields,
    place: Place,
    examples: &Examples,
) -> Result<BlockSpec, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    if let Some(Located {
        value: Field::Text(name),
        place: at,
    }) = fields.get("example")
    {
        match examples.by_name.get(name) {
            Some((base, _)) => {
                for (key, value) in base {
                    fields.entry(key).or_insert_with(|| value.clone());
                }
            }
            None => {
                let names: Vec<&str> = examples.names().collect();
                let listed = if names.is_empty() {
                    "this book defines none: point `examples` in book.toml's [preprocessor.attention] at a TOML file".to_string()
                } else {
                    format!("the examples are {}", names.join(", "))
                };
                return Err(vec![Diagnostic::new(
                    at.clone(),
                    format!(
                        "there is no example named `{name}`{} — {listed}",
                        suggest(name, &names)
                    ),
                )]);
            }
        }
    }
    let mut need = |key: &str| {
        if !fields.contains_key(key) {
            problems.push(Diagnostic::new(
                place.clone(),
                format!("this block has no `{key}` — give `{key}`, or start from a named example with `example = \"NAME\"`"),
            ));
        }
    };
    for key in ["tokens", "embeddings", "w_q", "w_k", "w_v"] {
        need(key);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let text = |key: &str| match fields.get(key) {
        Some(Located {
            value: Field::Text(t),
            ..
        }) => Some(t.clone()),
        _ => None,
    };
    let texts = |key: &str| match fields.get(key) {
        Some(Located {
            value: Field::Texts(t),
            ..
        }) => t.clone(),
        _ => Vec::new(),
    };
    let at = |key: &str| fields.get(key).map_or(place.clone(), |f| f.place.clone());

    let tokens: Vec<String> = texts("tokens").into_iter().map(|t| t.value).collect();
    if tokens.is_empty() {
        problems.push(Diagnostic::new(
            at("tokens"),
            "`tokens` is empty — give at least one token, like `tokens = [\"cat\"]`",
        ));
    } else if tokens.len() > MAX_TOKENS {
        problems.push(Diagnostic::new(
            at("tokens"),
            format!("{} tokens are more than the limit of {MAX_TOKENS} — shorten the sentence or split it into several blocks", tokens.len()),
        ));
    }
    let n = tokens.len();
    let embeddings = matrix(&fields, "embeddings", &mut problems);
    let d = embeddings.as_ref().map_or(0, |m| m.ncols());
    if let Some(e) = &embeddings
        && e.nrows() != n
        && n > 0
    {
        problems.push(Diagnostic::new(
            at("embeddings"),
            format!("`embeddings` has {} rows but there are {n} tokens — give one row per token, in the same order", e.nrows()),
        ));
    }
    let weight = |key: &str, problems: &mut Vec<Diagnostic>| {
        let m = matrix(&fields, key, problems)?;
        if d > 0 && m.ncols() != d {
            problems.push(Diagnostic::new(
                at(key),
                format!("`{key}` has {} columns but the embeddings have {d} dimensions — give each row of `{key}` {d} numbers", m.ncols()),
            ));
            return None;
        }
        Some(m)
    };
    let w_q = weight("w_q", &mut problems);
    let w_k = weight("w_k", &mut problems);
    let w_v = weight("w_v", &mut problems);
    if let (Some(q), Some(k)) = (&w_q, &w_k)
        && q.nrows() != k.nrows()
    {
        problems.push(Diagnostic::new(
            at("w_k"),
            format!("`w_k` has {} rows but `w_q` has {}: queries and keys must have the same size d_k — give both the same number of rows", k.nrows(), q.nrows()),
        ));
    }
    let dims: Vec<String> = match fields.get("dims") {
        Some(f) => {
            let names: Vec<String> = texts("dims").into_iter().map(|t| t.value).collect();
            if d > 0 && names.len() != d {
                problems.push(Diagnostic::new(
                    f.place.clone(),
                    format!("`dims` names {} dimensions but the embeddings have {d} — give one name per dimension", names.len()),
                ));
            }
            names
        }
        None => (1..=d).map(|i| format!("dim {i}")).collect(),
    };
    let mask = match fields.get("mask") {
        None => Mask::None,
        Some(Located {
            value: Field::Mask(MaskField::Named(name)),
            place: p,
        }) => match name.as_str() {
            "none" | "bidirectional" => Mask::None,
            "causal" => Mask::Causal,
            other => {
                problems.push(Diagnostic::new(
                    p.clone(),
                    format!("unknown mask `{other}`{} — write \"none\", \"causal\" or a matrix of true/false", suggest(other, &["none", "causal", "bidirectional"])),
                ));
                Mask::None
            }
        },
        Some(Located {
            value: Field::Mask(MaskField::Matrix(rows)),
            place: p,
        }) => {
            let allowed = rows_to_array(rows, "mask", &mut problems);
            match allowed {
                Some(m) if m.dim() == (n, n) => Mask::Explicit(m),
                Some(m) => {
                    problems.push(Diagnostic::new(
                        p.clone(),
                        format!("the mask is {}×{} but there are {n} tokens — give {n} rows of {n} true/false values", m.nrows(), m.ncols()),
                    ));
                    Mask::None
                }
                None => Mask::None,
            }
        }
        Some(_) => Mask::None,
    };
    let scale = match fields.get("scale") {
        Some(Located {
            value: Field::Number(s),
            ..
        }) => Some(*s),
        _ => None,
    };
    let mut token_key = |key: &str| -> Option<usize> {
        let name = text(key)?;
        let found = tokens.iter().position(|t| *t == name);
        if found.is_none() {
            let names: Vec<&str> = tokens.iter().map(String::as_str).collect();
            problems.push(Diagnostic::new(
                at(key),
                format!(
                    "`{key}` is `{name}`, which is not one of the tokens{} — write one of {}",
                    suggest(&name, &names),
                    names.join(", ")
                ),
            ));
        }
        found
    };
    let focus = token_key("focus").unwrap_or(0);
    let highlight = token_key("highlight");
    let mut views = Vec::new();
    for v in texts("show") {
        match View::parse(&v.value) {
            Some(view) => views.push(view),
            None => {
                let names = View::NAMES;
                problems.push(Diagnostic::new(
                    v.place,
                    format!(
                        "unknown view `{}`{} — the views are {}",
                        v.value,
                        suggest(&v.value, names),
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    match fields.get("show") {
        None => views.push(View::Heatmap),
        Some(f) if texts("show").is_empty() => problems.push(Diagnostic::new(
            f.place.clone(),
            "`show` is empty, so the figure would be empty — list at least one view, like `show = [\"heatmap\"]`, or leave `show` out for a heatmap",
        )),
        Some(_) => {}
    }
    views.sort();
    views.dedup();
    let d_k = w_q.as_ref().map_or(0, |m| m.nrows());
    let query_dims = |pairs: &[(Located<String>, f64)], problems: &mut Vec<Diagnostic>| {
        let mut set = Vec::new();
        for (dim, value) in pairs {
            match dim.value.parse::<usize>() {
                Ok(i) if (1..=d_k).contains(&i) => set.push((i - 1, *value)),
                _ => problems.push(Diagnostic::new(
                    dim.place.clone(),
                    format!("`set_query` names dimension `{}`, but the query has dimensions 1 to {d_k} — write a number in that range", dim.value),
                )),
            }
        }
        set
    };
    let query_overrides = match fields.get("set_query") {
        Some(Located {
            value: Field::SetQuery(pairs),
            ..
        }) => query_dims(pairs, &mut problems)
            .into_iter()
            .map(|(dim, value)| QueryOverride {
                token: focus,
                dim,
                value,
            })
            .collect(),
        _ => Vec::new(),
    };
    let steps: Vec<Step> = match fields.get("steps") {
        Some(Located {
            value: Field::Steps(steps),
            place: p,
        }) => {
            if !views.contains(&View::Controls) {
                problems.push(Diagnostic::new(
                    p.clone(),
                    "`steps` are buttons on the live figure, which needs its controls — add \"controls\" to `show`",
                ));
            }
            steps
                .iter()
                .map(
                    |Located {
                         value: StepField { label, set_query },
                         ..
                     }| Step {
                        label: label.clone(),
                        set_query: query_dims(set_query, &mut problems),
                    },
                )
                .collect()
        }
        _ => Vec::new(),
    };
    if views.contains(&View::Residual)
        && let (Some(v), true) = (&w_v, d > 0)
        && v.nrows() != d
    {
        problems.push(Diagnostic::new(
            at("show"),
            format!("the residual view adds each output to its embedding, so the values need as many dimensions as the embeddings ({d}), but `w_v` has {} rows — give `w_v` {d} rows, or drop \"residual\"", v.nrows()),
        ));
    }
    let mut assertions = Vec::new();
    for a in texts("assert") {
        match expr::parse_assertion(&a.value) {
            Ok(_) => assertions.push(a),
            Err(m) => problems.push(Diagnostic::new(
                a.place,
                format!("cannot read the claim `{}`: {m}", a.value),
            )),
        }
    }
    let id = text("id");
    if let Some(id) = &id
        && (id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    {
        problems.push(Diagnostic::new(at("id"), format!("the id `{id}` may hold only letters, digits, `_` and `-` — write e.g. `id = \"experiment\"`")));
    }
    match (problems.is_empty(), embeddings, w_q, w_k, w_v) {
        (true, Some(embeddings), Some(w_q), Some(w_k), Some(w_v)) => {
            let input = AttentionInput {
                embeddings,
                w_q,
                w_k,
                w_v,
                mask,
                scale,
                query_overrides,
            };
            Ok(BlockSpec {
                id,
                title: text("title"),
                tokens,
                dims,
                variants: variants_for(&views, &input),
                input,
                focus,
                views,
                highlight,
                steps,
                assertions,
                place,
            })
        }
        _ => Err(problems),
    }
}

/// The results the views need beside the block's own: the compare view sets the block under
/// both masks side by side.
fn variants_for(views: &[View], input: &AttentionInput) -> Vec<Variant> {
    if !views.contains(&View::Compare) {
        return Vec::new();
    }
    [("bidirectional", Mask::None), ("causal", Mask::Causal)]
        .into_iter()
        .map(|(key, mask)| Variant {
            name: ResultName {
                group: ResultGroup::Mask,
                key: key.to_string(),
            },
            input: AttentionInput {
                mask,
                ..input.clone()
            },
        })
        .collect()
}

/// A numeric matrix field: rectangular, non-empty, within the limits.
fn matrix(fields: &Fields, key: &str, problems: &mut Vec<Diagnostic>) -> Option<Array2<f64>> {
    let Some(Located {
        value: Field::Numbers(rows),
        place,
    }) = fields.get(key)
    else {
        return None;
    };
    let m = rows_to_array(rows, key, problems)?;
    if m.ncols() == 0 {
        problems.push(Diagnostic::new(
            place.clone(),
            format!("`{key}` has empty rows — give each row at least one number"),
        ));
        return None;
    }
    // Embeddings have a row per token; weight matrices a row per output dimension.
    let max_rows = if key == "embeddings" {
        MAX_TOKENS
    } else {
        MAX_DIMS
    };
    if m.nrows() > max_rows || m.ncols() > MAX_DIMS {
        problems.push(Diagnostic::new(
            place.clone(),
            format!("`{key}` is {}×{}, beyond the limits ({MAX_TOKENS} tokens, {MAX_DIMS} dimensions) — use a smaller example", m.nrows(), m.ncols()),
        ));
        return None;
    }
    Some(m)
}

/// Rows → a rectangular array, naming the first row whose length differs.
fn rows_to_array<T: Clone + Default>(
    rows: &Rows<T>,
    key: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<Array2<T>> {
    let Some(first) = rows.rows.first() else {
        return Some(Array2::default((0, 0)));
    };
    let width = first.value.len();
    if let Some((i, bad)) = rows
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.value.len() != width)
    {
        problems.push(Diagnostic::new(
            bad.place.clone(),
            format!("row {} of `{key}` has {} entries but row 1 has {width} — every row needs the same length", i + 1, bad.value.len()),
        ));
        return None;
    }
    let flat: Vec<T> = rows
        .rows
        .iter()
        .flat_map(|r| r.value.iter().cloned())
        .collect();
    Array2::from_shape_vec((rows.rows.len(), width), flat).ok()
}
