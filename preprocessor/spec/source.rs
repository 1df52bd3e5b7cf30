//! Where a piece of TOML came from, so every message can name its file and line.

use std::fmt;
use std::sync::Arc;

/// A TOML text and its place in a file: an `attention` block's body in a chapter, or a named
/// examples file.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The path shown in messages, e.g. `src/attention.md`.
    pub path: Arc<str>,
    pub text: &'a str,
    /// The 1-based line of the file on which `text` starts.
    pub first_line: usize,
    /// The line named when a problem has no better place (the opening fence of a block).
    pub header_line: usize,
}

impl Source<'_> {
    /// The 1-based file line of a byte offset into `text`.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        let before = self.text.get(..end).unwrap_or(self.text);
        self.first_line + before.bytes().filter(|&b| b == b'\n').count()
    }

    pub fn at(&self, offset: usize) -> Place {
        Place {
            path: self.path.clone(),
            line: self.line_of(offset),
        }
    }

    pub fn header(&self) -> Place {
        Place {
            path: self.path.clone(),
            line: self.header_line,
        }
    }
}

/// A file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: Arc<str>,
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// One problem, shaped like a compiler's: `src/ch.md:12: what is wrong — what to write instead`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub place: Place,
    pub message: String,
}

impl Diagnostic {
    pub fn new(place: Place, message: impl Into<String>) -> Self {
        Diagnostic {
            place,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub place: Place,
}

/// ` (did you mean `x`?)` when one candidate is close, else nothing.
pub fn suggest(word: &str, candidates: &[&str]) -> String {
    // Similarity costs length × length: a hostile 40,000-character name gets no suggestion
    // rather than seconds of work.
    const LONGEST: usize = 64;
    if word.len() > LONGEST * 4 || word.chars().count() > LONGEST {
        return String::new();
    }
    candidates
        .iter()
        .filter(|c| c.len() <= LONGEST * 4)
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.75)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}
