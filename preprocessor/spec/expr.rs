//! The small language shared by assertions and inline values.
//!
//! ```text
//! weights[cat][black]            a number of the current block
//! running:k[black][1]            a number of the named example (or block id) `running`
//! argmax(weights[cat])           a token: where "cat" attends most
//! sum(weights[*]) == 1           `*` stands for every row; the claim must hold for each
//! ```
//! Rows of token-indexed matrices are named by token (or 1-based position); dimensions by
//! 1-based number or, for embeddings, by name. Equality allows an error of 1e-9.

use super::BlockSpec;
use crate::core::AttentionResult;

/// How close two numbers must be for `==` to hold.
pub const EQUALITY_TOLERANCE: f64 = 1e-9;

/// A block after computing: what expressions are evaluated against.
#[derive(Debug, Clone)]
pub struct Computed {
    pub spec: BlockSpec,
    pub result: AttentionResult,
}

/// Names the expressions may refer to.
pub trait Scope {
    /// The block an unqualified reference means, if any.
    fn current(&self) -> Option<&Computed>;
    /// A named example or a block id.
    fn named(&self, name: &str) -> Option<&Computed>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum Index {
    Key(String),
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub source: Option<String>,
    pub field: String,
    pub indexes: Vec<Index>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Word(String),
    Ref(Ref),
    Call(String, Ref),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub left: Expr,
    pub op: Op,
    pub right: Expr,
}

/// A value an expression yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Num(f64),
    Text(String),
}

pub const FIELDS: &[&str] = &[
    "tokens",
    "embeddings",
    "w_q",
    "w_k",
    "w_v",
    "q",
    "k",
    "v",
    "dots",
    "scores",
    "weights",
    "output",
    "exps",
    "residual",
    "scale",
];
pub const FUNCTIONS: &[&str] = &["sum", "max", "min", "argmax", "argmin", "lead"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Punct(char),
    Op(Op),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if "[]():,*".contains(c) {
            chars.next();
            toks.push(Tok::Punct(c));
        } else if "=!<>".contains(c) {
            chars.next();
            let eq = chars.next_if(|&(_, n)| n == '=').is_some();
            toks.push(Tok::Op(match (c, eq) {
                ('=', true) => Op::Eq,
                ('!', true) => Op::Ne,
                ('<', false) => Op::Lt,
                ('<', true) => Op::Le,
                ('>', false) => Op::Gt,
                ('>', true) => Op::Ge,
                _ => {
                    return Err(format!(
                        "`{c}` is not an operator here; use ==, !=, <, <=, > or >="
                    ));
                }
            }));
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, ch)) => s.push(ch),
                    None => {
                        return Err(format!(
                            "the quote opened at character {} is never closed",
                            i + 1
                        ));
                    }
                }
            }
            toks.push(Tok::Quoted(s));
        } else {
            let mut s = String::new();
            while let Some(&(_, ch)) = chars.peek() {
                if ch.is_whitespace() || "[]():,*=!<>\"".contains(ch) {
                    break;
                }
                s.push(ch);
                chars.next();
            }
            toks.push(Tok::Word(s));
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Word(w)) => {
                if let Ok(x) = w.parse::<f64>() {
                    // "nan", "inf" and "1e999" parse as floats but are no number a book can show.
                    if !x.is_finite() {
                        return Err(format!(
                            "`{w}` is not a finite number — write an ordinary number like `0.5`"
                        ));
                    }
                    return Ok(Expr::Number(x));
                }
                if self.eat('(') {
                    if !FUNCTIONS.contains(&w.as_str()) {
                        return Err(format!(
                            "unknown function `{w}`{} — the functions are {}",
                            suggest(&w, FUNCTIONS),
                            FUNCTIONS.join(", ")
                        ));
                    }
                    let Some(Tok::Word(first)) = self.next() else {
                        return Err(format!(
                            "`{w}(` must be followed by a reference like `weights[cat]`"
                        ));
                    };
                    let r = self.reference(first)?;
                    if !self.eat(')') {
                        return Err(format!("`{w}(…` is missing its closing `)`"));
                    }
                    return Ok(Expr::Call(w, r));
                }
                if self.peek() == Some(&Tok::Punct('['))
                    || self.peek() == Some(&Tok::Punct(':'))
                    || FIELDS.contains(&w.as_str())
                {
                    return Ok(Expr::Ref(self.reference(w)?));
                }
                Ok(Expr::Word(w))
            }
            Some(Tok::Quoted(s)) => Ok(Expr::Word(s)),
            Some(t) => Err(format!(
                "expected a number, a token or a reference, found `{}`",
                show(&t)
            )),
            None => {
                Err("the expression is empty — write a reference like `weights[cat][black]`".into())
            }
        }
    }

    fn reference(&mut self, first: String) -> Result<Ref, String> {
        let (source, field) = if self.eat(':') {
            match self.next() {
                Some(Tok::Word(f)) => (Some(first), f),
                _ => {
                    return Err(format!(
                        "`{first}:` must be followed by a field like `weights`"
                    ));
                }
            }
        } else {
            (None, first)
        };
        if !FIELDS.contains(&field.as_str()) {
            return Err(format!(
                "unknown field `{field}`{} — the fields are {}",
                suggest(&field, FIELDS),
                FIELDS.join(", ")
            ));
        }
        let mut indexes = Vec::new();
        while self.eat('[') {
            let index = match self.next() {
                Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Index::Key(w),
                Some(Tok::Punct('*')) => Index::All,
                _ => return Err(format!("`{field}[` must hold a token, a number or `*`")),
            };
            if !self.eat(']') {
                return Err(format!("`{field}[…` is missing its closing `]`"));
            }
            indexes.push(index);
        }
        Ok(Ref {
            source,
            field,
            indexes,
        })
    }

    fn finish(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(format!(
                "unexpected `{}` after the end of the expression",
                show(t)
            )),
        }
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => w.clone(),
        Tok::Quoted(q) => format!("\"{q}\""),
        Tok::Punct(c) => c.to_string(),
        Tok::Op(op) => op_text(*op).to_string(),
    }
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "==",
        Op::Ne => "!=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
    }
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

