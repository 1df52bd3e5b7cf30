//! Evaluation: an [`Expr`] and a [`Scope`] → values, and claims checked with messages that say
//! what the numbers really are. Equality allows an error of 1e-9.

use crate::block::{Computed, Scope};
use crate::core::{AttentionInput, Projection};
use crate::expr::syntax::{Expr, Function, Index, Op, Quantity, Ref, display_ref, parse_assertion};
use crate::format::{fmt, human};
use crate::source::{Diagnostic, Place, suggest};

/// How close two numbers must be for `==` to hold.
pub const EQUALITY_TOLERANCE: f64 = 1e-9;

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    pub message: String,
    /// The expression names something that failed and was reported in its own right.
    pub follow_on: bool,
}

impl From<String> for ExprError {
    fn from(message: String) -> Self {
        ExprError {
            message,
            follow_on: false,
        }
    }
}

impl std::fmt::Display for ExprError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A value an expression yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Num(f64),
    Text(String),
}

/// Evaluates an expression; `*` makes several values.
pub fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Vec<Val>, ExprError> {
    match expr {
        Expr::Number(x) => Ok(vec![Val::Num(*x)]),
        Expr::Word(w) => Ok(vec![Val::Text(w.clone())]),
        Expr::Ref(r) => {
            let rows = vectors(resolve(r, scope)?, r)?;
            let one = |(_, v): Labelled| match v.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(format!(
                    "`{}` is a list of {}; name one entry with […] or use sum/max/argmax",
                    display_ref(r),
                    v.len()
                )),
            };
            Ok(rows.into_iter().map(one).collect::<Result<_, _>>()?)
        }
        Expr::Call(f, r) => {
            let rows = vectors(resolve(r, scope)?, r)?;
            let apply_to = |(labels, values): Labelled| {
                // A function compares the entries of a row; one number is not a row.
                if r.field == Quantity::Scale || labels.len() != values.len() || is_one_entry(r) {
                    return Err(format!(
                        "`{f}({})` needs a row of numbers, like `{f}(weights[cat])`, but `{}` is one number",
                        display_ref(r),
                        display_ref(r)
                    ));
                }
                apply(*f, &labels, &values, r)
            };
            Ok(rows.into_iter().map(apply_to).collect::<Result<_, _>>()?)
        }
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
    r.indexes.len() >= if r.field.is_vector() { 1 } else { 2 }
}

fn apply(f: Function, labels: &[String], values: &[Val], r: &Ref) -> Result<Val, String> {
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
        Function::Sum => Val::Num(nums.iter().fold(0.0, |s, (_, x)| s + x)),
        Function::Max => Val::Num(best(|b, a| b > a).1),
        Function::Min => Val::Num(best(|b, a| b < a).1),
        Function::Argmax => Val::Text(label_of(labels, best(|b, a| b > a).0)),
        Function::Argmin => Val::Text(label_of(labels, best(|b, a| b < a).0)),
        Function::Lead => {
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
    })
}

fn resolve<'s>(r: &Ref, scope: &'s dyn Scope) -> Result<&'s Computed, ExprError> {
    let follow_on = |message: String| ExprError {
        message,
        follow_on: true,
    };
    match &r.source {
        Some(name) => {
            if let Some(c) = scope.named(name) {
                return Ok(c);
            }
            if let Some(at) = scope.failed(name) {
                return Err(follow_on(format!(
                    "`{name}` could not be computed — see {at}"
                )));
            }
            let names = scope.names();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let guess = suggest(name, &names);
            if guess.is_empty() {
                Err(format!("nothing is named `{name}` — name a block with `id = \"{name}\"` earlier in this chapter, or define the example `{name}`").into())
            } else {
                // A typo is the likelier mistake: say the near name first.
                Err(format!("nothing is named `{name}`{guess} — or name a block with `id = \"{name}\"` earlier in this chapter, or define the example `{name}`").into())
            }
        }
        None => {
            if let Some(c) = scope.current() {
                return Ok(c);
            }
            if let Some(at) = scope.current_failed() {
                return Err(follow_on(format!(
                    "the block above it could not be computed — see {at}"
                )));
            }
            Err(format!("`{}` has no attention block above it in this chapter — write `NAME:{}` to use a named example", display_ref(r), display_ref(r)).into())
        }
    }
}

/// The labelled vectors a reference selects: one per row when the row index is `*`.
/// Labels and values of one row (or one entry) that a reference selects.
type Labelled = (Vec<String>, Vec<Val>);

