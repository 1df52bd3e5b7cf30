//! One chapter's text → the same text with every attention block and inline value replaced.
//!
//! Blocks are computed front to back, so an inline value or an assertion can refer to the
//! block above it or to an earlier block's `id`; the replacements are then spliced back to front.

use crate::markdown::{self, Found};
use crate::render::{self, format::fmt};
use crate::spec::expr::{self, Val};
use crate::spec::source::{Diagnostic, Level, Place, Source};
use crate::spec::{self, Examples};
use crate::spec::{Computed, Scope};
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
    let (out, problems) = process_all(text, path, examples, output, options);
    if problems.iter().any(|d| d.level == Level::Error) {
        Err(problems)
    } else {
        Ok(out)
    }
}

/// One chapter: the text with every widget and value that could be made, and every problem,
/// warnings included. The text is only publishable when no problem is an error.
pub fn process_all(
    text: &str,
    path: &str,
    examples: &Examples,
    output: Output,
    options: &MarkdownOptions,
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
    let mut replacements = Vec::new();
    let mut problems = Vec::new();
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
                let src = Source {
                    path: path.clone(),
                    text: &block.body,
                    first_line: block.fence_line + 1,
                    header_line: block.fence_line,
                };
                let computed =
                    spec::parse_block(&src, examples).and_then(|s| spec::compute(s, &scope));
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
                            markdown::block_replacement(&block, &html, text, newline),
                        ));
                        if let Some(id) = &c.spec.id {
                            if scope.ids.contains_key(id) || examples.computed(id).is_some() {
                                problems.push(Diagnostic::new(
                                    src.header(),
                                    format!("the id `{id}` is already taken in this chapter or by an example — choose another"),
                                ));
                            }
                            scope.ids.insert(id.clone(), c.clone());
                            declared.push((id.clone(), src.header()));
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
                        if let Some(id) = spec::declared_id(&src) {
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
                line,
                in_alt,
            } => {
                // The inline code itself, underlined in reports.
                let whole = Source {
                    path: path.clone(),
                    text,
                    first_line: 1,
                    header_line: line,
                };
                let place = whole.span(range.clone());
                let value = expr::parse_inline(&text_expr)
                    .map_err(expr::ExprError::from)
                    .and_then(|e| expr::eval(&e, &scope));
                match value {
                    Ok(values) => {
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
                        problems.push(spec::located(
                            place,
                            expr::ExprError {
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
    let used = scope.used.borrow();
    for (id, at) in &declared {
        if !used.contains(id) {
            problems.push(Diagnostic::warning(
                at.clone(),
                format!("the id `{id}` is not used in this chapter — quote the block with `{id}:weights[…]`, or remove the id"),
            ));
        }
    }
    (markdown::splice(text, replacements), problems)
}