/// Parses an inline value: a reference, a function of one, or a number. A bare word would only
/// print itself, so it is a mistake (most often a misspelt field).
pub fn parse_inline(text: &str) -> Result<Expr, String> {
    match parse_expr(text)? {
        Expr::Word(w) => {
            let hint = suggest(&w, FIELDS);
            Err(format!(
                "`{w}` is not a value{hint} — an inline value is a reference like \
                 `weights[cat][black]`, a function like `argmax(weights[cat])`, or a number; \
                 the fields are {}",
                FIELDS.join(", ")
            ))
        }
        e => Ok(e),
    }
}

pub fn parse_expr(text: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
    };
    let e = p.expr()?;
    p.finish()?;
    Ok(e)
}

/// Parses `left OP right`.
pub fn parse_assertion(text: &str) -> Result<Assertion, String> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
    };
    let left = p.expr()?;
    let op = match p.next() {
        Some(Tok::Op(op)) => op,
        _ => {
            return Err(
                "a claim compares two things — write it like `weights[cat][black] > 0.2`".into(),
            );
        }
    };
    let right = p.expr()?;
    p.finish()?;
    Ok(Assertion { left, op, right })
}

/// Evaluates an expression; `*` makes several values.
pub fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Vec<Val>, String> {
    match expr {
        Expr::Number(x) => Ok(vec![Val::Num(*x)]),
        Expr::Word(w) => Ok(vec![Val::Text(w.clone())]),
        Expr::Ref(r) => vectors(resolve(r, scope)?, r)?
            .into_iter()
            .map(|(_, v)| match v.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(format!(
                    "`{}` is a list of {}; name one entry with […] or use sum/max/argmax",
                    display_ref(r),
                    v.len()
                )),
            })
            .collect(),
        Expr::Call(f, r) => vectors(resolve(r, scope)?, r)?
            .into_iter()
            .map(|(labels, values)| {
                // A function compares the entries of a row; one number is not a row.
                if r.field == "scale" || labels.len() != values.len() || is_one_entry(r) {
                    return Err(format!(
                        "`{f}({})` needs a row of numbers, like `{f}(weights[cat])`, but `{}` is one number",
                        display_ref(r),
                        display_ref(r)
                    ));
                }
                apply(f, &labels, &values, r)
            })
            .collect(),
    }
}

