//! One chapter's text → the same text with every attention block and inline value replaced.
//!
//! Blocks are computed front to back, so an inline value or an assertion can refer to the
//! block above it or to an earlier block's `id`; the replacements are then spliced back to front.

use crate::block;
use crate::block::{Computed, Scope};
use crate::eval::{self, Val};
use crate::examples::{self, Examples};
use crate::ledger::{ClaimRecord, FigureRecord, Keys, Ledger, Numbers, ValueRecord};
use crate::markdown::{self, Found};
use crate::render::{self, format::fmt};
use crate::source::{Diagnostic, Level, Place, Source};
use mdbook_markdown::MarkdownOptions;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Names visible in a chapter: the book's examples and the chapter's block ids so far, and
/// where those that failed were reported.
struct ChapterScope<'a> {
    examples: &'a Examples,
    ids: BTreeMap<String, Computed>,
    failed_ids: BTreeMap<String, Place>,
    current: Option<Computed>,
    /// The block above failed, here.
    current_failed: Option<Place>,
    /// The names that inline values and claims looked up.
    used: RefCell<BTreeSet<String>>,
}

impl ChapterScope<'_> {
    /// Whether something looked up a name that is a likely misspelling of `id` and found
    /// nothing: that problem is reported, and the id's going unused follows from it.
    fn misspelt(&self, id: &str) -> bool {
        self.used.borrow().iter().any(|name| {
            name != id
                && !self.ids.contains_key(name)
                && self.examples.computed(name).is_none()
                && !crate::source::suggest(name, &[id]).is_empty()
        })
    }
}

impl Scope for ChapterScope<'_> {
    fn current(&self) -> Option<&Computed> {
        self.current.as_ref()
    }
    fn named(&self, name: &str) -> Option<&Computed> {
        self.used.borrow_mut().insert(name.to_string());
        self.ids.get(name).or_else(|| self.examples.computed(name))
    }
    fn failed(&self, name: &str) -> Option<Place> {
        self.failed_ids
            .get(name)
            .or_else(|| self.examples.failure(name))
            .cloned()
    }
    fn current_failed(&self) -> Option<Place> {
        self.current_failed.clone()
    }
    fn names(&self) -> Vec<String> {
        self.ids
            .keys()
            .chain(self.failed_ids.keys())
            .cloned()
            .chain(self.examples.names().map(str::to_string))
            .collect()
    }
}

/// A figure's numbers for the ledger: every numeric field of its data, and where each token
/// attends most.
fn figure_record(c: &Computed, path: &str, line: usize, keys: &mut Keys) -> FigureRecord {
    let views: Vec<&str> = c.spec.views.iter().map(|v| v.name()).collect();
    let name = match (&c.spec.id, &c.spec.title) {
        (Some(id), _) => format!("the figure `{id}`"),
        (None, Some(title)) => format!("“{title}”"),
        (None, None) => format!("the figure showing {}", views.join(", ")),
    };
    let r = c.result();
    let exact = |m: &ndarray::Array2<f64>| Numbers {
        columns: m.ncols(),
        cells: m.iter().map(|x| Some(*x)).collect(),
    };
    // Every result the figure holds — each head, each mask, the shuffled copy, each kept step —
    // with its inputs: a change to any number a figure shows is a change `diff` reports. The
    // block's own result keeps the plain names; the others are prefixed with theirs
    // (`heads[2].weights`).
    let mut fields: BTreeMap<String, Numbers> = BTreeMap::new();
    for (k, named) in c.results.iter().enumerate() {
        let prefix = match (&named.name, k) {
            (_, 0) => String::new(),
            (Some(name), _) => format!("{name}."),
            (None, _) => format!("result {k}."),
        };
        let (input, result) = (&named.input, &named.result);
        let mut matrices = match input.projection() {
            Some(p) => vec![
                ("embeddings", &p.embeddings),
                ("w_q", &p.w_q),
                ("w_k", &p.w_k),
                ("w_v", &p.w_v),
            ],
            None => Vec::new(),
        };
        matrices.extend([
            ("q", &result.q),
            ("k", &result.k),
            ("v", &result.v),
            ("weights", &result.weights),
            ("output", &result.output),
        ]);
        if let Some(p) = &input.positions {
            matrices.push(("positions", p));
        }
        for (name, m) in matrices {
            fields.insert(format!("{prefix}{name}"), exact(m));
        }
        fields.insert(
            format!("{prefix}scores"),
            Numbers {
                columns: result.scores.ncols(),
                cells: result.scores.iter().copied().collect(),
            },
        );
        fields.insert(
            format!("{prefix}scale"),
            Numbers {
                columns: 1,
                cells: vec![Some(result.scale)],
            },
        );
    }
    if let Some(combined) = &c.combined {
        fields.insert("concat".into(), exact(&combined.concat));
        if let Some(output) = &combined.output {
            fields.insert("combined".into(), exact(output));
        }
    }
    if let Some(w_o) = c.spec.kind.w_o() {
        fields.insert("w_o".into(), exact(w_o));
    }
    let strongest = (0..c.spec.tokens.len()).map(|i| r.strongest(i)).collect();
    let identity = c.spec.id.clone().unwrap_or_else(|| {
        format!(
            "{}\u{0}{}",
            views.join(","),
            c.spec.title.clone().unwrap_or_default()
        )
    });
    FigureRecord {
        file: path.to_string(),
        line,
        name,
        key: keys.key(format!("{path}\u{0}{identity}")),
        tokens: c.spec.tokens.clone(),
        fields,
        strongest,
    }
}

