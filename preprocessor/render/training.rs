//! The figures of a trained block: the loss curve, one weight's first step worked out, the
//! attention at chosen steps side by side, and what the learned matrices read.
//!
//! The loss curve is drawn here as SVG (its numbers are also a table in the Markdown form);
//! the rest are tables and heatmaps of the book's usual kinds.

use super::chart::Frame;
use super::figure::Heatmap;
use super::figure::{Row, Table, cell};
use crate::block::{Computed, ResultGroup, ResultName};
use crate::core::training::Training;
use crate::format::fmt;
use std::fmt::Write;

/// The run behind a view, or the message for a block without one.
pub fn run_of(c: &Computed) -> Result<&Training, String> {
    c.spec.kind.training().ok_or_else(|| {
        "this view shows a training run — give the block `train = { … }`".to_string()
    })
}

/// The loss at each kept step, for tables and the chart's summary.
pub struct Chart<'a> {
    pub run: &'a Training,
}

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 44.0;
const FRAME: Frame = Frame {
    width: WIDTH,
    height: HEIGHT,
    left: LEFT,
    right: RIGHT,
    top: TOP,
    bottom: BOTTOM,
};

impl Chart<'_> {
    /// What the chart shows, in words (its accessible name and its caption).
    pub fn summary(&self) -> String {
        let r = self.run;
        format!(
            "Loss during training: on the training sentences it falls from {} to {}, on held-out sentences from {} to {}, over {} steps",
            fmt(r.loss[0]),
            fmt(*r.loss.last().unwrap_or(&0.0)),
            fmt(r.held_out_loss[0]),
            fmt(*r.held_out_loss.last().unwrap_or(&0.0)),
            r.config.steps
        )
    }

    /// The curve as SVG: steps across, loss up; training solid, held out dashed.
    pub fn svg(&self) -> String {
        let r = self.run;
        let steps = r.config.steps.max(1) as f64;
        let top = r
            .loss
            .iter()
            .chain(&r.held_out_loss)
            .copied()
            .fold(0.0, f64::max);
        // A round top for the axis: the next half unit up.
        let y_max = ((top * 2.0).ceil() / 2.0).max(0.5);
        let x = |step: f64| LEFT + step / steps * (WIDTH - LEFT - RIGHT);
        let y = |loss: f64| TOP + (1.0 - loss / y_max) * (HEIGHT - TOP - BOTTOM);
        let line = |points: &mut dyn Iterator<Item = (usize, f64)>| {
            let mut d = String::new();
            for (i, (step, v)) in points.enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { " L" },
                    x(step as f64),
                    y(v)
                );
            }
            d
        };
        let mut out = FRAME.open(&self.summary());
        // Ticks on round steps: a fifth of the run, rounded to a multiple of 5.
        let every = ((steps / 5.0 / 5.0).round() * 5.0).max(1.0);
        let ticks = (steps / every).floor() as usize;
        for i in 0..=ticks {
            let step = every * i as f64;
            let _ = write!(
                out,
                "<text class=\"attention-chart-tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(step),
                HEIGHT - BOTTOM + 16.0,
                step
            );
        }
        for i in 0..=2 {
            let loss = y_max * i as f64 / 2.0;
            let _ = write!(
                out,
                "<text class=\"attention-chart-tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><path class=\"attention-chart-grid\" d=\"M{LEFT},{:.1} H{:.1}\"></path>",
                LEFT - 6.0,
                y(loss) + 4.0,
                fmt(loss),
                y(loss),
                WIDTH - RIGHT
            );
        }
        FRAME.axis_names(&mut out, "training step", "loss");
        let _ = write!(
            out,
            "<path class=\"attention-chart-held-out\" d=\"{}\"></path><path class=\"attention-chart-train\" d=\"{}\"></path>",
            line(
                &mut r
                    .snapshots
                    .iter()
                    .map(|s| s.step)
                    .zip(r.held_out_loss.iter().copied())
            ),
            line(&mut r.loss.iter().copied().enumerate())
        );
        // The legend, top right.
        FRAME.legend(
            &mut out,
            WIDTH - RIGHT - 190.0,
            &[
                ("train", "training sentences"),
                ("held-out", "held-out sentences"),
            ],
        );
        out.push_str("</svg>");
        out
    }

    /// The same curve as numbers, at the kept steps.
    pub fn table(&self) -> Table {
        let r = self.run;
        Table {
            caption:
                "Loss at the kept steps (mean cross-entropy: the lower, the surer the right answer)"
                    .into(),
            corner: "step".into(),
            columns: vec!["training sentences".into(), "held-out sentences".into()],
            rows: r
                .snapshots
                .iter()
                .zip(&r.held_out_loss)
                .map(|(s, held_out)| Row {
                    header: s.step.to_string(),
                    focus: false,
                    token: None,
                    cells: vec![cell(fmt(r.loss[s.step]), None), cell(fmt(*held_out), None)],
                })
                .collect(),
            class: "attention-matrix",
            marked: None,
        }
    }
}