/// The name of entry `i`, with its position when another entry shares the name.
fn label_of(labels: &[String], i: usize) -> String {
    if labels.iter().filter(|l| **l == labels[i]).count() > 1 {
        format!("{} (position {})", labels[i], i + 1)
    } else {
        labels[i].clone()
    }
}

/// Whether a reference names a single entry (`q[cat][1]`, `tokens[2]`) rather than a row.
fn is_one_entry(r: &Ref) -> bool {
    let vector = r.field == "tokens" || r.field == "scale";
    r.indexes.len() >= if vector { 1 } else { 2 }
}

fn apply(f: &str, labels: &[String], values: &[Val], r: &Ref) -> Result<Val, String> {
    let nums: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Val::Num(x) => Some((i, *x)),
            Val::Text(_) => None,
        })
        .collect();
    if nums.is_empty() {
        return Err(format!(
            "`{f}({})` has no numbers to work on",
            display_ref(r)
        ));
    }
    let best = |better: fn(f64, f64) -> bool| {
        nums.iter()
            .copied()
            .reduce(|a, b| if better(b.1, a.1) { b } else { a })
            .expect("not empty")
    };
    Ok(match f {
        "sum" => Val::Num(nums.iter().fold(0.0, |s, (_, x)| s + x)),
        "max" => Val::Num(best(|b, a| b > a).1),
        "min" => Val::Num(best(|b, a| b < a).1),
        "argmax" => Val::Text(label_of(labels, best(|b, a| b > a).0)),
        // How far the largest entry stands above the next: "attention that selects".
        "lead" => {
            let mut sorted: Vec<f64> = nums.iter().map(|(_, x)| *x).collect();
            sorted.sort_by(|a, b| b.total_cmp(a));
            match sorted.as_slice() {
                [first, second, ..] => Val::Num(first - second),
                _ => {
                    return Err(format!(
                        "`lead({})` needs at least two numbers to compare",
                        display_ref(r)
                    ));
                }
            }
        }
        _ => Val::Text(label_of(labels, best(|b, a| b < a).0)),
    })
}

fn display_ref(r: &Ref) -> String {
    let mut s = r
        .source
        .as_ref()
        .map(|s| format!("{s}:"))
        .unwrap_or_default();
    s.push_str(&r.field);
    for i in &r.indexes {
        match i {
            Index::Key(k) => s.push_str(&format!("[{k}]")),
            Index::All => s.push_str("[*]"),
        }
    }
    s
}

fn resolve<'s>(r: &Ref, scope: &'s dyn Scope) -> Result<&'s Computed, String> {
    match &r.source {
        Some(name) => scope.named(name).ok_or_else(|| {
            format!("nothing is named `{name}` — name a block with `id = \"{name}\"` earlier in this chapter, or define the example `{name}`")
        }),
        None => scope.current().ok_or_else(|| {
            format!("`{}` has no attention block above it in this chapter — write `NAME:{}` to use a named example", display_ref(r), display_ref(r))
        }),
    }
}

/// The labelled vectors a reference selects: one per row when the row index is `*`.
/// Labels and values of one row (or one entry) that a reference selects.
type Labelled = (Vec<String>, Vec<Val>);

