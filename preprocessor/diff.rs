//! `diff`: what numbers did this change move? Both versions of the book are computed without
//! rendering (a revision is read with `git archive` into a temporary folder; nothing is written
//! to the repository) and their ledgers compared: inline values whose value changed, figures
//! whose numbers changed (which fields, how many cells, the largest change, where each token
//! now attends most), figures added and removed, claims added, removed, newly failing.
//! Written as text for a terminal, Markdown for a pull request, or JSON for tools.

use crate::format::{fmt, fmt_opt};
use crate::ledger::{Changes, Ledger, compare};
use anyhow::{Context, bail};
use serde::Serialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How `diff` writes what it found.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// One side of the comparison.
#[derive(Debug, Clone)]
pub enum Side {
    /// A revision of the git repository that holds the book.
    Revision(String),
    /// A folder as it is on disk (any book folder).
    Folder(PathBuf),
    /// The working tree of the repository, uncommitted changes included.
    WorkingTree(PathBuf),
}

impl Side {
    fn describe(&self) -> String {
        match self {
            Side::Revision(rev) => format!("`{rev}`"),
            Side::Folder(dir) => format!("{}", dir.display()),
            Side::WorkingTree(_) => "the working tree".to_string(),
        }
    }
}

/// A side's book, ready to compute: a temporary copy for a revision.
struct Checkout {
    book: PathBuf,
    _keep: Option<tempfile::TempDir>,
}

fn git(repo: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("cannot run git — `diff --base` needs git on the PATH")
}