/// Renders an inline value's text: numbers by the book's one formatter.
pub fn show(values: &[Val]) -> String {
    values
        .iter()
        .map(|v| match v {
            Val::Num(x) => fmt(*x),
            Val::Text(t) => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the widgets become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Interactive HTML, for mdBook's html renderer.
    Html,
    /// Plain Markdown tables and lists, for every other renderer (markdown, `mdbook test`, …).
    StaticMarkdown,
    /// Nothing: compute and check only (the `check` command).
    Check,
}

/// Processes one chapter for the HTML renderer; `path` is how messages name it.
pub fn process(text: &str, path: &str, examples: &Examples) -> Result<String, Vec<Diagnostic>> {
    process_for(text, path, examples, Output::Html)
}

/// Processes one chapter for a given output.
pub fn process_for(
    text: &str,
    path: &str,
    examples: &Examples,
    output: Output,
) -> Result<String, Vec<Diagnostic>> {
    process_with(text, path, examples, output, &MarkdownOptions::default())
}

/// One chapter, read with the book's own Markdown options.
pub fn process_with(
    text: &str,
    path: &str,
    examples: &Examples,
    output: Output,
    options: &MarkdownOptions,
) -> Result<String, Vec<Diagnostic>> {
    let (out, problems) = process_all(text, path, examples, output, options, None);
    if problems.iter().any(|d| d.level == Level::Error) {
        Err(problems)
    } else {
        Ok(out)
    }
}

/// One chapter: the text with every widget and value that could be made, and every problem,
/// warnings included. The text is only publishable when no problem is an error. With a
/// ledger, every figure, inline value and claim is recorded in it (for `diff`).
pub fn process_all(
    text: &str,
    path: &str,
    examples: &Examples,
    output: Output,
    options: &MarkdownOptions,
    mut ledger: Option<&mut Ledger>,
) -> (String, Vec<Diagnostic>) {
    let found = markdown::find_with(text, options);
    if found.is_empty() {
        return (text.to_string(), Vec::new());
    }
    let path: Arc<str> = Arc::from(path);
    let newline = markdown::line_ending(text);
    let mut scope = ChapterScope {
        examples,
        ids: BTreeMap::new(),
        failed_ids: BTreeMap::new(),
        current: None,
        current_failed: None,
        used: RefCell::new(BTreeSet::new()),
    };
    // The chapter's block ids and where they are declared, for the unused-id warning.
    let mut declared: Vec<(String, Place)> = Vec::new();
    let (mut figure_keys, mut value_keys, mut claim_keys) =
        (Keys::default(), Keys::default(), Keys::default());
    let mut replacements = Vec::new();
    let mut problems = Vec::new();
    // The chapter, for placing inline values (its lines found once, not once per value).
    let whole = Source::new(path.clone(), text, 1, 1);
    for item in found {
        match item {
            Found::Block(block) if !block.closed => {
                // Its keys would be read from whatever it swallowed: one clear problem instead.
                let last = text[..block.range.end].lines().count();
                let message = format!(
                    "this ```attention block is never closed, so it runs on to line {last} and takes in everything after it — add a line with ``` after its last key"
                );
                let at = Place::line(path.clone(), block.fence_line);
                problems.push(Diagnostic::new(at.clone(), message));
                scope.current = None;
                scope.current_failed = Some(at);
            }
            Found::Block(block) => {
                let src = Source::new(
                    path.clone(),
                    &block.body,
                    block.fence_line + 1,
                    block.fence_line,
                );
                let parsed = examples::parse_block(&src, examples);
                let claims = parsed
                    .as_ref()
                    .map(|s| s.assertions.clone())
                    .unwrap_or_default();
                // A false claim is reported, and the numbers kept: the figure and the inline values
                // below it are sound (the build stops all the same), and `build`, `check` and
                // `diff` report the same problems.
                let (computed, false_claims) =
                    match parsed.and_then(|s| examples::compute_keeping(s, &scope)) {
                        Ok((c, claims)) => (Ok(c), claims),
                        Err(p) => (Err(p), Vec::new()),
                    };
                problems.extend(false_claims.iter().cloned());
                if let Some(ledger) = ledger.as_deref_mut() {
                    let failed: Vec<&Place> = match &computed {
                        Ok(_) => false_claims.iter().map(|d| &d.place).collect(),
                        Err(p) => p.iter().map(|d| &d.place).collect(),
                    };
                    for claim in &claims {
                        let identity = format!("{path}\u{0}{}", claim.value);
                        ledger.claims.push(ClaimRecord {
                            file: path.to_string(),
                            line: claim.place.line,
                            text: claim.value.clone(),
                            holds: !failed.contains(&&claim.place),
                            key: claim_keys.key(identity),
                        });
                    }
                    if let Ok(c) = &computed {
                        ledger.figures.push(figure_record(
                            c,
                            &path,
                            block.fence_line,
                            &mut figure_keys,
                        ));
                    }
                }
                match computed {
                    Ok(c) => {
                        problems.extend(c.spec.warnings.iter().cloned());
                        let html = match output {
                            Output::Html => render::widget(&c),
                            Output::StaticMarkdown => render::static_markdown(&c),
                            Output::Check => Ok(String::new()),
                        };
                        let html = match html {
                            Ok(html) => html,
                            Err(m) => {
                                problems.push(Diagnostic::new(src.header(), m));
                                String::new()
                            }
                        };
                        replacements.push((
                            block.range.clone(),
                            markdown::block_replacement(&block, html, text, newline),
                        ));
                        if let Some(id) = &c.spec.id {
                            if scope.ids.contains_key(id) || examples.computed(id).is_some() {
                                problems.push(Diagnostic::new(
                                    src.header(),
                                    format!("the id `{id}` is already taken in this chapter or by an example — choose another"),
                                ));
                            }
                            scope.ids.insert(id.clone(), c.clone());
                            // At its `id = …` line, where the author would change it.
                            let at = block::declared_id_place(&src).unwrap_or_else(|| src.header());
                            declared.push((id.clone(), at));
                        }
                        scope.current = Some(c);
                        scope.current_failed = None;
                    }
                    Err(mut p) => {
                        // What names this block later only repeats its problem.
                        let cause = p
                            .iter()
                            .find(|d| !d.follow_on)
                            .or(p.first())
                            .map_or(src.header(), |d| d.place.clone());
                        if let Some(id) = block::declared_id(&src) {
                            scope.failed_ids.insert(id, cause.clone());
                        }
                        problems.append(&mut p);
                        scope.current = None;
                        scope.current_failed = Some(cause);
                    }
                }
            }
            Found::Inline {
                range,
                expr: text_expr,
                in_alt,
            } => {
                // The inline code itself, underlined in reports.
                let place = whole.span(range.clone());
                let value = crate::expr::parse_inline(&text_expr)
                    .map_err(eval::ExprError::from)
                    .and_then(|e| eval::eval(&e, &scope));
                match value {
                    Ok(values) => {
                        if let Some(ledger) = ledger.as_deref_mut() {
                            let written = text[range.clone()].trim_matches('`').trim().to_string();
                            ledger.values.push(ValueRecord {
                                file: path.to_string(),
                                line: place.line,
                                key: value_keys.key(format!("{path}\u{0}{}", text_expr.trim())),
                                written,
                                shown: show(&values),
                                numbers: values
                                    .iter()
                                    .filter_map(|v| match v {
                                        Val::Num(x) => Some(*x),
                                        Val::Text(_) => None,
                                    })
                                    .collect(),
                            });
                        }
                        // Tokens are untrusted text: they must reach the page literally, never
                        // as Markdown or HTML, wherever the value is quoted.
                        let literal = markdown::literal_text(&show(&values));
                        let shown = match output {
                            Output::Html if in_alt => literal,
                            Output::Html => {
                                format!("<span class=\"attention-value\">{literal}</span>")
                            }
                            Output::StaticMarkdown | Output::Check => {
                                render::markdown_text(&show(&values))
                            }
                        };
                        replacements.push((range, shown));
                    }
                    Err(e) => {
                        // Quoted as the author wrote it, space and all.
                        let written = text[range.clone()].trim_matches('`').trim();
                        let message = format!("cannot compute the inline value `{written}`: {e}");
                        // Between the backticks, what the error names.
                        let code = text[range.clone()].trim_matches('`');
                        let place = eval::narrow(place, code, &e.message);
                        problems.push(eval::located(
                            place,
                            eval::ExprError {
                                message,
                                follow_on: e.follow_on,
                            },
                        ));
                    }
                }
            }
        }
    }
    // An id is there to be named; one that nothing names is likely a misspelt reference.
    let used = scope.used.borrow().clone();
    for (id, at) in &declared {
        if !used.contains(id) && !scope.misspelt(id) {
            problems.push(Diagnostic::warning(
                at.clone(),
                format!("the id `{id}` is not used in this chapter — quote the block with `{id}:weights[…]`, or remove the id"),
            ));
        }
    }
    (markdown::splice(text, replacements), problems)
}