/// The result a reference reads: the block's own, or the named one.
fn result_of<'c>(c: &'c Computed, r: &Ref) -> Result<&'c crate::block::NamedResult, String> {
    let Some(name) = &r.result else {
        return Ok(&c.results[0]);
    };
    match c.index_of(name) {
        Some(i) => Ok(&c.results[i]),
        None => {
            let names = c.result_names();
            let whose = r
                .source
                .as_ref()
                .map_or("this block".to_string(), |s| format!("`{s}`"));
            let has = if names.is_empty() {
                "it has only its own result (`heads[…]` come with `heads = [...]`, `mask[…]` with the \"compare\" view, `order[shuffled]` with the \"order\" view, `step[…]` with `train`, `before[set_query]` with `set_query` and the \"scores\" view)"
                    .to_string()
            } else {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("its named results are {}", listed.join(", "))
            };
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            Err(format!(
                "{whose} has no result `{name}`{} — {has}",
                suggest(&name.to_string(), &candidates)
            ))
        }
    }
}

/// The embeddings and weights a quantity reads; a real model's head has none of its own.
fn projected<'i>(r: &Ref, input: &'i AttentionInput) -> Result<&'i Projection, String> {
    input.projection().ok_or_else(|| {
        format!(
            "`{}`: a block on a model's head starts from the head's queries, keys and values, so it has no embeddings or weights of its own — use q, k, v, scores, weights or output",
            display_ref(r)
        )
    })
}

fn vectors(c: &Computed, r: &Ref) -> Result<Vec<Labelled>, String> {
    let spec = &c.spec;
    let named = result_of(c, r)?;
    let (input, res) = (&named.input, &named.result);
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
    // A result's rows are its queries and its columns its keys: every token, except for a
    // decoding step (one query against the tokens written so far).
    let axes = spec.kind.axes(&spec.tokens);
    let queries = axes.queries[named.axes.queries.clone()].to_vec();
    let keys = axes.keys[named.axes.keys.clone()].to_vec();
    let (row_labels, col_labels, matrix): (Vec<String>, Vec<String>, Vec<Vec<Val>>) = match r.field
    {
        Quantity::Scale => (vec![], vec![], vec![vec![Val::Num(res.scale)]]),
        Quantity::Tokens => (
            vec![],
            numbered(n),
            vec![spec.tokens.iter().map(|t| Val::Text(t.clone())).collect()],
        ),
        Quantity::Embeddings => (
            spec.tokens.clone(),
            spec.dims.clone(),
            num_matrix(&projected(r, input)?.embeddings),
        ),
        Quantity::WQ | Quantity::WK | Quantity::WV => {
            let p = projected(r, input)?;
            let w = match r.field {
                Quantity::WQ => &p.w_q,
                Quantity::WK => &p.w_k,
                _ => &p.w_v,
            };
            (numbered(w.nrows()), spec.dims.clone(), num_matrix(w))
        }
        Quantity::Q => (queries.clone(), numbered(res.q.ncols()), num_matrix(&res.q)),
        Quantity::K => (keys.clone(), numbered(res.k.ncols()), num_matrix(&res.k)),
        Quantity::V => (keys.clone(), numbered(res.v.ncols()), num_matrix(&res.v)),
        Quantity::Output => (
            queries.clone(),
            numbered(res.output.ncols()),
            num_matrix(&res.output),
        ),
        Quantity::Dots => (queries.clone(), keys.clone(), opt_matrix(&res.dots)),
        Quantity::Exps => (
            queries.clone(),
            keys.clone(),
            (0..res.scores.nrows())
                .map(|i| {
                    crate::core::exps(&res.score_row(i))
                        .into_iter()
                        .map(Val::Num)
                        .collect()
                })
                .collect(),
        ),
        Quantity::Positions => match (&input.positions, &spec.positions) {
            (Some(p), _) => (spec.tokens.clone(), spec.dims.clone(), num_matrix(p)),
            (None, crate::block::PositionsKind::Rope) => {
                return Err(format!(
                    "`{}`: rotary positions are not added to the embeddings, they turn the queries and keys — compare `q` and `k` instead",
                    display_ref(r)
                ));
            }
            (None, _) => {
                return Err(format!(
                    "`{}`: this block adds no positions — give `positions = \"sinusoidal\"` or learned rows",
                    display_ref(r)
                ));
            }
        },
        Quantity::Concat | Quantity::Combined => {
            // They belong to the block's heads together: one result has neither.
            if let Some(name) = &r.result {
                return Err(format!(
                    "`{}`: `{}` belongs to the block, made from all its heads, not to the result `{name}` — write `{}` without `{name}.`",
                    display_ref(r),
                    r.field.name(),
                    r.field.name()
                ));
            }
            let m = match (&c.combined, r.field) {
                (Some(combined), Quantity::Concat) => Some(&combined.concat),
                (Some(combined), _) => combined.output.as_ref(),
                (None, _) => None,
            };
            let Some(m) = m else {
                return Err(format!(
                    "`{}`: this block has {} — `concat` needs several heads (`heads = [...]`) and `combined` also `w_o`",
                    display_ref(r),
                    if spec.kind.heads() > 1 {
                        "several heads but no `w_o`".to_string()
                    } else {
                        "one head".to_string()
                    }
                ));
            };
            (spec.tokens.clone(), numbered(m.ncols()), num_matrix(m))
        }
        Quantity::Residual => {
            match res.residual(&projected(r, input)?.inputs(input.positions.as_ref())) {
                Some(m) => (spec.tokens.clone(), spec.dims.clone(), num_matrix(&m)),
                None => {
                    return Err(format!(
                        "`{}` needs values as wide as the embeddings ({} dimensions), but they have {}",
                        display_ref(r),
                        spec.dims.len(),
                        res.v.ncols()
                    ));
                }
            }
        }
        Quantity::Scores => (queries.clone(), keys.clone(), opt_matrix(&res.scores)),
        Quantity::Weights => (queries.clone(), keys.clone(), num_matrix(&res.weights)),
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
        if labels.is_empty() {
            return Err(format!(
                "`{}` is one number, with no {what} to pick — write `{}` without `[{key}]`",
                r.field, r.field
            ));
        }
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
        Val::Num(x) => human(*x),
        Val::Text(t) => t.clone(),
    }
}

