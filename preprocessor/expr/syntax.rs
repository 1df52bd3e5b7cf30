//! The syntax of the small language shared by assertions and inline values: text → [`Expr`].
//!
//! ```text
//! weights[cat][black]            a number of the current block
//! running:k[black][1]            a number of the named example (or block id) `running`
//! argmax(weights[cat])           a token: where "cat" attends most
//! sum(weights[*]) == 1           `*` stands for every row; the claim must hold for each
//! ```
//! Rows of token-indexed matrices are named by token (or 1-based position); dimensions by
//! 1-based number or, for embeddings, by name.

use super::names::{ResultGroup, ResultName};
use crate::source::suggest;

#[derive(Debug, Clone, PartialEq)]
pub enum Index {
    Key(String),
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    /// A named example or block id (`running:`); `None` is the current block.
    pub source: Option<String>,
    /// A named result of that block (`mask[causal].`); `None` is the block's own.
    pub result: Option<ResultName>,
    pub field: Quantity,
    pub indexes: Vec<Index>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Word(String),
    Ref(Ref),
    Call(Function, Ref),
}

impl Expr {
    /// A number or a word: the same whatever the figure holds.
    pub fn is_constant(&self) -> bool {
        matches!(self, Expr::Number(_) | Expr::Word(_))
    }
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

named_enum! {
    /// What a reference can read from a block.
    pub enum Quantity {
        Tokens = "tokens",
        Embeddings = "embeddings",
        WQ = "w_q",
        WK = "w_k",
        WV = "w_v",
        Q = "q",
        K = "k",
        V = "v",
        Dots = "dots",
        Scores = "scores",
        Weights = "weights",
        Output = "output",
        Exps = "exps",
        Residual = "residual",
        Scale = "scale",
        /// Added to the embeddings: sinusoidal or learned positions.
        Positions = "positions",
        /// The heads' outputs side by side.
        Concat = "concat",
        /// The heads' outputs combined by `w_o`.
        Combined = "combined",
    }
}

impl Quantity {
    /// A single number or a list (indexed at most once), rather than a matrix.
    pub fn is_vector(self) -> bool {
        matches!(self, Quantity::Tokens | Quantity::Scale)
    }
}

named_enum! {
    /// What a function does with a row of numbers.
    pub enum Function {
        Sum = "sum",
        Max = "max",
        Min = "min",
        Argmax = "argmax",
        Argmin = "argmin",
        /// How far the largest entry stands above the next: "attention that selects".
        Lead = "lead",
    }
}

pub const FIELDS: &[&str] = Quantity::NAMES;
pub const FUNCTIONS: &[&str] = Function::NAMES;

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
        } else if "[]():,*".contains(c) || (c == '.' && toks.last() == Some(&Tok::Punct(']'))) {
            // A dot right after `]` ends a result's name (`mask[causal].weights`); anywhere
            // else it belongs to a number.
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
                    let Some(function) = Function::parse(&w) else {
                        return Err(format!(
                            "unknown function `{w}`{} — the functions are {}",
                            suggest(&w, FUNCTIONS),
                            FUNCTIONS.join(", ")
                        ));
                    };
                    let Some(Tok::Word(first)) = self.next() else {
                        return Err(format!(
                            "`{w}(` must be followed by a reference like `weights[cat]`"
                        ));
                    };
                    let r = self.reference(first)?;
                    if !self.eat(')') {
                        return Err(format!("`{w}(…` is missing its closing `)`"));
                    }
                    return Ok(Expr::Call(function, r));
                }
                if self.peek() == Some(&Tok::Punct('['))
                    || self.peek() == Some(&Tok::Punct(':'))
                    || Quantity::parse(&w).is_some()
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
        let (source, name) = if self.eat(':') {
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
        let (result, name) = self.result_name(name)?;
        let Some(field) = Quantity::parse(&name) else {
            // `NAME:max(…)`: the function goes outside, around the name.
            if let (Some(source), Some(_)) = (&source, Function::parse(&name)) {
                return Err(format!(
                    "`{name}` is a function, not a field of `{source}` — put the function around the name: `{name}({source}:weights[…])`"
                ));
            }
            return Err(format!(
                "unknown field `{name}`{} — the fields are {}",
                suggest(&name, FIELDS),
                FIELDS.join(", ")
            ));
        };
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
            result,
            field,
            indexes,
        })
    }

    /// `GROUP[KEY].FIELD`: a named result, then the name of the field; or just the field.
    fn result_name(&mut self, name: String) -> Result<(Option<ResultName>, String), String> {
        let selects = Quantity::parse(&name).is_none()
            && self.toks.get(self.pos) == Some(&Tok::Punct('['))
            && self.toks.get(self.pos + 2) == Some(&Tok::Punct(']'))
            && self.toks.get(self.pos + 3) == Some(&Tok::Punct('.'));
        if !selects {
            return Ok((None, name));
        }
        let key = match &self.toks[self.pos + 1] {
            Tok::Word(k) | Tok::Quoted(k) => k.clone(),
            t => {
                return Err(format!(
                    "`{name}[{}]` must name a result, like `mask[causal]`",
                    show(t)
                ));
            }
        };
        self.pos += 4;
        let Some(group) = ResultGroup::parse(&name) else {
            let groups: Vec<String> = ResultGroup::NAMES
                .iter()
                .map(|g| format!("`{g}[…]`"))
                .collect();
            return Err(format!(
                "`{name}[{key}].` names a result, but there is no kind of result `{name}`{} — the named results are {}",
                suggest(&name, ResultGroup::NAMES),
                groups.join(", ")
            ));
        };
        match self.next() {
            Some(Tok::Word(field)) => Ok((Some(ResultName { group, key }), field)),
            _ => Err(format!(
                "`{name}[{key}].` must be followed by a field like `weights`"
            )),
        }
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

pub fn display_ref(r: &Ref) -> String {
    let mut s = r
        .source
        .as_ref()
        .map(|s| format!("{s}:"))
        .unwrap_or_default();
    if let Some(result) = &r.result {
        s.push_str(&format!("{result}."));
    }
    s.push_str(r.field.name());
    for i in &r.indexes {
        match i {
            Index::Key(k) => s.push_str(&format!("[{k}]")),
            Index::All => s.push_str("[*]"),
        }
    }
    s
}
