//! A block's TOML → a validated [`BlockSpec`]: named examples, overrides, limits, assertions.
//!
//! Every problem becomes a [`Diagnostic`] naming the file and line of the offending key, and
//! all the problems of a block are returned together.

mod build;
pub mod computed;
pub mod expr;
mod fields;
mod kept;
mod model;
pub mod source;
mod training;
pub use model::{ModelRun, Models, read_kept_run};
pub use training::read_kept_training;

use crate::core::AttentionInput;
use build::build;
pub use computed::{
    Computed, NamedResult, NoScope, ResultGroup, ResultName, Scope, Variant, WithCurrent,
};
use fields::Fields;
pub use fields::Key;
use source::{Diagnostic, Located, Place, Source};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

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

/// The named examples of a book, read once and reused by `example = "NAME"`.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    by_name: BTreeMap<String, (Fields, Place)>,
    computed: BTreeMap<String, Computed>,
    /// Examples that could not be read or computed, and where their first problem is: reported
    /// once, and named by whatever uses them.
    failed: BTreeMap<String, Place>,
    /// Keep an example whose claims are false, telling the claims (for `diff`, which compares
    /// the numbers of a revision whatever its claims say).
    keep_false_claims: bool,
    /// What is likely wrong in the examples but stops nothing (a claim between constants).
    warnings: Vec<Diagnostic>,
    /// The real models book.toml names, for blocks with `model`.
    pub models: Models,
}

/// The names an example's claims may use: the examples computed so far.
struct ExampleScope<'a>(&'a Examples);
impl Scope for ExampleScope<'_> {
    fn current(&self) -> Option<&Computed> {
        None
    }
    fn named(&self, name: &str) -> Option<&Computed> {
        self.0.computed.get(name)
    }
    fn failed(&self, name: &str) -> Option<Place> {
        self.0.failed.get(name).cloned()
    }
    fn names(&self) -> Vec<String> {
        self.0.names().map(str::to_string).collect()
    }
}

/// Where a failed thing's first problem shown to the author is.
fn first_cause(problems: &[Diagnostic], fallback: &Place) -> Place {
    problems
        .iter()
        .find(|d| !d.follow_on)
        .map_or(fallback.clone(), |d| d.place.clone())
}

impl Examples {
    /// Reads a TOML file, or every `*.toml` file of a folder; each top-level table is one
    /// example. `shown` is the path used in messages. Examples that compute are kept even when
    /// others fail or a claim is false, so that the chapters can still be checked in the same run.
    pub fn load(path: &Path, shown: &str) -> (Examples, Vec<Diagnostic>) {
        Examples::load_with(path, shown, false, Models::default())
    }

    /// Like [`Examples::load`], with the book's models (an example may be a block on one); with
    /// `keep_false_claims`, an example whose only problem is a false claim is computed all the
    /// same (its claims are still reported).
    pub fn load_with(
        path: &Path,
        shown: &str,
        keep_false_claims: bool,
        models: Models,
    ) -> (Examples, Vec<Diagnostic>) {
        let place = Place::line(Arc::from(shown), 1);
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
        let mut examples = Examples {
            keep_false_claims,
            models,
            ..Examples::default()
        };
        let mut problems = Vec::new();
        for (file, shown) in files {
            match crate::files::read_text(&file, crate::files::TEXT_LIMIT) {
                Ok(text) => {
                    if let Err(mut p) = examples.add_file(&text, &shown) {
                        problems.append(&mut p);
                    }
                }
                Err(e) => problems.push(Diagnostic::new(
                    Place::line(Arc::from(shown.as_str()), 1),
                    format!("cannot read the examples file: {e} — check `examples` in book.toml"),
                )),
            }
        }
        problems.append(&mut examples.warnings);
        (examples, problems)
    }

    /// Adds the examples of one TOML text, then computes them and checks their assertions.
    pub fn add_file(&mut self, text: &str, shown: &str) -> Result<(), Vec<Diagnostic>> {
        let src = Source::new(Arc::from(shown), text, 1, 1);
        let table = fields::parse_toml(&src)?;
        let mut problems = Vec::new();
        for (name, value) in table.get_ref() {
            let place = src.span(name.span());
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
                Ok(f) if f.contains_key(&Key::Example) => {
                    let at = f[&Key::Example].place.clone();
                    // Defined, and failed: what names it follows from this problem.
                    self.failed
                        .entry(name.get_ref().to_string())
                        .or_insert(at.clone());
                    problems.push(Diagnostic::new(
                        at,
                        "an example cannot build on another example — copy the keys you need",
                    ));
                }
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
                Err(mut p) => {
                    let at = first_cause(&p, &place);
                    self.failed.entry(name.get_ref().to_string()).or_insert(at);
                    problems.append(&mut p);
                }
            }
        }
        problems.append(&mut self.compute_pending());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Computes the examples not yet computed. An example's claims may name other examples, so
    /// they are computed in passes until no more succeed; what is left has failed, and is
    /// computed once more to report its problems in terms of the other failures.
    fn compute_pending(&mut self) -> Vec<Diagnostic> {
        let mut pending: Vec<String> = self
            .by_name
            .keys()
            .filter(|n| !self.computed.contains_key(*n) && !self.failed.contains_key(*n))
            .cloned()
            .collect();
        // An example computes, or not. Passes first take only the examples whose claims all hold
        // (a claim may name an example computed in a later pass); what is left is computed once
        // more. One whose claim is false has failed: each chapter that uses it would otherwise
        // repeat the same false claim in its own words, and the author is told once. Only
        // `diff` keeps its numbers.
        let attempt = |examples: &Examples,
                       name: &str|
         -> Result<(Computed, Vec<Diagnostic>), Vec<Diagnostic>> {
            let (fields, place) = &examples.by_name[name];
            let spec = build(fields.clone(), place.clone(), examples, true)?;
            compute_keeping(spec, &ExampleScope(examples))
        };
        let mut problems = Vec::new();
        loop {
            let before = pending.len();
            pending.retain(|name| match attempt(self, name) {
                Ok((c, claims)) if claims.is_empty() => {
                    self.warnings.extend(c.spec.warnings.iter().cloned());
                    self.computed.insert(name.clone(), c);
                    false
                }
                _ => true,
            });
            if pending.len() == before {
                break;
            }
        }
        for name in pending {
            match attempt(self, &name) {
                Ok((_, claims)) if !self.keep_false_claims => {
                    let at = first_cause(&claims, &self.by_name[&name].1);
                    self.failed.insert(name, at);
                    problems.extend(claims);
                }
                Ok((c, mut claims)) => {
                    self.warnings.extend(c.spec.warnings.iter().cloned());
                    self.computed.insert(name, c);
                    problems.append(&mut claims);
                }
                Err(mut p) => {
                    let at = first_cause(&p, &self.by_name[&name].1);
                    self.failed.insert(name, at);
                    problems.append(&mut p);
                }
            }
        }
        problems
    }

