//! Finds `attention` blocks and inline values in a chapter by byte offset, and splices HTML
//! back in their place. Every other byte stays as it was.

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use std::ops::Range;

/// The info string that marks a block as ours (its first word).
pub const BLOCK_LANGUAGE: &str = "attention";
/// An inline code span starting with this is an inline value: `` `attn: weights[cat][black]` ``.
/// A span holding only the prefix stays as code, so the syntax can be named in prose.
pub const INLINE_PREFIX: &str = "attn:";

/// Something to replace in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Block(Block),
    Inline {
        range: Range<usize>,
        expr: String,
        /// Inside an image's alt text, where only plain text may go.
        in_alt: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// From the opening fence to the end of the closing fence (or of the container).
    pub range: Range<usize>,
    /// The block's text, container prefixes removed and line ends normalised.
    pub body: String,
    /// The 1-based line of the opening fence.
    pub fence_line: usize,
    /// What each later line must start with to stay in the same list item or blockquote.
    pub continuation: String,
    /// Whether a closing fence ends it; if not, it ran to the end of its file or container and
    /// swallowed what followed.
    pub closed: bool,
}

/// 1-based line numbers of increasing offsets, counting each byte once.
struct LineCounter<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_of(&mut self, offset: usize) -> usize {
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// Whether a fenced block's text ends with a fence that closes its opening one: the same
/// character, at least as many times, and nothing else on the line.
fn has_closing_fence(block: &str) -> bool {
    let mut lines = block.trim_end_matches(['\n', '\r']).lines();
    let strip = |l: &str| {
        l.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
            .to_string()
    };
    let Some(opening) = lines.next().map(strip) else {
        return false;
    };
    let Some(mark) = opening.chars().next().filter(|c| *c == '`' || *c == '~') else {
        return false;
    };
    let length = opening.chars().take_while(|c| *c == mark).count();
    lines.next_back().map(strip).is_some_and(|last| {
        let run = last.chars().take_while(|c| *c == mark).count();
        run >= length && last[run * mark.len_utf8()..].trim().is_empty()
    })
}

/// The container prefix of the line holding `offset`, made fit for a following line: list
/// markers become spaces, blockquote markers stay.
fn continuation_prefix(text: &str, offset: usize) -> String {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    // A footnote definition continues four spaces in, however long its label: `[^label]: `.
    if let Some(rest) = prefix.trim_start().strip_prefix("[^")
        && let Some(end) = rest.find("]:")
        && rest[end + 2..].trim().is_empty()
    {
        let indent = prefix.len() - prefix.trim_start().len();
        return " ".repeat(indent + 4);
    }
    prefix
        .chars()
        .map(|c| match c {
            '>' | ' ' | '\t' => c,
            _ => ' ',
        })
        .collect::<String>()
}

/// Text that reaches the page literally when spliced into Markdown as inline HTML: every ASCII
/// punctuation character becomes a numeric character reference, which Markdown never reads as
/// syntax (no link, image, emphasis, code, table cell or escape can start from it) and HTML
/// shows as the character itself. Line breaks become spaces.
pub fn literal_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let digit = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(char::is_ascii_digit)
    };
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // Numbers stay readable in the page's source: a decimal point between digits and a
        // leading minus sign cannot start any Markdown syntax.
        let number_part = match c {
            '.' => digit(i.checked_sub(1)) && digit(Some(i + 1)),
            '-' => (i == 0 || chars[i - 1] == ' ') && digit(Some(i + 1)),
            _ => false,
        };
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_ascii_punctuation() && !number_part => {
                out.push_str("&#");
                out.push_str(itoa::Buffer::new().format(c as u32));
                out.push(';');
            }
            c => out.push(c),
        }
    }
    out
}

/// Every attention block and inline value, in document order, with mdBook's default options.
pub fn find(text: &str) -> Vec<Found> {
    find_with(text, &MarkdownOptions::default())
}

