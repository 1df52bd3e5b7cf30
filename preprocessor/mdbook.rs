//! The mdBook side: the `Preprocessor` impl, its config, loading and building a book in-process,
//! and one error listing every problem of the book with file and line.

use crate::chapter::{self, Output};
use crate::examples::Examples;
use crate::ledger::Ledger;
use crate::source::suggest;
use crate::source::{Diagnostic, Level};
use anyhow::{Context, bail};
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const NAME: &str = "attention";

/// `[preprocessor.attention]` in book.toml: our keys, then the ones mdBook itself reads. A key
/// that is neither is a mistake (most often a misspelling), not something to ignore.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// A TOML file, or a folder of them, of named examples, relative to the book.
    pub examples: Option<String>,
    /// The version of the JS and CSS that `install` copied, to warn when they are stale.
    pub assets_version: Option<String>,
    /// Warnings stop the build too.
    #[serde(default)]
    pub deny_warnings: bool,
    /// Real models, by the name blocks give them: where their files come from.
    #[serde(default)]
    pub models: std::collections::BTreeMap<String, crate::pretrained::ModelSource>,
    #[serde(rename = "command")]
    _command: Option<toml::Value>,
    #[serde(rename = "after")]
    _after: Option<toml::Value>,
    #[serde(rename = "before")]
    _before: Option<toml::Value>,
    #[serde(rename = "renderers")]
    _renderers: Option<toml::Value>,
    #[serde(rename = "optional")]
    _optional: Option<toml::Value>,
}

/// The keys of [`Config`], for "did you mean".
const CONFIG_KEYS: &[&str] = &[
    "examples",
    "assets-version",
    "deny-warnings",
    "models",
    "command",
    "after",
    "before",
    "renderers",
    "optional",
];

impl Config {
    /// Reads the table, with messages in the author's terms.
    pub fn from_table(table: toml::Table) -> anyhow::Result<Config> {
        if let Some(key) = table.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())) {
            bail!(
                "book.toml: unknown key `{key}` in [preprocessor.attention]{} — the keys are {}",
                suggest(key, CONFIG_KEYS),
                CONFIG_KEYS.join(", ")
            );
        }
        if table.get("deny-warnings").is_some_and(|v| !v.is_bool()) {
            bail!(
                "book.toml: `deny-warnings` in [preprocessor.attention] is true or false, like `deny-warnings = true`"
            );
        }
        if table.get("examples").is_some_and(|v| !v.is_str()) {
            bail!(
                "book.toml: `examples` in [preprocessor.attention] must be a path in quotes, like `examples = \"src/examples.toml\"`"
            );
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e| anyhow::anyhow!("book.toml: [preprocessor.attention]: {e}"))?;
        for (name, source) in &config.models {
            source.check(name).map_err(anyhow::Error::msg)?;
        }
        Ok(config)
    }
}

pub struct AttentionPreprocessor;

/// Reads `[preprocessor.attention]`: checks its keys, warns on stderr when the installed assets
/// are stale, and loads the named examples it points to, with the problems found in them.
pub fn read_config(ctx: &PreprocessorContext) -> anyhow::Result<(Examples, Vec<Diagnostic>)> {
    read_config_with(ctx, false)
}

/// [`read_config`]; with `keep_false_claims`, examples whose claims are false are computed all
/// the same (for `diff`).
fn read_config_with(
    ctx: &PreprocessorContext,
    keep_false_claims: bool,
) -> anyhow::Result<(Examples, Vec<Diagnostic>)> {
    let config = config_of(ctx)?;
    if let Some(warning) = crate::assets::stale_assets_warning(config.assets_version.as_deref()) {
        eprintln!("{warning}");
    }
    let models = crate::block::Models {
        sources: config.models.clone(),
        root: ctx.root.clone(),
        ..Default::default()
    };
    let Some(rel) = config.examples else {
        let mut examples = Examples::default();
        examples.models = models;
        return Ok((examples, Vec::new()));
    };
    let path = ctx.root.join(&rel);
    if !path.exists() {
        bail!(
            "book.toml: `examples = \"{rel}\"` names {}, which does not exist — create it or fix the path",
            path.display()
        );
    }
    // The models first: an example may be a block on one.
    Ok(Examples::load_with(&path, &rel, keep_false_claims, models))
}

