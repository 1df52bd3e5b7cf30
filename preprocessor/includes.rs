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
    /// Its first line in the expanded chapter (1-based) and how many lines it spans.
    pub first_line: usize,
    pub lines: usize,
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

/// The whole-file `{{#include FILE}}` directives of `original` (a chapter as written), located in
/// `expanded` (the same chapter after `links`). `chapter` is the chapter's path as messages name
/// it and `chapter_dir` the folder it is read from. Includes of parts of a file (`FILE:anchor`,
/// line ranges) are left out: their text cannot be told apart reliably.
pub fn inclusions(
    original: &str,
    expanded: &str,
    chapter: &str,
    chapter_dir: &Path,
) -> Vec<Inclusion> {
    let mut found = Vec::new();
    let mut cursor = 0;
    for (i, line) in original.lines().enumerate() {
        let Some(start) = line.find("{{#include ") else {
            continue;
        };
        if line[..start].ends_with('\\') {
            continue;
        }
        let Some(end) = line[start..].find("}}") else {
            continue;
        };
        let target = line[start + "{{#include ".len()..start + end].trim();
        if target.is_empty() || target.contains(':') {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(chapter_dir.join(target)) else {
            continue;
        };
        let text = text.trim_end();
        if text.is_empty() {
            continue;
        }
        let Some(at) = expanded[cursor..].find(text).map(|p| p + cursor) else {
            continue;
        };
        cursor = at + text.len();
        let shown_dir = Path::new(chapter).parent().unwrap_or(Path::new(""));
        found.push(Inclusion {
            file: tidy(&shown_dir.join(target)).to_string_lossy().into_owned(),
            first_line: expanded[..at].matches('\n').count() + 1,
            lines: text.lines().count(),
            included_at: i + 1,
        });
    }
    found
}

/// Moves problems that lie in included text to the included file and its own line.
pub fn relocate(problems: &mut [Diagnostic], chapter: &str, inclusions: &[Inclusion]) {
    for d in problems.iter_mut() {
        if &*d.place.path != chapter {
            continue;
        }
        let line = d.place.line;
        if let Some(inc) = inclusions
            .iter()
            .find(|inc| (inc.first_line..inc.first_line + inc.lines).contains(&line))
        {
            d.place.path = Arc::from(inc.file.as_str());
            d.place.line = line - inc.first_line + 1;
            d.message
                .push_str(&format!(" (included from {chapter}:{})", inc.included_at));
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
                lines: 3,
                included_at: 5,
            }]
        );
        let mut problems = vec![
            Diagnostic::new(
                crate::spec::source::Place {
                    path: Arc::from("src/c.md"),
                    line: 6,
                },
                "unknown key `bad`",
            ),
            Diagnostic::new(
                crate::spec::source::Place {
                    path: Arc::from("src/c.md"),
                    line: 9,
                },
                "after",
            ),
        ];
        relocate(&mut problems, "src/c.md", &found);
        assert_eq!(
            problems[0].to_string(),
            "src/parts/one.md:2: unknown key `bad` (included from src/c.md:5)"
        );
        assert_eq!(problems[1].to_string(), "src/c.md:9: after");
    }

    #[test]
    fn escaped_and_partial_includes_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let original = "\\{{#include x.md}}\n{{#include y.md:anchor}}\n";
        assert!(inclusions(original, original, "src/c.md", dir.path()).is_empty());
    }
}