/// Every attention block and inline value, parsed with the book's own Markdown options (with
/// definition lists off, `: ```attention` is a paragraph, not a block).
pub fn find_with(text: &str, options: &MarkdownOptions) -> Vec<Found> {
    let mut found = Vec::new();
    let mut current: Option<Block> = None;
    let mut lines = LineCounter {
        text,
        offset: 0,
        line: 1,
    };
    let mut images = 0usize;
    for (event, range) in new_cmark_parser(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.split_whitespace().next() == Some(BLOCK_LANGUAGE) =>
            {
                current = Some(Block {
                    fence_line: lines.line_of(range.start),
                    continuation: continuation_prefix(text, range.start),
                    range,
                    body: String::new(),
                    closed: false,
                });
            }
            Event::Start(Tag::Image { .. }) => images += 1,
            Event::End(TagEnd::Image) => images = images.saturating_sub(1),
            Event::Text(t) => {
                if let Some(block) = current.as_mut() {
                    block.body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(mut block) = current.take() {
                    block.closed = has_closing_fence(&text[block.range.clone()]);
                    found.push(Found::Block(block));
                }
            }
            Event::Code(code) if current.is_none() => {
                // A bare `attn:` names the syntax itself and stays as code.
                if let Some(expr) = code
                    .trim()
                    .strip_prefix(INLINE_PREFIX)
                    .filter(|e| !e.trim().is_empty())
                {
                    found.push(Found::Inline {
                        expr: expr.trim().to_string(),
                        range,
                        in_alt: images > 0,
                    });
                }
            }
            _ => {}
        }
    }
    found
}

/// Replaces a block by one line of HTML, carrying the container prefix, so the HTML block ends
/// where the fence ended. A blank line follows only when the next line would otherwise continue
/// the HTML block (a line of the same container): a block that ends its list item, or stands
/// before the next item, adds none, so a tight list stays tight.
///
/// Content of several lines (the static Markdown form) carries the prefix on every later line.
pub fn block_replacement(block: &Block, content: String, text: &str, newline: &str) -> String {
    let ends_line = text[..block.range.end].ends_with('\n');
    let rest = &text[block.range.end..];
    // The line after the fence: the range may stop before the fence line's own line ending.
    let after = if ends_line {
        rest
    } else {
        rest.split_once('\n').map_or("", |(_, r)| r)
    };
    let next_line = after.lines().next().unwrap_or("");
    // Several lines of content (the static Markdown form: tables, lists) always end with a blank
    // line, as Markdown blocks of their own.
    let one_line = content.lines().nth(1).is_none();
    let continues_container = !one_line
        || (next_line.starts_with(block.continuation.as_str())
            && !next_line[block.continuation.len()..].trim().is_empty());
    let mut out = if one_line {
        // A widget: one line, possibly megabytes, kept rather than copied.
        let mut line = content;
        if line.ends_with('\n') {
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
        }
        line
    } else {
        indent_lines(block, &content, newline)
    };
    // A blank line carries the container's markers but no trailing spaces.
    let blank = block.continuation.trim_end();
    if continues_container {
        out.push_str(newline);
        out.push_str(blank);
        if ends_line {
            out.push_str(newline);
        }
    } else if ends_line || rest.is_empty() {
        out.push_str(newline);
    }
    out
}

/// Content of several lines, every line after the first carrying the block's container markers.
fn indent_lines(block: &Block, content: &str, newline: &str) -> String {
    let mut out = String::with_capacity(content.len() + 8);
    // A blank line carries the container's markers but no trailing spaces.
    let blank = block.continuation.trim_end();
    for (i, line) in content.lines().enumerate() {
        if i > 0 {
            out.push_str(newline);
            out.push_str(if line.is_empty() {
                blank
            } else {
                &block.continuation
            });
        }
        out.push_str(line);
    }
    out
}

/// The line ending a chapter uses: CRLF if any line has one.
pub fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Applies replacements (ranges must not overlap), copying every other byte as it is. One pass
/// from the front: replacing back to front in place moves the tail once per block.
pub fn splice(text: &str, mut replacements: Vec<(Range<usize>, String)>) -> String {
    replacements.sort_by_key(|(r, _)| r.start);
    let extra: usize = replacements.iter().map(|(_, w)| w.len()).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut at = 0;
    for (range, with) in replacements {
        out.push_str(&text[at..range.start]);
        out.push_str(&with);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests;
