//! Where included text came from. mdBook's `links` preprocessor replaces `{{#include FILE}}` by
//! the file's text before we see the chapter; this maps lines of the expanded chapter back to the
//! included file, so a problem in an included block is reported at its own file and line, with
//! the line that included it.

use crate::spec::source::Diagnostic;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// One `{{#include}}` found in the expanded chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inclusion {
    /// The included file as messages name it (`src/parts/intro.md`).
    pub file: String,
    /// The first line of the included text in the expanded chapter (1-based).
    pub first_line: usize,
    /// For each line of the included text, its line in the included file (1-based): a line range
    /// or an anchor (`FILE:10:20`, `FILE:name`) brings in only some lines of the file.
    pub file_lines: Vec<usize>,
    /// The line of the chapter that includes it.
    pub included_at: usize,
}

/// Joins and tidies a relative path (`src/a/../b.md` → `src/b.md`), without touching the disk.
fn tidy(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The file a line holding only an include directive names: `{{#include FILE}}`,
/// `{{#include FILE:anchor}}`, `{{#include FILE:1:5}}`; `None` for anything else.
fn directive_file(line: &str) -> Option<&str> {
    let inner = line
        .trim()
        .strip_prefix("{{#include ")?
        .strip_suffix("}}")?
        .trim();
    let file = inner.split(':').next()?.trim();
    (!file.is_empty()).then_some(file)
}

/// The lines `{{#include}}` brought into `expanded` (the chapter after `links`), found by
/// walking `original` (the chapter as written) beside it: lines that are not directives match
/// one for one, and what a directive became runs up to the line that follows it. Each included
/// line is then found in its file, in order, so ranges and anchors map too. `chapter` is the
/// chapter's path as messages name it and `chapter_dir` the folder it is read from.
pub fn inclusions(
    original: &str,
    expanded: &str,
    chapter: &str,
    chapter_dir: &Path,
) -> Vec<Inclusion> {
    let before: Vec<&str> = original.lines().collect();
    let after: Vec<&str> = expanded.lines().collect();
    let shown_dir = Path::new(chapter).parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    let mut at = 0; // index into `after`
    for (i, line) in before.iter().enumerate() {
        let Some(file) = directive_file(line) else {
            // An ordinary line: the same line in the expanded text, if the walk is in step.
            if after.get(at) == Some(line) {
                at += 1;
            }
            continue;
        };
        // The included text runs until the next original line appears (or to the end).
        let end = match before.get(i + 1) {
            Some(next) => (at..after.len())
                .find(|&j| after[j] == *next)
                .unwrap_or(after.len()),
            None => after.len(),
        };
        let region = &after[at..end];
        let text = crate::files::read_text(&chapter_dir.join(file), crate::files::TEXT_LIMIT)
            .unwrap_or_default();
        let file_text: Vec<&str> = text.lines().collect();
        let mut cursor = 0;
        let mut file_lines = Vec::with_capacity(region.len());
        for piece in region {
            match (cursor..file_text.len()).find(|&k| file_text[k] == *piece) {
                Some(k) => {
                    file_lines.push(k + 1);
                    cursor = k + 1;
                }
                None => break,
            }
        }
        if !region.is_empty() && file_lines.len() == region.len() {
            found.push(Inclusion {
                file: tidy(&shown_dir.join(file)).to_string_lossy().into_owned(),
                first_line: at + 1,
                file_lines,
                included_at: i + 1,
            });
        }
        at = end;
    }
    found
}

/// Moves problems that lie in included text to the included file and its own line, and those
/// after an inclusion back to the chapter's own line (each directive line became several).
pub fn relocate(problems: &mut [Diagnostic], chapter: &str, inclusions: &[Inclusion]) {
    for d in problems.iter_mut() {
        if &*d.place.path != chapter {
            continue;
        }
        let line = d.place.line;
        if let Some(inc) = inclusions
            .iter()
            .find(|inc| (inc.first_line..inc.first_line + inc.file_lines.len()).contains(&line))
        {
            d.place.path = Arc::from(inc.file.as_str());
            d.place.line = inc.file_lines[line - inc.first_line];
            d.message
                .push_str(&format!(" (included from {chapter}:{})", inc.included_at));
        } else if let Some(inc) = inclusions
            .iter()
            .filter(|inc| inc.first_line + inc.file_lines.len() <= line)
            .max_by_key(|inc| inc.first_line)
        {
            // The last inclusion above: the expanded line after its text is the line after
            // its directive.
            d.place.line = inc.included_at + (line - (inc.first_line + inc.file_lines.len() - 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_lines_map_back_to_their_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("parts")).unwrap();
        std::fs::write(
            dir.path().join("parts/one.md"),
            "```attention\nbad = 1\n```\n",
        )
        .unwrap();
        let original = "# C\n\nIntro.\n\n{{#include parts/one.md}}\n\nAfter.\n";
        let expanded = "# C\n\nIntro.\n\n```attention\nbad = 1\n```\n\nAfter.\n";
        let found = inclusions(original, expanded, "src/c.md", dir.path());
        assert_eq!(
            found,
            [Inclusion {
                file: "src/parts/one.md".into(),
                first_line: 5,
                file_lines: vec![1, 2, 3],
                included_at: 5,
            }]
        );
        let mut problems = vec![
            Diagnostic::new(
                crate::spec::source::Place::line(Arc::from("src/c.md"), 6),
                "unknown key `bad`",
            ),
            Diagnostic::new(
                crate::spec::source::Place::line(Arc::from("src/c.md"), 9),
                "after",
            ),
        ];
        relocate(&mut problems, "src/c.md", &found);
        assert_eq!(
            problems[0].to_string(),
            "src/parts/one.md:2: unknown key `bad` (included from src/c.md:5)"
        );
        // Line 9 of the expanded chapter ("After.", below the three included lines 5–7) is
        // line 7 of the chapter itself.
        assert_eq!(problems[1].to_string(), "src/c.md:7: after");
    }

    #[test]
    fn anchors_and_line_ranges_map_to_the_lines_they_took() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("parts.md"),
            "intro\n<!-- ANCHOR: fig -->\n```attention\nbad = 1\n```\n<!-- ANCHOR_END: fig -->\nrest\n",
        )
        .unwrap();
        let original = "# C\n\n{{#include parts.md:fig}}\n\nAfter.\n{{#include parts.md:7:7}}\n";
        let expanded = "# C\n\n```attention\nbad = 1\n```\n\nAfter.\nrest\n";
        let found = inclusions(original, expanded, "src/c.md", dir.path());
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            (found[0].first_line, found[0].file_lines.clone()),
            (3, vec![3, 4, 5])
        );
        assert_eq!(
            (found[1].first_line, found[1].file_lines.clone()),
            (8, vec![7])
        );
        let mut problems = vec![Diagnostic::new(
            crate::spec::source::Place::line(Arc::from("src/c.md"), 4),
            "unknown key `bad`",
        )];
        relocate(&mut problems, "src/c.md", &found);
        assert_eq!(
            problems[0].to_string(),
            "src/parts.md:4: unknown key `bad` (included from src/c.md:3)"
        );
    }

    #[test]
    fn escaped_includes_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let original = "\\{{#include x.md}}\n";
        assert!(inclusions(original, original, "src/c.md", dir.path()).is_empty());
    }
}