/// One weight's first step, in numbers a reader can check with a pencil.
pub fn gradient(run: &Training) -> Table {
    let w = &run.worked;
    let slope = (w.loss_up - w.loss_down) / (2.0 * w.nudge);
    let name = format!("W_K[{}][{}]", w.row + 1, w.col + 1);
    let row = |label: String, value: String| Row {
        header: label,
        focus: false,
        token: None,
        cells: vec![cell(value, None)],
    };
    // The loss moves in its sixth decimal: these two carry enough digits for the slope below
    // to come out of them with a pencil.
    let full = |x: f64| format!("{x:.12}");
    Table {
        caption: format!(
            "One weight's first step: {name} (row {}, column {} of W_K), the weight with the steepest slope at the start; the loss is over all training sentences, and the step is the learning rate against the slope's sign",
            w.row + 1,
            w.col + 1
        )
        .as_str()
        .into(),
        corner: "".into(),
        columns: vec![name.clone()],
        rows: vec![
            // Short labels: on a phone the numbers must stay beside them.
            row("before".into(), format!("{:.6}", w.before)),
            row(format!("loss, +{}", w.nudge), full(w.loss_up)),
            row(format!("loss, −{}", w.nudge), full(w.loss_down)),
            row(format!("slope: diff ÷ {}", 2.0 * w.nudge), format!("{slope:.6}")),
            row("gradient (backward)".into(), format!("{:.6}", w.gradient)),
            row(
                format!("step (rate {})", run.config.learning_rate),
                format!("{:.6}", w.after - w.before),
            ),
            row("after".into(), format!("{:.6}", w.after)),
        ],
        class: "attention-matrix",
        marked: None,
    }
}

/// The attention of the shown sentence at the chosen steps, side by side, each pinned to its
/// own result `step[N]`.
pub fn panels(c: &Computed) -> Result<Vec<Heatmap>, String> {
    run_of(c)?;
    let shown = c.spec.kind.trained().map_or(&[][..], |t| &t.panels[..]);
    shown
        .iter()
        .map(|step| {
            let name = ResultName {
                group: ResultGroup::Step,
                key: step.to_string(),
            };
            let which = c
                .index_of(&name)
                .ok_or_else(|| format!("the block has no result `{name}`"))?;
            let heading = if *step == 0 {
                "Before training".to_string()
            } else {
                format!("After {step} steps")
            };
            Ok(Heatmap {
                which,
                compare_to: None,
                title: format!("{heading}: attention weights, row = the token attending, column = the token attended to"),
                heading,
                in_compare: false,
                pinned: true,
            })
        })
        .collect()
}

/// The learned `W_Q` and `W_K` after the last step, and how strongly each reads each
/// dimension of its input (the length of that column).
pub fn learned(c: &Computed) -> Result<Vec<Table>, String> {
    let run = run_of(c)?;
    let last = &run.snapshots.last().expect("the last step is kept").params;
    let dims: Vec<String> = (1..=last.w_q.ncols()).map(|i| format!("in {i}")).collect();
    let matrix = |name: &str, m: &ndarray::Array2<f64>| Table {
        caption: format!(
            "{name} after {} steps: row i makes dimension i of the {}",
            run.config.steps,
            if name == "W_Q" { "query" } else { "key" }
        )
        .as_str()
        .into(),
        corner: name.into(),
        columns: dims.clone(),
        rows: m
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, r)| Row {
                header: format!("row {}", i + 1),
                focus: false,
                token: None,
                cells: r.iter().map(|x| cell(fmt(*x), None)).collect(),
            })
            .collect(),
        class: "attention-matrix",
        marked: None,
    };
    let reads = |m: &ndarray::Array2<f64>| -> Vec<f64> {
        m.columns()
            .into_iter()
            .map(|col| col.iter().fold(0.0, |s, x| s + x * x).sqrt())
            .collect()
    };
    let (rq, rk) = (reads(&last.w_q), reads(&last.w_k));
    let reading = Table {
        caption: "How strongly each matrix reads each input dimension (the length of its column): the largest are what the learned query and key look at".into(),
        corner: "".into(),
        columns: dims.clone(),
        rows: vec![
            Row {
                header: "W_Q reads".into(),
                focus: false,
                token: None,
                cells: rq.iter().map(|x| cell(fmt(*x), None)).collect(),
            },
            Row {
                header: "W_K reads".into(),
                focus: false,
                token: None,
                cells: rk.iter().map(|x| cell(fmt(*x), None)).collect(),
            },
        ],
        class: "attention-matrix",
        marked: None,
    };
    Ok(vec![
        matrix("W_Q", &last.w_q),
        matrix("W_K", &last.w_k),
        reading,
    ])
}
