//! The numbers a book shows, recorded while it is checked — each figure's numbers, each inline
//! value, each claim — and what changed between two such records: what `diff` reports.
//!
//! Records are matched across versions by what an edit leaves alone: a figure by its file, its
//! `id` (or its views and title) and its place among figures of the same kind; an inline value
//! by its file, its expression and its place among the same expressions; a claim likewise. So a
//! paragraph added above a figure moves its line, not its identity.

use crate::format::{fmt, fmt_opt};
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything one version of a book shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ledger {
    pub figures: Vec<FigureRecord>,
    pub values: Vec<ValueRecord>,
    pub claims: Vec<ClaimRecord>,
}

/// One figure: its numbers, field by field (masked entries `None`), and where each token
/// attends most.
#[derive(Debug, Clone, Serialize)]
pub struct FigureRecord {
    pub file: String,
    pub line: usize,
    /// How a reviewer recognises it: `id = "live"`, or its views.
    pub name: String,
    #[serde(skip)]
    pub key: String,
    pub tokens: Vec<String>,
    pub fields: BTreeMap<String, Numbers>,
    /// Per token (row of the weights): the token it attends to most, and that weight.
    pub strongest: Vec<Option<(usize, f64)>>,
}

/// A field's numbers, row by row (masked entries `None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbers {
    pub columns: usize,
    pub cells: Vec<Option<f64>>,
}

/// One inline value as the reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ValueRecord {
    pub file: String,
    pub line: usize,
    /// As the author wrote it: `attn: weights[cat][black]`.
    pub written: String,
    pub shown: String,
    pub numbers: Vec<f64>,
    #[serde(skip)]
    pub key: String,
}

/// One claim and whether it holds.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimRecord {
    pub file: String,
    pub line: usize,
    pub text: String,
    pub holds: bool,
    #[serde(skip)]
    pub key: String,
}

/// Gives each record of a kind its occurrence among records with the same identity.
#[derive(Debug, Default)]
pub struct Keys(BTreeMap<String, usize>);

impl Keys {
    pub fn key(&mut self, identity: String) -> String {
        let n = self.0.entry(identity.clone()).or_insert(0);
        *n += 1;
        format!("{identity}#{n}")
    }
}

/// An inline value whose value changed.
#[derive(Debug, Clone, Serialize)]
pub struct ValueChange {
    pub file: String,
    pub line: usize,
    pub written: String,
    pub old: String,
    pub new: String,
    /// new − old, exactly, for each number (empty for words).
    pub difference: Vec<f64>,
    /// Whether a reader sees it: the shown text changed, not only digits beyond it.
    pub visible: bool,
}

/// How one field of a figure changed.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub field: String,
    /// Cells whose shown number changed, of all cells.
    pub cells: usize,
    pub of: usize,
    /// The largest change: which cell, written as a reference (`weights[cat][black]`), old
    /// and new.
    pub largest: (String, Option<f64>, Option<f64>),
}

/// Where a token attended most, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct StrongestMove {
    pub token: String,
    pub old: Option<(String, f64)>,
    pub new: Option<(String, f64)>,
}

/// A figure whose numbers changed.
#[derive(Debug, Clone, Serialize)]
pub struct FigureChange {
    pub file: String,
    pub line: usize,
    pub name: String,
    pub fields: Vec<FieldChange>,
    pub strongest: Vec<StrongestMove>,
}

/// What changed between two versions of a book, in what a reader sees.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    pub values: Vec<ValueChange>,
    pub figures: Vec<FigureChange>,
    pub figures_added: Vec<(String, usize, String)>,
    pub figures_removed: Vec<(String, usize, String)>,
    pub claims_added: Vec<ClaimRecord>,
    pub claims_removed: Vec<ClaimRecord>,
    pub claims_newly_failing: Vec<ClaimRecord>,
    pub claims_now_holding: Vec<ClaimRecord>,
}

impl Changes {
    /// Whether no number a reader sees moved (prose edits only).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.figures.is_empty()
            && self.figures_added.is_empty()
            && self.figures_removed.is_empty()
            && self.claims_added.is_empty()
            && self.claims_removed.is_empty()
            && self.claims_newly_failing.is_empty()
            && self.claims_now_holding.is_empty()
    }
}