/// `[preprocessor.attention]` of the book being processed.
fn config_of(ctx: &PreprocessorContext) -> anyhow::Result<Config> {
    let table: Option<toml::Table> = ctx
        .config
        .get(&format!("preprocessor.{NAME}"))
        .context("cannot read [preprocessor.attention] in book.toml")?;
    Config::from_table(table.unwrap_or_default())
}

/// Whether problems stop the build: any error, or any warning when warnings are denied.
pub fn stops(problems: &[Diagnostic], deny_warnings: bool) -> bool {
    problems
        .iter()
        .any(|d| d.level == Level::Error || deny_warnings)
}

/// Makes `[preprocessor.attention]` run after mdBook's `links`, so blocks and inline values that
/// `{{#include}}` brings in are processed, whatever the book's own config says.
pub fn order_after_links(config: &mut mdbook_preprocessor::config::Config) -> anyhow::Result<()> {
    if !config.build.use_default_preprocessors {
        return Ok(());
    }
    let key = format!("preprocessor.{NAME}.after");
    let mut after: Vec<String> = config.get(&key).ok().flatten().unwrap_or_default();
    if !after.iter().any(|a| a == "links") {
        after.push("links".into());
        config
            .set(&key, after)
            .context("cannot order the attention preprocessor after links")?;
    }
    Ok(())
}

/// The Markdown options mdBook's HTML renderer will use for this book.
fn markdown_options(
    config: &mdbook_preprocessor::config::Config,
) -> mdbook_markdown::MarkdownOptions {
    let mut options = mdbook_markdown::MarkdownOptions::default();
    let flag = |key: &str, default: bool| -> bool {
        config
            .get(&format!("output.html.{key}"))
            .ok()
            .flatten()
            .unwrap_or(default)
    };
    options.smart_punctuation = flag("smart-punctuation", options.smart_punctuation);
    options.definition_lists = flag("definition-lists", options.definition_lists);
    options.admonitions = flag("admonitions", options.admonitions);
    options
}

/// Whether this book's config runs `links` before us (the stock CLI follows the config).
fn runs_after_links(config: &mdbook_preprocessor::config::Config) -> bool {
    if !config.build.use_default_preprocessors {
        return true;
    }
    let list = |key: &str| -> Vec<String> { config.get(key).ok().flatten().unwrap_or_default() };
    list(&format!("preprocessor.{NAME}.after"))
        .iter()
        .any(|a| a == "links")
        || list("preprocessor.links.before").iter().any(|b| b == NAME)
}

/// A directive of mdBook's `links` preprocessor still in a chapter, with its 1-based line, whose
/// file holds an attention block or an inline value: only that needs `links` to run first.
/// Everything else (a book that adopts the preprocessor and includes Rust code) passes through.
fn unexpanded_directive<'a>(content: &'a str, chapter_dir: &Path) -> Option<(usize, &'a str)> {
    content.lines().enumerate().find_map(|(i, line)| {
        let directive = ["{{#include", "{{#rustdoc_include", "{{#playground"]
            .into_iter()
            .find(|d| line.contains(*d) && !line.contains(&format!("\\{}", &d[..])))?;
        // `{{#include file.md:6:9}}`: the file is the first word, up to a `:` or the braces.
        let rest = &line[line.find(directive)? + directive.len()..];
        let file = rest
            .trim_start()
            .split(|c: char| c.is_whitespace() || c == '}' || c == ':')
            .next()
            .unwrap_or("");
        let text = crate::files::read_text(&chapter_dir.join(file), crate::files::TEXT_LIMIT)
            .unwrap_or_default();
        let has_attention = text.contains("```attention")
            || text.contains("~~~attention")
            || text.contains("`attn:");
        has_attention.then_some((i + 1, directive))
    })
}