/// Two numbers as a reader tells them apart: in the book's format, unless that shows them
/// equal, then exactly.
fn apart(a: f64, b: f64) -> (String, String) {
    let (x, y) = (fmt(a), fmt(b));
    if x == y { (human(a), human(b)) } else { (x, y) }
}

/// Why a pair of values breaks a claim, in the author's terms.
fn why_false(text: &str, l: &Val, r: &Val) -> String {
    let sides = match (l, r) {
        (Val::Num(a), Val::Num(b)) => {
            let (x, y) = apart(*a, *b);
            let gap = (a - b).abs();
            let gap = if fmt(gap) == fmt(0.0) {
                human(gap)
            } else {
                fmt(gap)
            };
            format!("the left side is {x} and the right side is {y} (they differ by {gap})")
        }
        (Val::Text(t), Val::Num(x)) | (Val::Num(x), Val::Text(t)) => {
            let (left, right) = match l {
                Val::Text(_) => (
                    format!("the token `{t}`"),
                    format!("the number {}", human(*x)),
                ),
                Val::Num(_) => (
                    format!("the number {}", human(*x)),
                    format!("the token `{t}`"),
                ),
            };
            return format!(
                "the claim `{text}` compares {left} with {right}, which are never equal — to compare with a token that looks like a number or a field, quote it: `\"{t}\"`"
            );
        }
        _ => format!(
            "the left side is {} and the right side is {}",
            show_val(l),
            show_val(r)
        ),
    };
    format!("the claim `{text}` is false: {sides} — fix the numbers or the claim")
}

/// Checks one claim; the error says what the numbers really are.
pub fn check(text: &str, scope: &dyn Scope) -> Result<(), ExprError> {
    let a = parse_assertion(text)?;
    let left = eval(&a.left, scope)?;
    let right = eval(&a.right, scope)?;
    let pairs: Vec<(&Val, &Val)> = match (left.len(), right.len()) {
        (l, r) if l == r => left.iter().zip(right.iter()).collect(),
        (1, _) => right.iter().map(|r| (&left[0], r)).collect(),
        (_, 1) => left.iter().map(|l| (l, &right[0])).collect(),
        (l, r) => {
            return Err(
                format!("the two sides give {l} and {r} values; use `*` on one side only").into(),
            );
        }
    };
    match pairs.into_iter().find(|(l, r)| !holds(l, a.op, r)) {
        None => Ok(()),
        Some((l, r)) => Err(why_false(text, l, r).into()),
    }
}

/// An expression's error at a place, a follow-on if it only repeats another failure.
pub fn located(place: Place, e: ExprError) -> Diagnostic {
    if e.follow_on {
        Diagnostic::follow_on(place, e.message)
    } else {
        Diagnostic::new(place, e.message)
    }
}

/// [`located`], underlining only what the message names: the first thing it quotes in
/// backticks (`dgo` in "`dgo` is not one of the tokens"), where that occurs once in `text`, the
/// expression as written at `place` between its quotes. Anything less certain — an escape in
/// the string, a name that occurs twice — keeps the whole expression underlined.
pub fn located_in(place: Place, text: &str, e: ExprError) -> Diagnostic {
    located(narrow(place, text, &e.message), e)
}

/// The part of `place` (which holds `text` between two one-character quotes) that `message`
/// names first in backticks, if that is certain; else `place` as it is.
pub fn narrow(place: Place, text: &str, message: &str) -> Place {
    let culprit = message
        .split('`')
        .nth(1)
        .filter(|c| !c.is_empty() && c.len() < text.len());
    let narrowed = culprit.and_then(|c| {
        let at = text.find(c)?;
        let once = text.matches(c).count() == 1;
        let verbatim = place.width == text.chars().count() + 2 && place.column > 0;
        (once && verbatim).then(|| Place {
            column: place.column + 1 + text[..at].chars().count(),
            width: c.chars().count(),
            ..place.clone()
        })
    });
    narrowed.unwrap_or(place)
}
