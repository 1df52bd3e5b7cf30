//! The book's named examples (read once, reused by `example = "NAME"`), and a block computed
//! with its claims checked: what a chapter and an example both go through.

use crate::block::{
    self, BlockSpec, Computed, ExampleKeys, Key, Scope, WithCurrent, build::build, keys,
    keys::Fields, kind::pretrained::Models,
};
use crate::eval::located_in;
use crate::source::{Diagnostic, Located, Place, Source};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

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

impl ExampleKeys for Examples {
    fn keys_of(&self, name: &str) -> Option<&Fields> {
        self.by_name.get(name).map(|(fields, _)| fields)
    }
    fn failure(&self, name: &str) -> Option<&Place> {
        Examples::failure(self, name)
    }
    fn names(&self) -> Vec<&str> {
        Examples::names(self).collect()
    }
    fn models(&self) -> &Models {
        &self.models
    }
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
        let table = keys::parse_toml(&src)?;
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
            match keys::fields_of_table(&src, t) {
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
    let computed = block::compute_results(spec)?;
    let within = WithCurrent {
        current: &computed,
        outer: scope,
    };
    let problems: Vec<Diagnostic> = computed
        .spec
        .assertions
        .iter()
        .filter_map(|a| {
            crate::eval::check(&a.value, &within)
                .err()
                .map(|e| located_in(a.place.clone(), &a.value, e))
        })
        .collect();
    Ok((computed, problems))
}

/// Parses a block body into a spec, using the book's named examples.
pub fn parse_block(src: &Source, examples: &Examples) -> Result<BlockSpec, Vec<Diagnostic>> {
    block::parse_block(src, examples)
}
