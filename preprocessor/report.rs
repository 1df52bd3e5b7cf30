//! Problems → what an author reads, in rustc's shape: `error:` and the message, the file, line
//! and column, the source line with the offending text underlined, notes; sorted by file and
//! line, capped, follow-on problems counted rather than shown, and a final count. Also one JSON
//! object per problem, like cargo's `--message-format json`, for editors and CI.

use crate::source::{Diagnostic, Level, Place};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The most problems a report prints; the rest are counted.
pub const REPORT_AT_MOST: usize = 100;

/// How a report is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colours, for a terminal.
    pub color: bool,
}

impl Style {
    /// Colour when stderr is a terminal and `NO_COLOR` is not set.
    pub fn for_stderr() -> Style {
        use std::io::IsTerminal;
        Style {
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The problems worth showing, sorted by file and line (a stable sort keeps a line's problems
/// in the order they were found), and how many follow-on problems were left out.
pub fn shown(problems: &[Diagnostic]) -> (Vec<&Diagnostic>, usize) {
    let causes: Vec<&Diagnostic> = problems.iter().filter(|d| !d.follow_on).collect();
    // Follow-ons alone (their cause reported in another run) are shown after all.
    let mut shown = if causes.is_empty() {
        problems.iter().collect()
    } else {
        causes
    };
    shown.sort_by(|a, b| {
        (&*a.place.path, a.place.line, a.place.column).cmp(&(
            &*b.place.path,
            b.place.line,
            b.place.column,
        ))
    });
    let hidden = problems.len() - shown.len();
    (shown, hidden)
}

/// The whole report. `source` gives a file's text by the path messages use, to quote its lines.
pub fn render(
    problems: &[Diagnostic],
    source: &dyn Fn(&str) -> Option<String>,
    style: Style,
) -> String {
    let mut texts: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut line_of = |place: &Place| -> Option<String> {
        texts
            .entry(place.path.to_string())
            .or_insert_with(|| source(&place.path))
            .as_deref()
            .and_then(|t| t.lines().nth(place.line.checked_sub(1)?))
            .map(str::to_string)
    };
    let (shown, hidden) = shown(problems);
    let mut out = String::new();
    for d in shown.iter().take(REPORT_AT_MOST) {
        let (word, code) = match d.level {
            Level::Error => ("error", "1;31"),
            Level::Warning => ("warning", "1;33"),
        };
        let _ = writeln!(out, "{}: {}", style.paint(code, word), escaped(&d.message));
        quote(&mut out, &d.place, line_of(&d.place), style);
        for note in &d.notes {
            let _ = writeln!(
                out,
                "{}: {}",
                style.paint("1;36", "note"),
                escaped(&note.message)
            );
            if let Some(place) = &note.place {
                quote(&mut out, place, line_of(place), style);
            }
        }
    }
    let errors = shown.iter().filter(|d| d.level == Level::Error).count();
    if shown.len() > REPORT_AT_MOST {
        let _ = writeln!(out, "… and {} more problems", shown.len() - REPORT_AT_MOST);
    }
    if hidden > 0 {
        // Name the files they are in: the chapters that will work again once the cause is fixed.
        let mut files: Vec<Cow<str>> = problems
            .iter()
            .filter(|d| d.follow_on)
            .map(|d| escaped(&d.place.path))
            .collect();
        files.sort_unstable();
        files.dedup();
        let listed = if files.len() > 8 {
            format!("{}, … ({} files)", files[..8].join(", "), files.len())
        } else {
            files.join(", ")
        };
        let _ = writeln!(
            out,
            "{}: {hidden} more {} from {} and {} not shown, in {listed}",
            style.paint("1;36", "note"),
            if hidden == 1 {
                "problem follows"
            } else {
                "problems follow"
            },
            if shown.len() == 1 {
                "this one"
            } else {
                "these"
            },
            if hidden == 1 { "is" } else { "are" }
        );
    }
    let warnings = shown.len() - errors;
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let counted = match (errors, warnings) {
        (e, 0) => count(e, "problem", "problems"),
        (0, w) => count(w, "warning", "warnings"),
        (e, w) => format!(
            "{} and {}",
            count(e, "problem", "problems"),
            count(w, "warning", "warnings")
        ),
    };
    let _ = write!(out, "{counted} in attention blocks");
    out
}

/// The report as `build` ends it: the same as `check`'s, and whether the book was built.
pub fn render_for_build(
    problems: &[Diagnostic],
    source: &dyn Fn(&str) -> Option<String>,
    style: Style,
) -> String {
    let mut out = render(problems, source, style);
    if problems.iter().any(|d| d.level == Level::Error) {
        out.push_str("; the book was not built");
    }
    out
}

/// `  --> file:line:column`, then the line with the place underlined.
fn quote(out: &mut String, place: &Place, line: Option<String>, style: Style) {
    let column = if place.column > 0 {
        format!(":{}", place.column)
    } else {
        String::new()
    };
    let number = place.line.to_string();
    let pad = " ".repeat(number.len());
    let bar = style.paint("1;34", "|");
    let _ = writeln!(
        out,
        "{pad}{} {}{column}",
        style.paint("1;34", "-->"),
        escaped(&place.to_string())
    );
    let Some(line) = line else {
        return;
    };
    let (line, column, width) = window(&pictured(&line), place.column, place.width);
    let _ = writeln!(out, "{pad} {bar}");
    let _ = writeln!(out, "{} {bar} {line}", style.paint("1;34", &number));
    if column > 0 {
        let marks = "^".repeat(width.max(1));
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat(column - 1),
            style.paint("1;31", &marks)
        );
    }
}

/// Whether a terminal could take a character of a book for an instruction: control characters
/// move the cursor, clear the screen or recolour it (an escape sequence hidden in a token), and
/// direction overrides reorder what is shown ("Trojan Source"). None may reach the terminal raw.
fn is_unsafe(c: char) -> bool {
    c.is_control() || crate::source::is_invisible(c)
}

/// A message or a path with each unsafe character written as a `\u{1b}` escape, as Rust writes
/// one in a string.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe(c) {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A source line with each unsafe character drawn as one visible character, so the underline
/// stays under its place: a tab as a space, another C0 control as its Control Pictures symbol
/// (`␛` for escape), anything else as `�`.
fn pictured(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => ' ',
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
            '\u{7f}' => '␡',
            c if is_unsafe(c) => '�',
            c => c,
        })
        .collect()
}

/// Lines of text with every unsafe character but the line breaks escaped: for output that is
/// more than one line, such as `diff`'s.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.split('\n').map(escaped).collect::<Vec<_>>().join("\n"))
}