/// One error for all problems, compiler style, quoting the lines of the book's files under
/// `root`.
pub fn report(problems: Vec<Diagnostic>, root: &Path) -> anyhow::Error {
    let read =
        |path: &str| crate::files::read_text(&root.join(path), crate::files::TEXT_LIMIT).ok();
    anyhow::anyhow!(
        "{}",
        crate::report::render_for_build(&problems, &read, crate::report::Style::for_stderr())
    )
}

/// Runs the attention blocks of every chapter of a preprocessed book; returns the book with
/// widgets (unless only checking) and every problem found.
fn process_book(
    ctx: &PreprocessorContext,
    mut book: Book,
    checking: bool,
    keep_false_examples: bool,
    mut ledger: Option<&mut Ledger>,
) -> anyhow::Result<(Book, Vec<Diagnostic>)> {
    // `diff` compares numbers: a revision whose example has a false claim still has them.
    let (examples, mut problems) = read_config_with(ctx, keep_false_examples)?;
    if let Some(ledger) = ledger.as_deref_mut() {
        // The examples' own claims, which hold unless a problem names their line.
        let mut keys = crate::ledger::Keys::default();
        for claim in examples.claims() {
            let place = &claim.place;
            ledger.claims.push(crate::ledger::ClaimRecord {
                file: place.path.to_string(),
                line: place.line,
                text: claim.value.clone(),
                holds: !problems
                    .iter()
                    .any(|d| d.place.path == place.path && d.place.line == place.line),
                key: keys.key(format!("{}\u{0}{}", place.path, claim.value)),
            });
        }
    }
    let output = if checking {
        Output::Check
    } else if ctx.renderer == "html" {
        Output::Html
    } else {
        Output::StaticMarkdown
    };
    let src_dir = ctx
        .config
        .book
        .src
        .to_string_lossy()
        .trim_end_matches('/')
        .to_string();
    let after_links = runs_after_links(&ctx.config);
    let options = markdown_options(&ctx.config);
    // Every cross-reference against the chapters and headings it names, on the text as written.
    {
        let shown: Vec<(PathBuf, String, String)> = book
            .iter()
            .filter_map(|item| match item {
                mdbook_preprocessor::book::BookItem::Chapter(ch) => {
                    ch.source_path.as_ref().map(|s| {
                        (
                            s.clone(),
                            format!("{src_dir}/{}", s.to_string_lossy()),
                            ch.content.clone(),
                        )
                    })
                }
                _ => None,
            })
            .collect();
        let chapters: Vec<crate::links::Chapter> = shown
            .iter()
            .map(|(source, shown, content)| crate::links::Chapter {
                source,
                shown,
                content,
            })
            .collect();
        problems.extend(crate::links::check(&chapters, &options));
    }
    book.for_each_chapter_mut(|ch| {
        let Some(source) = &ch.source_path else {
            return;
        };
        let shown = format!("{src_dir}/{}", source.to_string_lossy());
        // Before `links`, an included file's blocks would be published as raw code.
        let chapter_dir = ctx.root.join(&src_dir).join(source);
        let chapter_dir = chapter_dir.parent().unwrap_or(&ctx.root);
        if !after_links
            && let Some((line, directive)) = unexpanded_directive(&ch.content, chapter_dir)
        {
            problems.push(Diagnostic::new(
                crate::source::Place::line(std::sync::Arc::from(shown.as_str()), line),
                format!(
                    "`{directive} …}}}}` is not expanded yet: in this book the attention preprocessor runs before mdBook's `links`, so the blocks it includes would be published as raw code — add `after = [\"links\"]` to [preprocessor.attention] in book.toml"
                ),
            ));
            return;
        }
        let (content, mut p) = chapter::process_all(
            &ch.content,
            &shown,
            &examples,
            output,
            &options,
            ledger.as_deref_mut(),
        );
        if !p.is_empty() {
            // A problem in an included file is reported at that file's own line.
            let chapter_file = ctx.root.join(&src_dir).join(source);
            if let (Ok(original), Some(dir)) =
                (crate::files::read_text(&chapter_file, crate::files::TEXT_LIMIT), chapter_file.parent())
            {
                let found = crate::includes::inclusions(&original, &ch.content, &shown, dir);
                crate::includes::relocate(&mut p, &shown, &found);
            }
        }
        if !checking {
            ch.content = content;
        }
        problems.append(&mut p);
    });
    Ok((book, problems))
}