/// Compares two versions of a book.
pub fn compare(old: &Ledger, new: &Ledger) -> Changes {
    let mut changes = Changes::default();
    let by_key = |figures: &[FigureRecord]| -> BTreeMap<String, usize> {
        figures
            .iter()
            .enumerate()
            .map(|(i, f)| (f.key.clone(), i))
            .collect()
    };
    let (old_figures, new_figures) = (by_key(&old.figures), by_key(&new.figures));
    for f in &new.figures {
        match old_figures.get(&f.key) {
            None => changes
                .figures_added
                .push((f.file.clone(), f.line, f.name.clone())),
            Some(&i) => {
                if let Some(change) = figure_change(&old.figures[i], f) {
                    changes.figures.push(change);
                }
            }
        }
    }
    for f in &old.figures {
        if !new_figures.contains_key(&f.key) {
            changes
                .figures_removed
                .push((f.file.clone(), f.line, f.name.clone()));
        }
    }
    let old_values: BTreeMap<&str, &ValueRecord> =
        old.values.iter().map(|v| (v.key.as_str(), v)).collect();
    for v in &new.values {
        if let Some(was) = old_values.get(v.key.as_str())
            && (was.shown != v.shown || was.numbers != v.numbers)
        {
            let difference = if was.numbers.len() == v.numbers.len() {
                v.numbers
                    .iter()
                    .zip(&was.numbers)
                    .map(|(n, o)| n - o)
                    .collect()
            } else {
                Vec::new()
            };
            changes.values.push(ValueChange {
                file: v.file.clone(),
                line: v.line,
                written: v.written.clone(),
                old: was.shown.clone(),
                new: v.shown.clone(),
                difference,
                visible: was.shown != v.shown,
            });
        }
    }
    let old_claims: BTreeMap<&str, &ClaimRecord> =
        old.claims.iter().map(|c| (c.key.as_str(), c)).collect();
    let new_claims: BTreeMap<&str, &ClaimRecord> =
        new.claims.iter().map(|c| (c.key.as_str(), c)).collect();
    for c in &new.claims {
        match old_claims.get(c.key.as_str()) {
            None => changes.claims_added.push(c.clone()),
            Some(was) if was.holds && !c.holds => changes.claims_newly_failing.push(c.clone()),
            Some(was) if !was.holds && c.holds => changes.claims_now_holding.push(c.clone()),
            Some(_) => {}
        }
    }
    for c in &old.claims {
        if !new_claims.contains_key(c.key.as_str()) {
            changes.claims_removed.push(c.clone());
        }
    }
    changes
}

/// A cell of a field as the expression language names it: rows of token-indexed fields by
/// token, columns of the token × token fields by token, other columns by number from 1.
fn cell_name(field: &str, tokens: &[String], columns: usize, index: usize) -> String {
    let (row, col) = (index / columns.max(1), index % columns.max(1));
    let token = |i: usize| {
        tokens
            .get(i)
            .cloned()
            .unwrap_or_else(|| (i + 1).to_string())
    };
    let row = match field {
        "w_q" | "w_k" | "w_v" => (row + 1).to_string(),
        _ => token(row),
    };
    let col = match field {
        "scores" | "weights" => token(col),
        _ => (col + 1).to_string(),
    };
    if field == "scale" {
        return field.to_string();
    }
    format!("{field}[{row}][{col}]")
}

fn figure_change(old: &FigureRecord, new: &FigureRecord) -> Option<FigureChange> {
    let mut fields = Vec::new();
    for (field, numbers) in &new.fields {
        let Some(was) = old.fields.get(field) else {
            continue;
        };
        let (cells, before) = (&numbers.cells, &was.cells);
        if before.len() != cells.len() {
            // A new shape: every cell is new.
            fields.push(FieldChange {
                field: field.clone(),
                cells: cells.len(),
                of: cells.len(),
                largest: (format!("{field} (now {} numbers)", cells.len()), None, None),
            });
            continue;
        }
        let changed: Vec<usize> = (0..cells.len())
            .filter(|&i| cells[i] != before[i])
            .collect();
        if changed.is_empty() {
            continue;
        }
        let size = |i: usize| match (before[i], cells[i]) {
            (Some(a), Some(b)) => (b - a).abs(),
            _ => f64::INFINITY,
        };
        let largest = changed
            .iter()
            .copied()
            .max_by(|&a, &b| size(a).total_cmp(&size(b)))
            .unwrap_or(0);
        fields.push(FieldChange {
            field: field.clone(),
            cells: changed
                .iter()
                .filter(|&&i| fmt_opt(before[i]) != fmt_opt(cells[i]))
                .count(),
            of: cells.len(),
            largest: (
                cell_name(field, &new.tokens, numbers.columns, largest),
                before[largest],
                cells[largest],
            ),
        });
    }
    if fields.is_empty() {
        return None;
    }
    let name_of = |f: &FigureRecord, t: Option<(usize, f64)>| {
        t.map(|(j, w)| (f.tokens.get(j).cloned().unwrap_or_default(), w))
    };
    let strongest = (0..new.strongest.len().min(old.strongest.len()))
        .filter_map(|i| {
            let (a, b) = (
                name_of(old, old.strongest[i]),
                name_of(new, new.strongest[i]),
            );
            let moved = match (&a, &b) {
                (Some((ta, wa)), Some((tb, wb))) => ta != tb || fmt(*wa) != fmt(*wb),
                (None, None) => false,
                _ => true,
            };
            moved.then(|| StrongestMove {
                token: new.tokens.get(i).cloned().unwrap_or_default(),
                old: a,
                new: b,
            })
        })
        .collect();
    Some(FigureChange {
        file: new.file.clone(),
        line: new.line,
        name: new.name.clone(),
        fields,
        strongest,
    })
}