/// The most characters of a source line a report shows.
const SHOWN: usize = 120;

/// A long line cut to the part around the place, `…` marking what is left out (as rustc does),
/// with the column and width of the underline in what is shown.
fn window(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= SHOWN {
        return (line.to_string(), column, width);
    }
    let at = column.saturating_sub(1).min(chars.len());
    let width = width.min(SHOWN / 2);
    let start = at.saturating_sub(SHOWN / 4);
    let end = (at + width.max(1) + SHOWN / 4).min(chars.len());
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    let column = if column == 0 {
        0
    } else {
        at - start + 1 + usize::from(start > 0)
    };
    (shown, column, width)
}

/// One problem as cargo-style JSON.
#[derive(Serialize)]
struct JsonProblem<'a> {
    level: &'static str,
    file: &'a str,
    line: usize,
    /// 1-based; `null` when only the line is known.
    column: Option<usize>,
    message: &'a str,
    notes: Vec<JsonNote<'a>>,
    /// Whether the problem only follows from another one.
    follow_on: bool,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
}

/// One JSON object per problem per line, every problem (follow-ons marked), in report order.
pub fn json_lines(problems: &[Diagnostic]) -> String {
    let mut all: Vec<&Diagnostic> = problems.iter().collect();
    all.sort_by(|a, b| (&*a.place.path, a.place.line).cmp(&(&*b.place.path, b.place.line)));
    let mut out = String::new();
    for d in all {
        let problem = JsonProblem {
            level: match d.level {
                Level::Error => "error",
                Level::Warning => "warning",
            },
            file: &d.place.path,
            line: d.place.line,
            column: (d.place.column > 0).then_some(d.place.column),
            message: &d.message,
            notes: d
                .notes
                .iter()
                .map(|n| JsonNote {
                    message: &n.message,
                    file: n.place.as_ref().map(|p| &*p.path),
                    line: n.place.as_ref().map(|p| p.line),
                })
                .collect(),
            follow_on: d.follow_on,
        };
        if let Ok(line) = serde_json::to_string(&problem) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escaped, pictured, window};

    #[test]
    fn nothing_from_a_book_reaches_the_terminal_as_an_instruction() {
        // An escape sequence that would clear the screen, a bell, a direction override.
        let message = "`focus` is `\u{1b}[2J\u{7}ca\u{202e}t`";
        let shown = escaped(message);
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown}"
        );
        assert_eq!(shown, "`focus` is `\\u{1b}[2J\\u{7}ca\\u{202e}t`");
        // In a quoted line, one character for one, so the underline stays in place.
        let line = "focus = \"\u{1b}[2J\tcat\"";
        let drawn = pictured(line);
        assert_eq!(drawn, "focus = \"␛[2J cat\"");
        assert_eq!(drawn.chars().count(), line.chars().count());
        // Plain text is passed through untouched; line breaks are kept where the output has lines.
        assert!(matches!(escaped("`cat`"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            super::terminal_safe("- `a\u{1b}[2J`\n- `b`\n"),
            "- `a\\u{1b}[2J`\n- `b`\n"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_its_place_and_the_underline_stays_on_it() {
        let line: String = (0..2000).map(|i| format!("\"d{i}\", ")).collect();
        let target = line.find("\"d1000\"").unwrap();
        let column = line[..target].chars().count() + 1;
        let (shown, at, width) = window(&line, column, 7);
        assert!(shown.chars().count() < 140, "{shown}");
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        let under: String = shown.chars().skip(at - 1).take(width).collect();
        assert_eq!(under, "\"d1000\"");
        // Short lines are shown whole.
        assert_eq!(window("dims = [1]", 9, 1), ("dims = [1]".to_string(), 9, 1));
    }
}
