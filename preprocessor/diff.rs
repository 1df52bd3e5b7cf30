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
    // Resolved first, whatever the syntax (`:/init`, `HEAD~2`, a tag), and never read as an
    // option: what git is given afterwards is the commit's name.
    let resolved = git(
        book_dir,
        &["rev-parse", "--verify", "--quiet", "--end-of-options", rev],
    )?;
    let object = String::from_utf8_lossy(&resolved.stdout).trim().to_string();
    let commit = if resolved.status.success() && !object.is_empty() {
        git(
            book_dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{object}^{{commit}}"),
            ],
        )?
    } else {
        resolved
    };
    let commit_id = String::from_utf8_lossy(&commit.stdout).trim().to_string();
    if !commit.status.success() || commit_id.is_empty() {
        bail!(
            "the revision `{rev}` names no commit in this repository — give a branch, tag or commit, like `--base origin/main` (in CI, fetch the base branch first)"
        );
    }
    // Only the book's folder, streamed from git to disk: the rest of the repository (a large
    // file beside the book) is neither read nor held in memory.
    let mut args = vec!["archive", "--format=tar", commit_id.as_str()];
    if !prefix.is_empty() {
        args.extend(["--", prefix.as_str()]);
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("cannot run git — `diff --base` needs git on the PATH")?;
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let mut archive = tar::Archive::new(child.stdout.take().expect("piped"));
    let unpacked = archive
        .unpack(dir.path())
        .with_context(|| format!("cannot unpack `{rev}`"));
    // tar stops at the end-of-archive marker; git may still be writing the padding after it,
    // and would die of a broken pipe (failing with nothing said) if no one read it.
    let _ = std::io::copy(&mut archive.into_inner(), &mut std::io::sink());
    let finished = child
        .wait_with_output()
        .context("git archive did not finish")?;
    let said = String::from_utf8_lossy(&finished.stderr);
    if !finished.status.success() && said.contains("did not match") {
        bail!("at `{rev}` there is no {prefix} — the book did not exist there yet");
    }
    if !finished.status.success() {
        bail!(
            "git could not read `{rev}`: {}",
            crate::report::escaped(String::from_utf8_lossy(&finished.stderr).trim())
        );
    }
    unpacked?;
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
        .filter(|d| d.level == crate::source::Level::Error)
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
    let text = crate::format::human(x);
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

/// `s` as a Markdown code span that nothing in it can close: fenced by one backtick more than
/// its longest run of backticks, padded when it starts or ends with one.
fn markdown_code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// `s` as Markdown text that reads as itself, in the middle of a line: each character that can
/// open a link, an image, HTML, an entity, emphasis or code is escaped (as CommonMark allows), so
/// `![](…)`, `<img>`, `[x](…)` and `*` reach the page as typed and a path stays readable.
fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_[]<>&|~!#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for a terminal or Markdown for a pull request: the same lines, in lists and code.
fn text(report: &Report, markdown: bool) -> String {
    let c = &report.changes;
    let mut out = String::new();
    // Author text in a pull request's comment is text: a code span no backtick in it can close,
    // and elsewhere every ASCII punctuation escaped, so no link, image or HTML tag can form.
    let code = |s: &str| {
        if markdown {
            markdown_code(s)
        } else {
            s.to_string()
        }
    };
    let plain = |s: &str| {
        if markdown {
            markdown_text(s)
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
        let _ = writeln!(
            out,
            "\nBase {}, head {}.",
            plain(&report.base),
            plain(&report.head)
        );
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
                plain(&v.file),
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
                plain(&f.file),
                f.line,
                plain(&f.name),
                fields.join(", ")
            );
            for m in f.strongest.iter().take(5) {
                let side = |s: &Option<(String, f64)>| {
                    s.as_ref().map_or("nothing".to_string(), |(t, w)| {
                        format!("{} {}", plain(t), fmt(*w))
                    })
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
                let _ = writeln!(out, "{item}{}:{line} {}", plain(file), plain(name));
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
                    plain(&claim.file),
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

#[cfg(test)]
mod tests {
    use super::{markdown_code, markdown_text};
    use mdbook_markdown::pulldown_cmark::{Event, Parser};

    /// What a Markdown renderer makes of `md`: the text and code it shows, and any other event
    /// (a link, an image, HTML) as a failure.
    fn shown(md: &str) -> String {
        Parser::new(md)
            .map(|e| match e {
                Event::Text(t) | Event::Code(t) => t.to_string(),
                Event::Start(_) | Event::End(_) => String::new(),
                other => panic!("{md:?} made {other:?}"),
            })
            .collect()
    }

    #[test]
    fn author_text_reaches_markdown_as_itself() {
        for hostile in [
            "a`b",
            "`![x](https://evil.example/p.png)`",
            "<img src=x onerror=alert(1)>",
            "[click](https://evil.example)",
            "``",
            "*bold* _it_ # h",
            "&amp; &lt;",
        ] {
            assert_eq!(
                shown(&markdown_code(hostile)).trim(),
                hostile.trim(),
                "{hostile}"
            );
            assert_eq!(shown(&markdown_text(hostile)), hostile, "{hostile}");
        }
    }
}