fn vectors(c: &Computed, r: &Ref) -> Result<Vec<Labelled>, String> {
    let spec = &c.spec;
    let res = &c.result;
    let n = spec.tokens.len();
    let numbered = |count: usize| (1..=count).map(|i| i.to_string()).collect::<Vec<_>>();
    let num_matrix = |m: &ndarray::Array2<f64>| -> Vec<Vec<Val>> {
        m.rows()
            .into_iter()
            .map(|row| row.iter().map(|x| Val::Num(*x)).collect())
            .collect()
    };
    let opt_matrix = |m: &ndarray::Array2<Option<f64>>| -> Vec<Vec<Val>> {
        m.rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .map(|x| x.map_or(Val::Text("masked".into()), Val::Num))
                    .collect()
            })
            .collect()
    };
    // (row labels, column labels, matrix) for every field.
    let (row_labels, col_labels, matrix): (Vec<String>, Vec<String>, Vec<Vec<Val>>) = match r
        .field
        .as_str()
    {
        "scale" => (vec![], vec![], vec![vec![Val::Num(res.scale)]]),
        "tokens" => (
            vec![],
            numbered(n),
            vec![spec.tokens.iter().map(|t| Val::Text(t.clone())).collect()],
        ),
        "embeddings" => (
            spec.tokens.clone(),
            spec.dims.clone(),
            num_matrix(&spec.input.embeddings),
        ),
        "w_q" => (
            numbered(spec.input.w_q.nrows()),
            spec.dims.clone(),
            num_matrix(&spec.input.w_q),
        ),
        "w_k" => (
            numbered(spec.input.w_k.nrows()),
            spec.dims.clone(),
            num_matrix(&spec.input.w_k),
        ),
        "w_v" => (
            numbered(spec.input.w_v.nrows()),
            spec.dims.clone(),
            num_matrix(&spec.input.w_v),
        ),
        "q" => (
            spec.tokens.clone(),
            numbered(res.q.ncols()),
            num_matrix(&res.q),
        ),
        "k" => (
            spec.tokens.clone(),
            numbered(res.k.ncols()),
            num_matrix(&res.k),
        ),
        "v" => (
            spec.tokens.clone(),
            numbered(res.v.ncols()),
            num_matrix(&res.v),
        ),
        "output" => (
            spec.tokens.clone(),
            numbered(res.output.ncols()),
            num_matrix(&res.output),
        ),
        "dots" => (
            spec.tokens.clone(),
            spec.tokens.clone(),
            opt_matrix(&res.dots),
        ),
        "exps" => (
            spec.tokens.clone(),
            spec.tokens.clone(),
            (0..n)
                .map(|i| {
                    crate::core::exps(&res.score_row(i))
                        .into_iter()
                        .map(Val::Num)
                        .collect()
                })
                .collect(),
        ),
        "residual" => match res.residual(&spec.input.embeddings) {
            Some(m) => (spec.tokens.clone(), spec.dims.clone(), num_matrix(&m)),
            None => {
                return Err(format!(
                    "`{}` needs values as wide as the embeddings ({} dimensions), but they have {}",
                    display_ref(r),
                    spec.dims.len(),
                    res.v.ncols()
                ));
            }
        },
        "scores" => (
            spec.tokens.clone(),
            spec.tokens.clone(),
            opt_matrix(&res.scores),
        ),
        _ => (
            spec.tokens.clone(),
            spec.tokens.clone(),
            num_matrix(&res.weights),
        ),
    };
    let is_vector = row_labels.is_empty();
    let max_indexes = if is_vector { 1 } else { 2 };
    if r.indexes.len() > max_indexes {
        return Err(format!(
            "`{}` has too many […]: `{}` takes at most {max_indexes}",
            display_ref(r),
            r.field
        ));
    }
    // A number in brackets is always a position, from 1 (`#2` too); anything else is a name,
    // which must name exactly one row or column.
    let find = |labels: &[String], key: &str, what: &str| -> Result<usize, String> {
        let digits = key.strip_prefix('#').unwrap_or(key);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return match digits.parse::<usize>() {
                Ok(i) if (1..=labels.len()).contains(&i) => Ok(i - 1),
                _ => Err(format!(
                    "`{key}` is not a {what} of `{}`: positions run from 1 to {}",
                    display_ref(r),
                    labels.len()
                )),
            };
        }
        let matches: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == key).collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => {
                let names: Vec<&str> = labels.iter().map(String::as_str).collect();
                Err(format!(
                    "`{key}` is not a {what} of `{}`{} — use one of {} or a position from 1 to {}",
                    display_ref(r),
                    suggest(key, &names),
                    names.join(", "),
                    labels.len()
                ))
            }
            several => Err(format!(
                "`{key}` names {what}s {} of `{}` — write the position of the one you mean instead, like `[{}]`",
                several
                    .iter()
                    .map(|i| (i + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(" and "),
                display_ref(r),
                several[0] + 1
            )),
        }
    };
    let (rows, col_index): (Vec<usize>, Option<&Index>) = if is_vector {
        (vec![0], r.indexes.first())
    } else {
        let rows = match r.indexes.first() {
            None => {
                return Err(format!(
                    "`{}` is a whole matrix; name a row like `{}[{}]`",
                    display_ref(r),
                    r.field,
                    row_labels.first().cloned().unwrap_or_default()
                ));
            }
            Some(Index::All) => (0..row_labels.len()).collect(),
            Some(Index::Key(k)) => vec![find(&row_labels, k, "row")?],
        };
        (rows, r.indexes.get(1))
    };
    rows.into_iter()
        .map(|row| match col_index {
            None => Ok((col_labels.clone(), matrix[row].clone())),
            Some(Index::All) => Err(format!("`*` stands only for rows, in `{}`", display_ref(r))),
            Some(Index::Key(k)) => {
                let col = find(&col_labels, k, "column")?;
                Ok((
                    vec![col_labels[col].clone()],
                    vec![matrix[row][col].clone()],
                ))
            }
        })
        .collect()
}