/// The preprocessor of `check`: computes and checks everything, renders nothing, and hands
/// the problems over instead of failing.
pub struct CheckingPreprocessor(
    pub std::sync::Arc<std::sync::Mutex<Checked>>,
    /// Whether an example with a false claim is computed all the same (for `diff`).
    pub bool,
);

/// What `check` found: every problem, whether the book denies warnings, and every number the
/// book shows.
#[derive(Debug, Default, Clone)]
pub struct Checked {
    pub problems: Vec<Diagnostic>,
    pub deny_warnings: bool,
    pub ledger: Ledger,
}

impl Preprocessor for CheckingPreprocessor {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> anyhow::Result<Book> {
        let mut ledger = Ledger::default();
        let keep = self.1;
        let (book, problems) = process_book(ctx, book, true, keep, Some(&mut ledger))?;
        let deny_warnings = config_of(ctx)?.deny_warnings;
        if let Ok(mut sink) = self.0.lock() {
            sink.problems.extend(problems);
            sink.deny_warnings |= deny_warnings;
            sink.ledger = ledger;
        }
        Ok(book)
    }
}

/// Parses and computes every block, inline value and claim of a book, as `build` would, and
/// returns every problem; renders nothing.
pub fn check(book_dir: &Path) -> anyhow::Result<Checked> {
    check_with(book_dir, false)
}

/// [`check`]; with `keep_false_examples`, an example whose claim is false is computed all the
/// same, so what uses it is compared too (for `diff`).
fn check_with(book_dir: &Path, keep_false_examples: bool) -> anyhow::Result<Checked> {
    let sink = std::sync::Arc::new(std::sync::Mutex::new(Checked::default()));
    let mut book = load_with(
        book_dir,
        None,
        CheckingPreprocessor(sink.clone(), keep_false_examples),
    )?;
    // Preprocessors run per renderer; the HTML one is the one that matters.
    book.with_renderer(CheckRenderer);
    book.preprocess_book(&CheckRenderer)?;
    let checked = sink.lock().map(|p| p.clone()).unwrap_or_default();
    Ok(checked)
}

/// Every figure, inline value and claim of a book, with its problems: what `diff` compares.
pub fn ledger(book_dir: &Path) -> anyhow::Result<(Ledger, Vec<Diagnostic>)> {
    let checked = check_with(book_dir, true)?;
    Ok((checked.ledger, checked.problems))
}

/// Stands for the HTML renderer while checking: preprocessors see the name "html".
struct CheckRenderer;

impl mdbook_renderer::Renderer for CheckRenderer {
    fn name(&self) -> &str {
        "html"
    }
    fn render(&self, _: &mdbook_renderer::RenderContext) -> anyhow::Result<()> {
        Ok(())
    }
}

impl Preprocessor for AttentionPreprocessor {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> anyhow::Result<Book> {
        let (book, problems) = process_book(ctx, book, false, false, None)?;
        if stops(&problems, config_of(ctx)?.deny_warnings) {
            return Err(report(problems, &ctx.root));
        }
        if !problems.is_empty() {
            // Warnings only: said, and the book is built.
            eprintln!("{}", report(problems, &ctx.root));
        }
        Ok(book)
    }

    /// Every renderer: HTML gets the widgets, the others a static Markdown form.
    fn supports_renderer(&self, _renderer: &str) -> anyhow::Result<bool> {
        Ok(true)
    }
}

/// Loads a book with our preprocessor registered in-process.
pub fn load(book_dir: &Path, dest_dir: Option<&Path>) -> anyhow::Result<MDBook> {
    load_with(book_dir, dest_dir, AttentionPreprocessor)
}