    /// Where the first problem of an example that failed is.
    pub fn failure(&self, name: &str) -> Option<&Place> {
        self.failed.get(name)
    }

    /// The keys of a named example, as written.
    fn fields_of(&self, name: &str) -> Option<&Fields> {
        self.by_name.get(name).map(|(fields, _)| fields)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Every claim of the examples that computed, with where it is written.
    pub fn claims(&self) -> impl Iterator<Item = &Located<String>> {
        self.computed
            .values()
            .flat_map(|c| c.spec.assertions.iter())
    }

    /// A named example, computed with its own settings.
    pub fn computed(&self, name: &str) -> Option<&Computed> {
        self.computed.get(name)
    }
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

/// An expression's error at a place, a follow-on if it only repeats another failure.
pub fn located(place: Place, e: expr::ExprError) -> Diagnostic {
    if e.follow_on {
        Diagnostic::follow_on(place, e.message)
    } else {
        Diagnostic::new(place, e.message)
    }
}

/// [`located`], underlining only what the message names: the first thing it quotes in
/// backticks (`dgo` in "`dgo` is not one of the tokens"), where that occurs once in `text`, the
/// expression as written at `place` between its quotes. Anything less certain — an escape in
/// the string, a name that occurs twice — keeps the whole expression underlined.
pub fn located_in(place: Place, text: &str, e: expr::ExprError) -> Diagnostic {
    located(narrow(place, text, &e.message), e)
}

/// The part of `place` (which holds `text` between two one-character quotes) that `message`
/// names first in backticks, if that is certain; else `place` as it is.
pub fn narrow(place: Place, text: &str, message: &str) -> Place {
    let culprit = message
        .split('`')
        .nth(1)
        .filter(|c| !c.is_empty() && c.len() < text.len());
    let narrowed = culprit.and_then(|c| {
        let at = text.find(c)?;
        let once = text.matches(c).count() == 1;
        let verbatim = place.width == text.chars().count() + 2 && place.column > 0;
        (once && verbatim).then(|| Place {
            column: place.column + 1 + text[..at].chars().count(),
            width: c.chars().count(),
            ..place.clone()
        })
    });
    narrowed.unwrap_or(place)
}

/// The `id` a block declares, read even when the rest of it is wrong, so that what names the
/// block later can say it failed.
pub fn declared_id(src: &Source) -> Option<String> {
    // From the TOML alone: an unknown key or a bad value elsewhere leaves the id readable, so
    // what names the block follows from its problem instead of "nothing is named".
    let table = fields::parse_toml(src).ok()?;
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
    fields::parse_block(src)
        .ok()?
        .get(&Key::Id)
        .map(|l| l.place.clone())
}

/// Parses a block body into a spec, using the book's named examples.
pub fn parse_block(src: &Source, examples: &Examples) -> Result<BlockSpec, Vec<Diagnostic>> {
    let fields = fields::parse_block(src)?;
    build(fields, src.header(), examples, false)
}

/// Computes a spec and checks its assertions; `scope` resolves `NAME:` references, and the
/// block itself is the current one.
pub fn compute(spec: BlockSpec, scope: &dyn Scope) -> Result<Computed, Vec<Diagnostic>> {
    match compute_keeping(spec, scope)? {
        (computed, claims) if claims.is_empty() => Ok(computed),
        (_, claims) => Err(claims),
    }
}

/// Computes a spec and checks its assertions, keeping the numbers even when a claim is false
/// (for `diff`, which reports the claim and still compares the numbers). `Err` only when there
/// are no numbers.
pub fn compute_keeping(
    spec: BlockSpec,
    scope: &dyn Scope,
) -> Result<(Computed, Vec<Diagnostic>), Vec<Diagnostic>> {
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
    let computed = Computed {
        spec,
        results,
        combined,
    };
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
                .map(|e| located_in(a.place.clone(), &a.value, e))
        })
        .collect();
    Ok((computed, problems))
}