/// The book folder of `book_dir` as it is at `rev`, read with `git archive`.
fn checkout(book_dir: &Path, rev: &str) -> anyhow::Result<Checkout> {
    let top = git(book_dir, &["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        bail!(
            "{} is not in a git repository — give two book folders instead: `mdbook-attention diff OLD_BOOK NEW_BOOK`",
            book_dir.display()
        );
    }
    // `git archive` run inside a subfolder archives only that folder: run it at the top.
    let top = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
    let prefix = git(book_dir, &["rev-parse", "--show-prefix"])?;
    let prefix = String::from_utf8_lossy(&prefix.stdout).trim().to_string();
    let exists = git(
        book_dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    if !exists.status.success() {
        bail!(
            "the revision `{rev}` does not exist in this repository — give a branch, tag or commit, like `--base origin/main` (in CI, fetch the base branch first)"
        );
    }
    let archive = git(&top, &["archive", "--format=tar", rev])?;
    if !archive.status.success() {
        bail!(
            "git could not read `{rev}`: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        );
    }
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    tar::Archive::new(archive.stdout.as_slice())
        .unpack(dir.path())
        .with_context(|| format!("cannot unpack `{rev}`"))?;
    let book = dir.path().join(&prefix);
    if !book.join("book.toml").exists() {
        bail!(
            "at `{rev}` there is no book.toml in {} — the book did not exist there yet",
            if prefix.is_empty() {
                "the repository's root"
            } else {
                prefix.as_str()
            }
        );
    }
    Ok(Checkout {
        book,
        _keep: Some(dir),
    })
}

fn materialise(book_dir: &Path, side: &Side) -> anyhow::Result<Checkout> {
    match side {
        Side::Revision(rev) => checkout(book_dir, rev),
        Side::Folder(dir) | Side::WorkingTree(dir) => {
            if !dir.join("book.toml").exists() {
                bail!(
                    "{} has no book.toml — pass the folder of an mdBook",
                    dir.display()
                );
            }
            Ok(Checkout {
                book: dir.clone(),
                _keep: None,
            })
        }
    }
}

/// Computes one side; a side whose book does not compute is an error that says which.
fn ledger_of(which: &str, side: &Side, checkout: &Checkout) -> anyhow::Result<Ledger> {
    let (ledger, problems) = crate::mdbook::ledger(&checkout.book)
        .with_context(|| format!("the {which} ({}) cannot be read", side.describe()))?;
    // A false claim is a change to report (its numbers were kept); anything else means the
    // side has no numbers to compare.
    let broken: Vec<_> = problems
        .into_iter()
        .filter(|d| d.level == crate::spec::source::Level::Error)
        .filter(|d| {
            !ledger
                .claims
                .iter()
                .any(|c| !c.holds && c.file == *d.place.path && c.line == d.place.line)
        })
        .collect();
    if !broken.is_empty() {
        let read = |path: &str| {
            crate::files::read_text(&checkout.book.join(path), crate::files::TEXT_LIMIT).ok()
        };
        bail!(
            "the {which} ({}) does not compute, so there is nothing to compare:\n{}",
            side.describe(),
            crate::report::render(&broken, &read, crate::report::Style::for_stderr())
        );
    }
    Ok(ledger)
}

/// What the two sides were and what changed.
#[derive(Serialize)]
pub struct Report {
    pub base: String,
    pub head: String,
    pub changes: Changes,
}

/// Computes both sides and compares them.
pub fn diff(book_dir: &Path, base: &Side, head: &Side) -> anyhow::Result<Report> {
    let old = materialise(book_dir, base)?;
    let new = materialise(book_dir, head)?;
    let old = ledger_of("base", base, &old)?;
    let new = ledger_of("head", head, &new)?;
    Ok(Report {
        base: base.describe(),
        head: head.describe(),
        changes: compare(&old, &new),
    })
}

/// An exact difference, signed, without float noise.
fn signed(x: f64) -> String {
    let text = crate::spec::expr::human(x);
    if x > 0.0 { format!("+{text}") } else { text }
}

/// The report in a format.
pub fn write(report: &Report, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
        // Token names and claims come from the chapters: a terminal or a review page shows their
        // control characters and direction overrides as escapes, never acts on them.
        Format::Text => crate::report::terminal_safe(&text(report, false)).into_owned(),
        Format::Markdown => crate::report::terminal_safe(&text(report, true)).into_owned(),
    }
}

/// Text for a terminal or Markdown for a pull request: the same lines, in lists and code.
fn text(report: &Report, markdown: bool) -> String {
    let c = &report.changes;
    let mut out = String::new();
    let code = |s: &str| {
        if markdown {
            format!("`{s}`")
        } else {
            s.to_string()
        }
    };
    let heading = |out: &mut String, title: String| {
        if markdown {
            let _ = writeln!(out, "\n#### {title}\n");
        } else {
            let _ = writeln!(out, "\n{title}");
        }
    };
    let item = if markdown { "- " } else { "  " };
    if markdown {
        let _ = writeln!(out, "### Numbers this change moves");
        let _ = writeln!(out, "\nBase {}, head {}.", report.base, report.head);
    } else {
        let _ = writeln!(
            out,
            "attention diff: base {} → head {}",
            report.base, report.head
        );
    }
    if c.is_empty() {
        let _ = writeln!(out, "\nno numbers changed");
        return out;
    }
    let (seen, unseen): (Vec<_>, Vec<_>) = c.values.iter().partition(|v| v.visible);
    if !c.values.is_empty() {
        heading(&mut out, format!("Inline values changed ({})", seen.len()));
        for v in &seen {
            let exact: Vec<String> = v.difference.iter().map(|d| signed(*d)).collect();
            let exact = if exact.is_empty() {
                String::new()
            } else {
                format!(" (exactly {})", exact.join(", "))
            };
            let _ = writeln!(
                out,
                "{item}{}:{} {}: {} → {}{exact}",
                v.file,
                v.line,
                code(&v.written),
                v.old,
                v.new
            );
        }
        if !unseen.is_empty() {
            let _ = writeln!(
                out,
                "{item}and {} more whose change lies beyond the digits shown (listed by `--format json`)",
                unseen.len()
            );
        }
    }
    if !c.figures.is_empty() {
        heading(
            &mut out,
            format!("Figures whose numbers changed ({})", c.figures.len()),
        );
        for f in &c.figures {
            let fields: Vec<String> = f
                .fields
                .iter()
                .map(|x| format!("{} {} of {} cells", x.field, x.cells, x.of))
                .collect();
            let largest = f
                .fields
                .iter()
                .filter_map(|x| match (x.largest.1, x.largest.2) {
                    (Some(a), Some(b)) => Some(((b - a).abs(), x)),
                    _ => None,
                })
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, x)| {
                    format!(
                        "; largest change {} {} → {}",
                        code(&x.largest.0),
                        fmt_opt(x.largest.1),
                        fmt_opt(x.largest.2)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{item}{}:{} {}: {}{largest}",
                f.file,
                f.line,
                f.name,
                fields.join(", ")
            );
            for m in f.strongest.iter().take(5) {
                let side = |s: &Option<(String, f64)>| {
                    s.as_ref()
                        .map_or("nothing".to_string(), |(t, w)| format!("{t} {}", fmt(*w)))
                };
                // Nested under the figure: a sub-item in Markdown, indented in text.
                let lead = if markdown { "  - " } else { "    " };
                let _ = writeln!(
                    out,
                    "{lead}where {} attends most: {} → {}",
                    code(&m.token),
                    side(&m.old),
                    side(&m.new)
                );
            }
            if f.strongest.len() > 5 {
                let lead = if markdown { "  - " } else { "    " };
                let _ = writeln!(out, "{lead}… and {} more tokens", f.strongest.len() - 5);
            }
        }
    }
    let places = |out: &mut String, title: &str, list: &[(String, usize, String)]| {
        if !list.is_empty() {
            heading(out, format!("{title} ({})", list.len()));
            for (file, line, name) in list {
                let _ = writeln!(out, "{item}{file}:{line} {name}");
            }
        }
    };
    places(&mut out, "Figures added", &c.figures_added);
    places(&mut out, "Figures removed", &c.figures_removed);
    let claims = |out: &mut String, title: &str, list: &[crate::ledger::ClaimRecord]| {
        if !list.is_empty() {
            heading(out, format!("{title} ({})", list.len()));
            for claim in list {
                let _ = writeln!(
                    out,
                    "{item}{}:{} {}",
                    claim.file,
                    claim.line,
                    code(&claim.text)
                );
            }
        }
    };
    claims(&mut out, "Claims newly failing", &c.claims_newly_failing);
    claims(&mut out, "Claims that hold again", &c.claims_now_holding);
    claims(&mut out, "Claims added", &c.claims_added);
    claims(&mut out, "Claims removed", &c.claims_removed);
    out
}
