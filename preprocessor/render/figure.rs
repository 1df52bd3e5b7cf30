//! The figure model: what a table view shows, before it is written.
//!
//! Each table view builds one [`Table`]; `cells.rs` writes it as HTML and `static_form.rs` as
//! Markdown, so the two forms cannot drift apart. Words that depend on the widget's state (the
//! focus token, the scale) are [`Part::Bound`], which the browser rewrites like any number.

use super::binding::Bind;
use crate::block::{BlockSpec, Computed};
use crate::core::{AttentionInput, AttentionResult};

/// One result of a widget as a view shows it: the block's words and settings, and which result
/// (its inputs and its numbers). Views take this, never the whole widget.
#[derive(Clone, Copy)]
pub struct Shown<'a> {
    pub c: &'a Computed,
    pub spec: &'a BlockSpec,
    pub input: &'a AttentionInput,
    pub result: &'a AttentionResult,
    /// The index of the result in the widget, which the figure carries as `data-r`.
    pub which: usize,
}

impl<'a> Shown<'a> {
    pub fn of(c: &'a Computed, which: usize) -> Self {
        let named = &c.results[which];
        Shown {
            c,
            spec: &c.spec,
            input: &named.input,
            result: &named.result,
            which,
        }
    }
}

/// What one view shows, before it is written: the HTML and the Markdown writer each take this,
/// so a view is defined once.
pub enum Figure {
    Tables(Vec<Table>),
    Equations(Vec<Equation>),
    /// One heatmap, or the compare view's pair.
    Heatmaps(Vec<Heatmap>),
    /// The sliders and pickers, which only the live figure has.
    Controls,
    /// A chart drawn as SVG, and the same numbers as a table.
    Chart {
        svg: String,
        table: Table,
    },
    /// A map drawn as SVG (named `label`), above tables that hold its numbers and say more.
    Drawn {
        svg: String,
        label: String,
        tables: Vec<Table>,
        /// Pickers of a layer and a head (`(layers, heads)`), for the live figure only: the
        /// first table then shows the picked head.
        picker: Option<(usize, usize, usize, usize)>,
    },
    /// The attention as training goes: heatmaps of the block's own result, which a step
    /// slider (live figure only) sets to the weights of each kept step.
    Learning(Vec<Heatmap>),
    /// The sentence and a copy in another order, side by side on the same rows and columns,
    /// with what the copy's order is (`copy`) and how many weights it changed (`summary`); the
    /// live figure shuffles again, and switches the positions off and on when there are some.
    Order {
        panels: Vec<Heatmap>,
        copy: String,
        summary: String,
        switch: bool,
    },
    /// The sentence written one token at a time: every step, of which the live figure shows one
    /// (`shown`, from 1) and a control walks the others.
    Decode {
        steps: Vec<DecodeStep>,
        shown: usize,
        /// What the cache saves on longer texts, drawn (SVG) and counted; and what it costs a
        /// real model.
        chart: String,
        cost: Table,
        memory: String,
    },
}

/// One step of the decode view: its tables read the result `which` (`decode[step]`).
pub struct DecodeStep {
    pub which: usize,
    pub step: usize,
    pub heading: String,
    pub tables: Vec<Table>,
    /// What the step shows, in words: the row it equals, and the dot products the cache saved.
    pub said: String,
}

/// A piece of a caption: fixed words, or a binding the browser keeps true.
pub enum Part {
    Text(String),
    Bound(Bind, String),
}

/// A caption made of parts.
#[derive(Default)]
pub struct Caption(pub Vec<Part>);

impl Caption {
    pub fn new() -> Caption {
        Caption::default()
    }
    pub fn text(mut self, t: impl Into<String>) -> Caption {
        self.0.push(Part::Text(t.into()));
        self
    }
    pub fn bound(mut self, bind: Bind, shown: impl Into<String>) -> Caption {
        self.0.push(Part::Bound(bind, shown.into()));
        self
    }
    /// The words as a reader sees them now.
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Bound(_, t) => t.as_str(),
            })
            .collect()
    }
}

impl From<&str> for Caption {
    fn from(t: &str) -> Caption {
        Caption::new().text(t)
    }
}

pub struct Cell {
    pub text: String,
    pub bind: Option<Bind>,
    /// The result the cell reads, when not its figure's (`data-r`).
    pub result: Option<usize>,
    /// The result a difference is taken against (`data-against`).
    pub against: Option<usize>,
}

pub fn cell(text: String, bind: impl Into<Option<Bind>>) -> Cell {
    Cell {
        text,
        bind: bind.into(),
        result: None,
        against: None,
    }
}

pub fn blank() -> Cell {
    cell(String::new(), None)
}

pub struct Row {
    pub header: String,
    /// The focus token's row, picked out.
    pub focus: bool,
    /// A row that stands for a token: clicking it follows that token.
    pub token: Option<usize>,
    pub cells: Vec<Cell>,
}

pub struct Table {
    pub caption: Caption,
    pub corner: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    pub class: &'static str,
    /// A column picked out (the key a reader is asked to follow).
    pub marked: Option<usize>,
}

pub struct Heatmap {
    /// The result shown: an index into the block's results, which the figure carries as
    /// `data-r` so that the script redraws it from the same result.
    pub which: usize,
    /// The result whose cells this one's outlines compare with (`data-against`).
    pub compare_to: Option<usize>,
    pub heading: String,
    pub title: String,
    /// One of the compare view's pair: no focus-row outline, so outlines mean "changed" only.
    pub in_compare: bool,
    /// Always reads its own result, whichever head the step-by-step views follow.
    pub pinned: bool,
}

/// One term `w×x = product` of a projection line.
pub struct Term {
    pub w: String,
    pub x: (String, Bind),
    pub product: (String, Bind),
}

/// One line of the projection view: `q_cat[1] = 1.00×0.20 + … = 0.20 + … = 0.41`.
pub struct Equation {
    pub matrix: &'static str,
    pub out: &'static str,
    pub row: usize,
    pub terms: Vec<Term>,
    pub result: (String, Bind),
}
