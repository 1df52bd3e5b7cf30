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
    /// Where each line of `text` starts, found once: thousands of values are placed in linear
    /// time, not each by counting from the top.
    line_starts: std::cell::OnceCell<Vec<usize>>,
    /// The last column worked out, `(byte offset, column)`: values along one long line are
    /// counted on from the one before.
    last_column: std::cell::Cell<(usize, usize)>,
}

impl<'a> Source<'a> {
    pub fn new(path: Arc<str>, text: &'a str, first_line: usize, header_line: usize) -> Self {
        Source {
            path,
            text,
            first_line,
            header_line,
            line_starts: std::cell::OnceCell::new(),
            last_column: std::cell::Cell::new((0, 1)),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The 1-based file line of a byte offset into `text`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.first_line + self.line_starts().partition_point(|&s| s <= offset) - 1
    }

    /// The place of a byte offset into `text`, with its column.
    pub fn at(&self, offset: usize) -> Place {
        self.span(offset..offset)
    }

    /// The place of a byte range of `text`: its line, column and width on that line, so a
    /// report can underline exactly what is wrong.
    pub fn span(&self, range: std::ops::Range<usize>) -> Place {
        let start = range.start.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= start) - 1;
        let line_start = starts[line];
        let line_end = starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let end = range.end.clamp(start, line_end);
        let width = |a: usize, b: usize| self.text.get(a..b).map_or(0, |t| t.chars().count());
        // A block's first line may follow other text on the file's line (never, for a fence,
        // but an examples file starts at column 1 too): columns count within `text`.
        let (last, last_column) = self.last_column.get();
        let column = if (line_start..=start).contains(&last) && last > line_start {
            last_column + width(last, start)
        } else {
            width(line_start, start) + 1
        };
        self.last_column.set((start, column));
        Place {
            path: self.path.clone(),
            line: self.first_line + line,
            column,
            width: width(start, end),
        }
    }

    pub fn header(&self) -> Place {
        Place::line(self.path.clone(), self.header_line)
    }
}

/// A file, a 1-based line, and where known the 1-based column and width of what is meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: Arc<str>,
    pub line: usize,
    /// 0 when only the line is known.
    pub column: usize,
    /// Characters to underline; 0 for a caret at `column`.
    pub width: usize,
}

impl Place {
    /// A whole line.
    pub fn line(path: Arc<str>, line: usize) -> Place {
        Place {
            path,
            line,
            column: 0,
            width: 0,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// How much a problem matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

/// A remark that explains a problem, with the place it points to if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub place: Option<Place>,
    pub message: String,
}

/// One problem, shaped like a compiler's: `src/ch.md:12: what is wrong — what to write instead`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub place: Place,
    pub message: String,
    pub notes: Vec<Note>,
    /// Only a consequence of a problem reported in its own right (a block that uses an example
    /// that failed): counted in the summary, not shown, like a compiler's follow-on errors.
    pub follow_on: bool,
}

impl Diagnostic {
    pub fn new(place: Place, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            place,
            message: message.into(),
            notes: Vec::new(),
            follow_on: false,
        }
    }

    /// Something likely wrong that does not stop the build (unless warnings are denied).
    pub fn warning(place: Place, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::new(place, message)
        }
    }

    /// A problem that follows from another, already reported.
    pub fn follow_on(place: Place, message: impl Into<String>) -> Self {
        Diagnostic {
            follow_on: true,
            ..Diagnostic::new(place, message)
        }
    }

    pub fn with_note(mut self, place: Option<Place>, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            place,
            message: message.into(),
        });
        self
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

/// ` (did you mean `x`?)` when one candidate is close, else nothing. Close: a few edits away
/// (a swapped pair counts as one, so `cta` finds `cat`), or alike by Jaro–Winkler, which
/// forgives more in long names.
pub fn suggest(word: &str, candidates: &[&str]) -> String {
    // Similarity costs length × length: a hostile 40,000-character name gets no suggestion
    // rather than seconds of work.
    const LONGEST: usize = 64;
    if word.len() > LONGEST * 4 || word.chars().count() > LONGEST {
        return String::new();
    }
    let allowed_edits = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .filter(|c| c.len() <= LONGEST * 4 && **c != word)
        .map(|c| {
            let edits = strsim::damerau_levenshtein(word, c);
            let alike = strsim::jaro_winkler(word, c);
            (edits, alike, *c)
        })
        .filter(|(edits, alike, _)| *edits <= allowed_edits || *alike > 0.75)
        // Fewest edits first, then the most alike.
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, c)| match unlike_code_points(word, c) {
            Some((written, meant)) => format!(
                " (did you mean `{c}`? it looks the same, but what you wrote has {written} where `{c}` has {meant}: retype it, or copy it from where it is defined)"
            ),
            None => format!(" (did you mean `{c}`?)"),
        })
        .unwrap_or_default()
}

/// When two different names look alike — the same text in another Unicode normal form
/// (`é` as one code point or as `e` and a combining accent), or with an invisible character —
/// the code points where they differ, `U+0065 U+0301` style: a suggestion that reads exactly like
/// what the author wrote is no help without them.
fn unlike_code_points(written: &str, meant: &str) -> Option<(String, String)> {
    use unicode_normalization::UnicodeNormalization;
    let seen = |s: &str| -> String { s.nfkc().filter(|c| !is_invisible(*c)).collect() };
    if written == meant || seen(written) != seen(meant) {
        return None;
    }
    let (a, b): (Vec<char>, Vec<char>) = (written.chars().collect(), meant.chars().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let points = |chars: &[char]| -> String {
        if chars.is_empty() {
            return "nothing".into();
        }
        chars
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some((
        points(&a[prefix..a.len() - suffix]),
        points(&b[prefix..b.len() - suffix]),
    ))
}

/// Characters that take no room on screen: zero-width spaces and joiners, direction marks and
/// overrides, variation selectors, the soft hyphen, the byte-order mark.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod suggest_tests {
    use super::suggest;

    #[test]
    fn a_suggestion_that_looks_like_what_was_written_names_its_code_points() {
        // `café` with a combining accent, against the one-code-point `é` of the tokens.
        let said = suggest("cafe\u{301}", &["café", "cat"]);
        assert!(
            said.contains("did you mean `café`? it looks the same, but what you wrote has U+0065 U+0301 where `café` has U+00E9"),
            "{said}"
        );
        // A zero-width space inside a name.
        let said = suggest("ca\u{200B}t", &["cat"]);
        assert!(
            said.contains("what you wrote has U+200B where `cat` has nothing"),
            "{said}"
        );
        // Names that look different get the plain suggestion.
        assert_eq!(suggest("cta", &["cat"]), " (did you mean `cat`?)");
    }
}

#[cfg(test)]
mod span_tests {
    use super::Source;

    /// Lines and columns as counted from the top, for every offset, in order and out of it:
    /// the line index and the running column give the same places.
    #[test]
    fn places_are_those_counted_from_the_top_in_any_order() {
        let text = "a = 1\nnames = [\"é\", \"日本\", \"x\"]\n\n\tz = \"ü\"\nlast";
        let src = Source::new("t.md".into(), text, 7, 6);
        let naive = |offset: usize| {
            let before = &text[..offset];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            (
                7 + before.matches('\n').count(),
                text[line_start..offset].chars().count() + 1,
            )
        };
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let mut order = offsets.clone();
        order.extend(offsets.iter().rev());
        order.extend(offsets.iter().step_by(3));
        for &o in &order {
            let place = src.at(o);
            assert_eq!((place.line, place.column), naive(o), "offset {o}");
        }
    }
}
