//! Where included text came from. mdBook's `links` preprocessor replaces `{{#include FILE}}` by
//! the file's text before we see the chapter; this maps lines of the expanded chapter back to the
//! included file, so a problem in an included block is reported at its own file and line, with
//! the line that included it.

use crate::source::Diagnostic;
use std::path::Path;
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

/// The file and the part of it (`1:5`, `anchor`, or empty) a directive line names.
fn directive(line: &str) -> Option<(&str, &str)> {
    let inner = line
        .trim()
        .strip_prefix("{{#include ")?
        .strip_suffix("}}")?
        .trim();
    let (file, part) = inner.split_once(':').unwrap_or((inner, ""));
    let file = file.trim();
    (!file.is_empty()).then_some((file, part.trim()))
}

/// The lines of `file_text` that `{{#include FILE:part}}` brings in, each with its line in the
/// file (1-based), as mdBook's `links` takes them: the whole file, a range `a:b` (`a:`, `:b`,
/// `a` alone), or the lines between `ANCHOR: name` and `ANCHOR_END: name` with every anchor
/// line left out.
fn taken<'t>(file_text: &[&'t str], part: &str) -> Vec<(usize, &'t str)> {
    let all = || {
        file_text
            .iter()
            .copied()
            .enumerate()
            .map(|(k, l)| (k + 1, l))
    };
    if part.is_empty() {
        return all().collect();
    }
    let number = |s: &str| s.trim().parse::<usize>().ok();
    let (a, b) = part.split_once(':').unwrap_or((part, part));
    if number(a).is_some() || number(b).is_some() || (a.is_empty() && b.is_empty()) {
        let from = number(a).unwrap_or(1).max(1);
        let to = number(b).unwrap_or(file_text.len());
        return all().filter(|(k, _)| (from..=to).contains(k)).collect();
    }
    let name = part;
    let is_anchor = |l: &str| l.contains("ANCHOR:") || l.contains("ANCHOR_END:");
    let start = file_text
        .iter()
        .position(|l| l.contains(&format!("ANCHOR: {name}")));
    let Some(start) = start else {
        return Vec::new();
    };
    all()
        .skip(start + 1)
        .take_while(|(_, l)| !l.contains(&format!("ANCHOR_END: {name}")))
        .filter(|(_, l)| !is_anchor(l))
        .collect()
}

/// The lines `{{#include}}` brought into `expanded` (the chapter after `links`), found by
/// walking `original` (the chapter as written) beside it: lines that are not directives match
/// one for one, and a directive became exactly the lines it takes from its file (read here as
/// `links` reads it), so ranges and anchors map to their own lines. `chapter` is the chapter's
/// path as messages name it and `chapter_dir` the folder it is read from.
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
        let Some((file, part)) = directive(line) else {
            // An ordinary line: the same line in the expanded text, if the walk is in step.
            if after.get(at) == Some(line) {
                at += 1;
            }
            continue;
        };
        let text = crate::files::read_text(&chapter_dir.join(file), crate::files::TEXT_LIMIT)
            .unwrap_or_default();
        let file_text: Vec<&str> = text.lines().collect();
        let lines = taken(&file_text, part);
        // `links` trims the text it inserts at its ends: match what is left, in order.
        let first = lines.iter().position(|(_, l)| !l.trim().is_empty());
        let last = lines.iter().rposition(|(_, l)| !l.trim().is_empty());
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let lines = &lines[first..=last];
        // Where the inserted text starts: here, or (a directive in the middle of a line) at the
        // first line of it that appears next.
        let Some(start) = (at..after.len()).find(|&j| {
            lines.iter().enumerate().all(|(k, (_, l))| {
                after.get(j + k).is_some_and(|a| {
                    a.trim_end() == l.trim_end() || (k == 0 && a.ends_with(l.trim()))
                })
            })
        }) else {
            continue;
        };
        found.push(Inclusion {
            file: crate::files::tidy(&shown_dir.join(file))
                .to_string_lossy()
                .into_owned(),
            first_line: start + 1,
            file_lines: lines.iter().map(|(k, _)| *k).collect(),
            included_at: i + 1,
        });
        at = start + lines.len();
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
                crate::source::Place::line(Arc::from("src/c.md"), 6),
                "unknown key `bad`",
            ),
            Diagnostic::new(
                crate::source::Place::line(Arc::from("src/c.md"), 9),
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
            crate::source::Place::line(Arc::from("src/c.md"), 4),
            "unknown key `bad`",
        )];
        relocate(&mut problems, "src/c.md", &found);
        assert_eq!(
            problems[0].to_string(),
            "src/parts.md:4: unknown key `bad` (included from src/c.md:3)"
        );
    }

    /// A blank line inside the included text is no end of it, and a range of a file whose
    /// lines repeat maps to the lines the range took, not to their first look-alikes.
    #[test]
    fn blank_lines_and_repeated_blocks_map_to_their_own_lines() {
        let dir = tempfile::tempdir().unwrap();
        let block = "```attention\nbad = 1\n```";
        std::fs::write(dir.path().join("part.md"), format!("Part.\n\n{block}\n")).unwrap();
        std::fs::write(
            dir.path().join("f.md"),
            format!("{block}\n\nx\n\n{block}\n\n"),
        )
        .unwrap();
        let original = "# C\n\nIntro.\n\n{{#include part.md}}\n\nEnd.\n\n{{#include f.md:7:9}}\n";
        let expanded = format!("# C\n\nIntro.\n\nPart.\n\n{block}\n\nEnd.\n\n{block}\n");
        let found = inclusions(original, &expanded, "src/c.md", dir.path());
        let mut problems = vec![
            Diagnostic::new(crate::source::Place::line(Arc::from("src/c.md"), 8), "one"),
            Diagnostic::new(crate::source::Place::line(Arc::from("src/c.md"), 14), "two"),
            Diagnostic::new(crate::source::Place::line(Arc::from("src/c.md"), 11), "own"),
        ];
        relocate(&mut problems, "src/c.md", &found);
        assert_eq!(
            problems[0].to_string(),
            "src/part.md:4: one (included from src/c.md:5)"
        );
        assert_eq!(
            problems[1].to_string(),
            "src/f.md:8: two (included from src/c.md:9)"
        );
        assert_eq!(problems[2].to_string(), "src/c.md:7: own");
    }

    #[test]
    fn escaped_includes_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let original = "\\{{#include x.md}}\n";
        assert!(inclusions(original, original, "src/c.md", dir.path()).is_empty());
    }
}