fn holds(left: &Val, op: Op, right: &Val) -> bool {
    match (left, right) {
        (Val::Num(a), Val::Num(b)) => match op {
            Op::Eq => (a - b).abs() <= EQUALITY_TOLERANCE,
            Op::Ne => (a - b).abs() > EQUALITY_TOLERANCE,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        },
        (Val::Text(a), Val::Text(b)) => match op {
            Op::Eq => a == b,
            Op::Ne => a != b,
            _ => false,
        },
        _ => false,
    }
}

pub fn show_val(v: &Val) -> String {
    match v {
        Val::Num(x) => format!("{x}"),
        Val::Text(t) => t.clone(),
    }
}

/// Checks one claim; the error says what the numbers really are.
pub fn check(text: &str, scope: &dyn Scope) -> Result<(), String> {
    let a = parse_assertion(text)?;
    let left = eval(&a.left, scope)?;
    let right = eval(&a.right, scope)?;
    let pairs: Vec<(&Val, &Val)> = match (left.len(), right.len()) {
        (l, r) if l == r => left.iter().zip(right.iter()).collect(),
        (1, _) => right.iter().map(|r| (&left[0], r)).collect(),
        (_, 1) => left.iter().map(|l| (l, &right[0])).collect(),
        (l, r) => {
            return Err(format!(
                "the two sides give {l} and {r} values; use `*` on one side only"
            ));
        }
    };
    match pairs.into_iter().find(|(l, r)| !holds(l, a.op, r)) {
        None => Ok(()),
        Some((l, r)) => Err(format!(
            "the claim `{text}` is false: the left side is {} and the right side is {} — fix the numbers or the claim",
            show_val(l),
            show_val(r)
        )),
    }
}
