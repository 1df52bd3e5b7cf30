//! Cross-references between chapters: a link to another chapter (`word-order.md`), to a heading
//! of one (`many-heads.md#why-several-heads`) or of its own page (`#trained-blocks`) must land.
//!
//! A chapter is renamed, a heading reworded, and a sentence elsewhere keeps pointing at what is
//! gone; mdBook renders the dead link without a word. The book is checked as a whole: every
//! chapter's heading ids (made as mdBook 0.5's HTML renderer makes them, explicit `{#id}`s
//! included) against every relative link to a `.md` file.

use crate::source::{Diagnostic, Source};
use mdbook_markdown::pulldown_cmark::{Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A heading's id as mdBook makes it from the heading's text: lowercased, whitespace to `-`,
/// only letters, digits, `_` and `-` kept (repeats get `-1`, `-2`, …).
pub fn heading_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The ids of a chapter's headings, as its page will have them.
fn ids_of(content: &str, options: &MarkdownOptions) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut heading: Option<(Option<String>, String)> = None;
    for event in new_cmark_parser(content, options) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                heading = Some((id.map(|i| i.to_string()), String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = &mut heading {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((explicit, text)) = heading.take() {
                    let id = explicit.unwrap_or_else(|| heading_id(&text));
                    let mut unique = id.clone();
                    let mut n = 0;
                    while !ids.insert(unique.clone()) {
                        n += 1;
                        unique = format!("{id}-{n}");
                    }
                }
            }
            _ => {}
        }
    }
    ids
}

/// One chapter: its path under `src` (as SUMMARY.md names it), the path shown in messages, and
/// its Markdown.
pub struct Chapter<'a> {
    pub source: &'a Path,
    pub shown: &'a str,
    pub content: &'a str,
}

/// Every link of the book whose chapter or heading does not exist, located.
pub fn check(chapters: &[Chapter], options: &MarkdownOptions) -> Vec<Diagnostic> {
    let ids: BTreeMap<PathBuf, BTreeSet<String>> = chapters
        .iter()
        .map(|c| (crate::files::tidy(c.source), ids_of(c.content, options)))
        .collect();
    let mut problems = Vec::new();
    for chapter in chapters {
        let src = Source::new(Arc::from(chapter.shown), chapter.content, 1, 1);
        for (event, range) in new_cmark_parser(chapter.content, options).into_offset_iter() {
            let Event::Start(Tag::Link { dest_url, .. }) = event else {
                continue;
            };
            let url = dest_url.as_ref();
            if url.contains("://") || url.starts_with('/') || url.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match url.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (url, None),
            };
            let target = if path.is_empty() {
                crate::files::tidy(chapter.source)
            } else if path.ends_with(".md") {
                let dir = chapter.source.parent().unwrap_or(Path::new(""));
                crate::files::tidy(&dir.join(path))
            } else {
                continue;
            };
            let place = src.span(range.clone());
            let Some(headings) = ids.get(&target) else {
                let names: Vec<String> = ids.keys().map(|p| p.display().to_string()).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                problems.push(Diagnostic::new(
                    place,
                    format!(
                        "this link goes to `{}`, which is no chapter of the book{} — link to a chapter listed in SUMMARY.md",
                        path.escape_debug(),
                        crate::source::suggest(&target.display().to_string(), &names)
                    ),
                ));
                continue;
            };
            if let Some(anchor) = anchor
                && !anchor.is_empty()
                && !headings.contains(anchor)
            {
                let names: Vec<&str> = headings.iter().map(String::as_str).collect();
                problems.push(Diagnostic::new(
                    place,
                    format!(
                        "this link goes to `#{}` in {}, which has no heading with that id{} — its headings are {}",
                        anchor.escape_debug(),
                        target.display(),
                        crate::source::suggest(anchor, &names),
                        if names.is_empty() { "none".to_string() } else { names.join(", ") }
                    ),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_land_on_chapters_and_headings_that_exist() {
        let a = "# Word order\n\n## Adding positions to the embeddings\n\nSee [heads](many-heads.md#why-several-heads), [me](#adding-positions-to-the-embeddings) and [the web](https://example.com/x.md#nope).\n";
        let b = "# Many heads\n\n## Why several heads\n\nBack to [order](word-order.md), [gone](where-next.md), [bad](#putting-the-heads-together).\n\n## A `code` heading {#custom}\n\n[custom](#custom)\n";
        let chapters = [
            Chapter {
                source: Path::new("word-order.md"),
                shown: "src/word-order.md",
                content: a,
            },
            Chapter {
                source: Path::new("many-heads.md"),
                shown: "src/many-heads.md",
                content: b,
            },
        ];
        let problems = check(&chapters, &MarkdownOptions::default());
        let said: Vec<String> = problems
            .iter()
            .map(|d| format!("{}:{} {}", d.place.path, d.place.line, d.message))
            .collect();
        assert_eq!(said.len(), 2, "{said:#?}");
        assert!(
            said[0].starts_with("src/many-heads.md:5 ")
                && said[0].contains("`where-next.md`, which is no chapter"),
            "{}",
            said[0]
        );
        assert!(
            said[1].contains("`#putting-the-heads-together`")
                && said[1].contains("why-several-heads"),
            "{}",
            said[1]
        );
        assert_eq!(
            heading_id("The matrix form: Q·Kᵀ, all at once"),
            "the-matrix-form-qkᵀ-all-at-once"
        );
    }
}
