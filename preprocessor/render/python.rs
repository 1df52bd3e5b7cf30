//! "Reproduce with numpy": a figure of a block with weights of its own (written in the block or
//! trained while the book builds) as a short Python program that prints what its heatmap shows
//! — the attention weights, one row per line, in the book's number format — so a reader can
//! paste it into a notebook and see the same digits.
//!
//! The program is written for reading: the block's own numbers as literal lists, then the
//! computation as a learner writes it (`q = x @ W_q.T`, `scores = q @ k.T * scale`, masked
//! entries set to `-np.inf`, softmax with the row's largest score subtracted), with the book's
//! names and a comment per step. `tests/reproduce.rs` runs every program of the book with numpy
//! and compares what it prints with the figure's numbers, character for character.

use crate::block::Computed;
use crate::core::{AttentionInput, Mask, Projection, Qkv};
use crate::format::{MASKED, fmt};
use ndarray::Array2;
use std::fmt::Write;

/// The program of a widget, or `None` when its block has no weights of its own to write (a
/// real model's head: its queries, keys and values come from 384 numbers per word piece).
///
/// The page carries it as the text of a script element inside the widget's HTML block (see
/// `templates/widget.hbs`), so it has no blank line (one would end the Markdown HTML block) and
/// no `<` (none can end the script early): strings escape it, comments show `‹`.
pub fn program(c: &Computed) -> Option<String> {
    let text = match c.spec.kind.translated() {
        Some(t) => across(c, t),
        None => within(c)?,
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    Some(lines.join("\n").replace('<', "‹") + "\n")
}

/// One sentence attending to itself: the block's embeddings and weights, one head or several.
fn within(c: &Computed) -> Option<String> {
    let heads: Vec<(&AttentionInput, &Projection)> = c.results[..c.spec.kind.heads()]
        .iter()
        .map(|r| match &r.input.qkv {
            Qkv::Projected(p) => Some((&r.input, p)),
            Qkv::Given(_) => None,
        })
        .collect::<Option<_>>()?;
    let (first, projection) = heads[0];
    let mut out = String::new();
    match c.spec.title.as_deref() {
        Some(title) => {
            let _ = writeln!(
                out,
                "# Reproduces “{title}”: its attention weights, as the book shows them (Python 3, numpy)."
            );
        }
        None => out.push_str(
            "# Reproduces this figure's attention weights, as the book shows them (Python 3, numpy).\n",
        ),
    }
    out.push_str("import numpy as np\n\n");
    let _ = writeln!(out, "tokens = {}", strings(&c.spec.tokens));
    out.push_str("# Each token's embedding, one row per token.\n");
    let _ = writeln!(out, "x = {}", matrix(&projection.embeddings));
    if let Some(p) = &first.positions {
        out.push_str("# The positions of the words, added to their embeddings.\n");
        let _ = writeln!(out, "x = x + {}", matrix(p));
    }
    if first.rope.is_some() {
        out.push_str(ROTATE);
    }
    let several = heads.len() > 1;
    if several {
        out.push_str("shown_heads = []\n");
    }
    for (h, (input, p)) in heads.iter().enumerate() {
        if several {
            let _ = writeln!(out, "\n# Head {}: its own weights.", h + 1);
        } else {
            out.push_str("# Weights are stored (out, in), as in PyTorch: row i of W_q makes query dimension i.\n");
        }
        let _ = writeln!(out, "W_q = {}", matrix(&p.w_q));
        let _ = writeln!(out, "W_k = {}", matrix(&p.w_k));
        let _ = writeln!(out, "W_v = {}", matrix(&p.w_v));
        out.push_str("q = x @ W_q.T  # one query per token\n");
        out.push_str("k = x @ W_k.T  # one key per token\n");
        out.push_str("v = x @ W_v.T  # one value per token\n");
        for o in &input.query_overrides {
            let _ = writeln!(
                out,
                "q[{}, {}] = {}  # set by hand: the query of {:?}, dimension {}",
                o.token,
                o.dim,
                number(o.value),
                c.spec.tokens[o.token],
                o.dim + 1
            );
        }
        if let Some(rope) = &input.rope {
            let _ = writeln!(
                out,
                "q, k = rotate(q, {0}), rotate(k, {0})  # rotary positions turn queries and keys",
                number(rope.base)
            );
        }
        match input.scale {
            None => out.push_str("scale = 1 / np.sqrt(q.shape[1])  # 1/√d_k\n"),
            Some(s) => {
                let _ = writeln!(out, "scale = {}  # set in the block", number(s));
            }
        }
        out.push_str("scores = q @ k.T * scale  # row i: query i against every key\n");
        let fully_masked = match &input.mask {
            Mask::None => false,
            Mask::Causal => {
                out.push_str(
                    "# The causal mask: each token sees itself and the tokens before it.\n",
                );
                out.push_str("scores[np.triu(np.ones(scores.shape, dtype=bool), 1)] = -np.inf\n");
                false
            }
            Mask::Explicit(allowed) => {
                out.push_str("# The mask: 1 where a token (row) may attend to another (column).\n");
                let _ = writeln!(out, "allowed = {}", booleans(allowed));
                out.push_str("scores[~allowed] = -np.inf\n");
                allowed.rows().into_iter().any(|r| r.iter().all(|a| !a))
            }
        };
        out.push_str("# Softmax of each row, its largest score subtracted first (same weights, no overflow).\n");
        out.push_str("weights = np.exp(scores - scores.max(axis=1, keepdims=True))\n");
        out.push_str("weights = weights / weights.sum(axis=1, keepdims=True)\n");
        if fully_masked {
            out.push_str("# A row with every key masked gets zero weights (as PyTorch does).\n");
            out.push_str("weights = np.nan_to_num(weights)\n");
        }
        if several {
            let _ = writeln!(
                out,
                "shown_heads.append((\"Head {}\", weights, np.isneginf(scores)))",
                h + 1
            );
        }
    }
    out.push_str(SHOWN);
    if several {
        out.push_str(
            "for heading, weights, masked in shown_heads:\n    show(heading, weights, masked)\n",
        );
    } else {
        out.push_str("show(\"Attention weights\", weights, np.isneginf(scores))\n");
    }
    Some(out)
}

/// Across two sentences: the French words each step reads ask, the English words answer.
fn across(c: &Computed, t: &crate::block::kind::translated::Translated) -> String {
    let p = &t.run.params;
    let mut out = String::new();
    let title = c.spec.title.as_deref().unwrap_or("this figure");
    let _ = writeln!(
        out,
        "# Reproduces “{title}”: its attention weights, as the book shows them (Python 3, numpy)."
    );
    out.push_str("import numpy as np\n\n");
    let _ = writeln!(
        out,
        "tokens = {}  # the French words, one step each",
        strings(&c.spec.tokens)
    );
    let _ = writeln!(out, "source = {}  # the English words", strings(&t.source));
    out.push_str("# What each step reads (the word before it; the first, a start mark), embedded, its position added.\n");
    let _ = writeln!(out, "x = {}", matrix(&t.target_inputs));
    out.push_str("# The English words, embedded, their positions added.\n");
    let _ = writeln!(out, "y = {}", matrix(&t.source_inputs));
    out.push_str("# The trained weights, stored (out, in) as in PyTorch.\n");
    let _ = writeln!(out, "W_q = {}", matrix(&p.w_q));
    let _ = writeln!(out, "W_k = {}", matrix(&p.w_k));
    let _ = writeln!(out, "W_v = {}", matrix(&p.w_v));
    out.push_str("q = x @ W_q.T  # the queries come from the sentence being written\n");
    out.push_str("k = y @ W_k.T  # the keys and values from the sentence being read\n");
    out.push_str("v = y @ W_v.T\n");
    out.push_str("scale = 1 / np.sqrt(q.shape[1])  # 1/√d_k\n");
    out.push_str(
        "scores = q @ k.T * scale  # one row per French word, one column per English word\n",
    );
    out.push_str("# Softmax of each row, its largest score subtracted first; nothing is masked.\n");
    out.push_str("weights = np.exp(scores - scores.max(axis=1, keepdims=True))\n");
    out.push_str("weights = weights / weights.sum(axis=1, keepdims=True)\n");
    // The columns are the English words.
    debug_assert!(SHOWN.contains("for t in tokens))"));
    out.push_str(&SHOWN.replace("for t in tokens))", "for t in source))"));
    out.push_str("show(\"Attention weights\", weights, np.isneginf(scores))\n");
    out
}

/// What a program prints for a matrix of weights (`None` where masked): its heading, the key
/// tokens, then one row per query token, each number as the book shows it — the text a test
/// compares the program's output with.
pub fn printed(
    heading: &str,
    queries: &[String],
    keys: &[String],
    weights: &Array2<Option<f64>>,
) -> String {
    let width = queries.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let cell = |s: &str| format!("{s:>6}");
    let mut out = format!("{heading}\n{}", " ".repeat(width));
    for t in keys {
        out.push_str(&cell(t));
    }
    out.push('\n');
    for (t, row) in queries.iter().zip(weights.rows()) {
        let _ = write!(out, "{t:>width$}");
        for w in row {
            out.push_str(&cell(&w.map_or(MASKED.to_string(), fmt)));
        }
        out.push('\n');
    }
    out
}

/// The printing helpers, mirroring [`printed`] and the book's number format (a weight is never
/// negative, so Python's `.2f` — exact, ties to even — is the book's format).
const SHOWN: &str = r#"
# Print as the book shows weights: two decimals, an exact tie to the even digit; ⨯ if masked.
def show(heading, weights, masked):
    width = max(len(t) for t in tokens)
    print(heading)
    print(" " * width + "".join(f"{t:>6}" for t in tokens))
    for t, row, hidden in zip(tokens, weights, masked):
        cells = ("⨯" if h else f"{w:.2f}" for w, h in zip(row, hidden))
        print(f"{t:>{width}}" + "".join(f"{c:>6}" for c in cells))

"#;

/// Rotary positions, as `core::positions::Rope` turns a row (its lines come on top of the 40 of
/// a plain head).
pub const ROTATE_LINES: usize = 11;

/// Rotary positions, as `core::positions::Rope` turns a row.
const ROTATE: &str = r#"
def rotate(m, base):
    """Rotary positions: dimensions (2i, 2i+1) at position p turn by p·base^(−2i/d)."""
    out = m.copy()
    d = m.shape[1]
    for p in range(m.shape[0]):
        for i in range(d // 2):
            angle = p * base ** (-2 * i / d)
            c, s = np.cos(angle), np.sin(angle)
            a, b = m[p, 2 * i], m[p, 2 * i + 1]
            out[p, 2 * i], out[p, 2 * i + 1] = a * c - b * s, a * s + b * c
    return out

"#;

/// A number as Python reads back the same float (Rust's shortest round trip).
fn number(x: f64) -> String {
    let s = format!("{x:?}");
    if s == "inf" || s == "-inf" || s == "NaN" {
        format!("float({s:?})")
    } else {
        s
    }
}

/// Up to this many characters a matrix of numbers is written on one line (a mask of 0s and 1s,
/// up to a hundred).
const ONE_LINE: usize = 80;
const ONE_LINE_MASK: usize = 100;

/// `np.array([...])`, on one line when it is short, else one row per line.
fn array<T>(m: &Array2<T>, entry: impl Fn(&T) -> String, one_line: usize) -> String {
    let rows: Vec<String> = m
        .rows()
        .into_iter()
        .map(|r| format!("[{}]", r.iter().map(&entry).collect::<Vec<_>>().join(", ")))
        .collect();
    let short = format!("np.array([{}])", rows.join(", "));
    if short.chars().count() <= one_line {
        short
    } else {
        format!("np.array([\n    {},\n])", rows.join(",\n    "))
    }
}

fn matrix(m: &Array2<f64>) -> String {
    array(m, |x| number(*x), ONE_LINE)
}

/// A mask as 1s (may attend) and 0s, read as booleans.
fn booleans(m: &Array2<bool>) -> String {
    let ones = array(
        m,
        |&a| if a { "1".into() } else { "0".into() },
        ONE_LINE_MASK,
    );
    format!("{ones} == 1")
}

/// A list of strings as Python writes it (JSON's escapes are Python's for these), `<` as
/// `\u003c`.
fn strings(xs: &[String]) -> String {
    let quoted: Vec<String> = xs
        .iter()
        .map(|x| {
            serde_json::to_string(x)
                .unwrap_or_else(|_| "\"\"".into())
                .replace('<', "\\u003c")
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}