fn load_with(
    book_dir: &Path,
    dest_dir: Option<&Path>,
    preprocessor: impl Preprocessor + 'static,
) -> anyhow::Result<MDBook> {
    if !book_dir.join("book.toml").exists() {
        bail!(
            "{} has no book.toml — pass the folder of an mdBook, e.g. `mdbook-attention build path/to/book`",
            book_dir.display()
        );
    }
    let config_file = book_dir.join("book.toml");
    let mut config = mdbook_driver::config::Config::from_disk(&config_file)
        .with_context(|| format!("cannot read {}", config_file.display()))?;
    config.update_from_env()?;
    order_after_links(&mut config)?;
    let mut book = MDBook::load_with_config(book_dir, config)
        .with_context(|| format!("cannot load the book in {}", book_dir.display()))?;
    if let Some(dest) = dest_dir {
        book.config.build.build_dir = std::env::current_dir()?.join(dest);
    }
    book.with_preprocessor(preprocessor);
    Ok(book)
}

/// Builds a book in-process and returns where it was written.
pub fn build(book_dir: &Path, dest_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    build_with(book_dir, dest_dir, false)
}

/// Builds a book in-process; with `deny_warnings`, a warning stops it as an error would.
pub fn build_with(
    book_dir: &Path,
    dest_dir: Option<&Path>,
    deny_warnings: bool,
) -> anyhow::Result<PathBuf> {
    let mut book = load(book_dir, dest_dir)?;
    if deny_warnings {
        book.config
            .set(format!("preprocessor.{NAME}.deny-warnings"), true)
            .context("cannot deny warnings")?;
    }
    book.build()?;
    unpublish_examples(&book)?;
    Ok(book.build_dir_for("html"))
}

/// mdBook copies every file of `src` that is not a chapter into the published book; the named
/// examples are the author's source, not the reader's, so a build through this tool takes them
/// out again (a stock `mdbook build` cannot: keep them outside `src` there).
pub fn unpublish_examples(book: &MDBook) -> anyhow::Result<()> {
    let Ok(Some(examples)) = book
        .config
        .get::<String>(&format!("preprocessor.{NAME}.examples"))
    else {
        return Ok(());
    };
    let src = book.root.join(&book.config.book.src);
    let Ok(inside) = book
        .root
        .join(&examples)
        .strip_prefix(&src)
        .map(Path::to_path_buf)
    else {
        return Ok(());
    };
    if inside.as_os_str().is_empty()
        || inside
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Ok(());
    }
    let published = book.build_dir_for("html").join(&inside);
    let removed = if published.is_dir() {
        std::fs::remove_dir_all(&published)
    } else if published.exists() {
        std::fs::remove_file(&published)
    } else {
        Ok(())
    };
    removed.with_context(|| format!("cannot take {} out of the built book", published.display()))
}

/// The models book.toml names in `[preprocessor.attention.models]`.
pub fn models_of(
    book_dir: &Path,
) -> anyhow::Result<std::collections::BTreeMap<String, crate::pretrained::ModelSource>> {
    let path = book_dir.join("book.toml");
    let text = crate::files::read_text(&path, crate::files::TEXT_LIMIT)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let book: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let table = book
        .get("preprocessor")
        .and_then(|p| p.get(NAME))
        .and_then(|a| a.as_table())
        .cloned()
        .unwrap_or_default();
    Ok(Config::from_table(table)?.models)
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn every_listed_key_is_a_field_of_the_config_and_no_other_key_is() {
        for key in CONFIG_KEYS {
            let mut table = toml::Table::new();
            let value = match *key {
                "deny-warnings" => toml::Value::Boolean(true),
                "models" => toml::Value::Table(toml::Table::new()),
                _ => toml::Value::String("x".into()),
            };
            table.insert(key.to_string(), value);
            assert!(Config::from_table(table).is_ok(), "{key}");
        }
        let mut table = toml::Table::new();
        table.insert("exmaples".into(), toml::Value::String("x".into()));
        let e = Config::from_table(table).unwrap_err().to_string();
        assert!(e.contains("did you mean `examples`"), "{e}");
        let mut table = toml::Table::new();
        table.insert("assets-version".into(), toml::Value::Integer(3));
        let e = Config::from_table(table).unwrap_err().to_string();
        assert!(e.contains("assets-version") || e.contains("string"), "{e}");
    }
}
