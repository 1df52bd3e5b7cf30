//! `train = { … }`: a block whose weights are learned while the book builds.
//!
//! The settings are checked and the model trained ([`crate::core::training`]); then the block
//! is written as if the author had typed the trained sentence's tokens, embeddings, positions
//! and last weights, so every view, inline value and claim works on it unchanged. The steps
//! shown side by side become named results, `step[0]`, `step[150]`, which expressions reach.
//!
//! What the chapter teaches is checked here, and a run that does not show it stops the build
//! with the claim that failed: attention even before training, the verb on its subject after,
//! held-out accuracy, the fall of the loss, and the worked gradient against its central
//! difference. Runs are cached by their settings: several figures of one run train once.

use crate::block::keys::{Field, Fields, Key, PositionsField, Rows, TrainField};
use crate::core::training::{
    self, ASKING, Measure, Snapshot, Training, TrainingConfig, WorkedStep,
};
use crate::format::fmt;
use crate::kept;
use crate::source::{Diagnostic, Located, Place};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// What the chapter claims of every run.
pub const MOST_BEFORE: f64 = 0.4;
pub const WEIGHT_AFTER: f64 = 0.8;
pub const ACCURACY_AFTER: f64 = 0.95;
pub const LOSS_FALLS_TO: f64 = 0.1;
/// The worked gradient and its central difference agree to this, relatively.
pub const GRADIENT_AGREES: f64 = 1e-6;
const MAX_STEPS: usize = 2000;

/// A run and the steps to show side by side (each a named result `step[N]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    pub run: Arc<Training>,
    pub panels: Vec<usize>,
}

/// Trains the block's model, if it has `train`, and writes the keys it makes into `fields`.
pub fn apply(fields: &mut Fields) -> Result<Option<Trained>, Vec<Diagnostic>> {
    let Some(Located {
        value: Field::Train(settings),
        place,
    }) = fields.get(&Key::Train).cloned()
    else {
        return Ok(None);
    };
    crate::block::keys::refuse_inputs(
        fields,
        &[],
        "a block with `train` makes its own tokens, embeddings, positions and weights from the training run",
    )?;
    let (config, panels) = settings_of(&settings)?;
    let (run, unlearned) = cached(&config).map_err(|m| vec![Diagnostic::new(place.clone(), m)])?;
    let sentence = match &settings.sentence {
        None => run.corpus.held_out_like(&run.corpus.held_out[0]),
        Some(text) => {
            let s = run
                .corpus
                .parse(&text.value)
                .map_err(|m| vec![Diagnostic::new(text.place.clone(), m)])?;
            if run.corpus.train.contains(&s) {
                let message = format!(
                    "\"{}\" is one of the sentences the model trains on, so its figure would show memory, not learning — show a held-out sentence, like \"{}\"",
                    text.value,
                    run.corpus.text(&run.corpus.held_out_like(&s))
                );
                return Err(vec![Diagnostic::new(text.place.clone(), message)]);
            }
            s
        }
    };
    if !unlearned.is_empty() {
        return Err(unlearned
            .iter()
            .map(|m| Diagnostic::new(place.clone(), m.clone()))
            .collect());
    }
    let last = &run.snapshots.last().expect("the last step is kept").params;
    let rows = |m: &ndarray::Array2<f64>| Located {
        value: Field::Numbers(Rows {
            rows: m
                .rows()
                .into_iter()
                .map(|r| Located {
                    value: r.to_vec(),
                    place: place.clone(),
                })
                .collect(),
        }),
        place: place.clone(),
    };
    let tokens = sentence
        .iter()
        .map(|&w| Located {
            value: run.corpus.words[w].to_string(),
            place: place.clone(),
        })
        .collect();
    let made = [
        (Key::Tokens, located(Field::Texts(tokens), &place)),
        (Key::Embeddings, rows(&run.corpus.embeddings_of(&sentence))),
        (
            Key::Positions,
            located(
                Field::Positions(PositionsField::Named("sinusoidal".into())),
                &place,
            ),
        ),
        (Key::WQ, rows(&last.w_q)),
        (Key::WK, rows(&last.w_k)),
        (Key::WV, rows(&last.w_v)),
    ];
    fields.extend(made);
    fields.entry(Key::Focus).or_insert_with(|| {
        located(
            Field::Text(run.corpus.words[sentence[ASKING]].to_string()),
            &place,
        )
    });
    Ok(Some(Trained { run, panels }))
}

fn located(value: Field, place: &Place) -> Located<Field> {
    Located {
        value,
        place: place.clone(),
    }
}

/// The settings as a config, each checked where it is written.
fn settings_of(t: &TrainField) -> Result<(TrainingConfig, Vec<usize>), Vec<Diagnostic>> {
    let defaults = TrainingConfig::default();
    let mut problems = Vec::new();
    let mut whole =
        |x: &Option<Located<f64>>, name: &str, default: usize, low: usize, high: usize| {
            let Some(x) = x else { return default };
            if x.value.fract() != 0.0 || x.value < low as f64 || x.value > high as f64 {
                problems.push(Diagnostic::new(
                    x.place.clone(),
                    format!(
                        "`{name}` is {}, but it must be a whole number from {low} to {high}",
                        fmt(x.value)
                    ),
                ));
                return default;
            }
            x.value as usize
        };
    let seed = whole(
        &t.seed,
        "seed",
        defaults.seed as usize,
        0,
        u32::MAX as usize,
    ) as u64;
    let steps = whole(&t.steps, "steps", defaults.steps, 1, MAX_STEPS);
    let train = whole(&t.sentences, "sentences", defaults.train, 1, 100_000);
    let every = whole(&t.snapshot_every, "snapshot_every", 5, 1, MAX_STEPS);
    let learning_rate = match &t.learning_rate {
        None => defaults.learning_rate,
        Some(l) if l.value > 0.0 && l.value <= 1.0 => l.value,
        Some(l) => {
            problems.push(Diagnostic::new(
                l.place.clone(),
                format!(
                    "`learning_rate` is {}, but it must be above 0 and at most 1 — 0.05 suits this task",
                    fmt(l.value)
                ),
            ));
            defaults.learning_rate
        }
    };
    // The slider's stops: every `snapshot_every` steps, and always the first and the last.
    let mut snapshots: Vec<usize> = (0..=steps).step_by(every).collect();
    if snapshots.last() != Some(&steps) {
        snapshots.push(steps);
    }
    let panels = match &t.panels {
        None => vec![
            0,
            snapshots[snapshots.len() / 4],
            snapshots[snapshots.len() / 2],
            steps,
        ],
        Some(p) => {
            let mut chosen = Vec::new();
            for &step in &p.value {
                if step.fract() != 0.0 || step < 0.0 || !snapshots.contains(&(step as usize)) {
                    problems.push(Diagnostic::new(
                        p.place.clone(),
                        format!(
                            "`panels` names step {}, which is not kept — the kept steps are 0, {every}, {}, … up to {steps}",
                            step,
                            2 * every
                        ),
                    ));
                } else {
                    chosen.push(step as usize);
                }
            }
            chosen
        }
    };
    let mut panels = panels;
    panels.sort_unstable();
    panels.dedup();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((
        TrainingConfig {
            seed,
            steps,
            train,
            learning_rate,
            snapshots,
            ..defaults
        },
        panels,
    ))
}

/// A run, and what the book says of it that it does not show.
type Checked = (Arc<Training>, Arc<Vec<String>>);

/// Trains and checks once per config in a process: several figures of one run share it. A run
/// is kept on disk too, so a build whose settings and code have not changed reads it instead
/// of training again; what the book claims of it is checked either way.
fn cached(config: &TrainingConfig) -> Result<Checked, String> {
    static RUNS: Mutex<Vec<(TrainingConfig, Checked)>> = Mutex::new(Vec::new());
    if let Some((_, checked)) = RUNS
        .lock()
        .ok()
        .and_then(|runs| runs.iter().find(|(c, _)| c == config).cloned())
    {
        return Ok(checked);
    }
    let kept_run = kept::Kept::new("training", &format!("{config:?}"));
    let kept = kept_run
        .read()
        .and_then(|bytes| serde_json::from_slice::<KeptRun>(&bytes).ok())
        .and_then(|k| k.into_training(config));
    let run = Arc::new(match kept {
        Some(run) => run,
        None => {
            let run = training::train(config)?;
            if let Ok(json) = serde_json::to_vec(&KeptRun::of(&run)) {
                kept_run.keep(&json);
            }
            run
        }
    });
    let checked = (run.clone(), Arc::new(unlearned(&run)));
    if let Ok(mut runs) = RUNS.lock() {
        runs.push((config.clone(), checked.clone()));
    }
    Ok(checked)
}

/// What a run computed; its settings are the file's key and its sentences are generated again
/// from them (they cost nothing to make).
#[derive(Serialize, Deserialize)]
struct KeptRun {
    loss: Vec<f64>,
    held_out_loss: Vec<f64>,
    snapshots: Vec<Snapshot>,
    before: Measure,
    after: Measure,
    most_before: f64,
    worked: WorkedStep,
}

impl KeptRun {
    fn of(run: &Training) -> KeptRun {
        KeptRun {
            loss: run.loss.clone(),
            held_out_loss: run.held_out_loss.clone(),
            snapshots: run.snapshots.clone(),
            before: run.before,
            after: run.after,
            most_before: run.most_before,
            worked: run.worked.clone(),
        }
    }

    /// The run, if the file holds one of this config's shape.
    fn into_training(self, config: &TrainingConfig) -> Option<Training> {
        let steps: Vec<usize> = self.snapshots.iter().map(|s| s.step).collect();
        let (d, d_k, d_v) = (config.d_model, config.d_k, config.d_v);
        let shaped = |m: &ndarray::Array2<f64>, rows: usize, cols: usize| {
            m.dim() == (rows, cols) && m.iter().all(|x| x.is_finite())
        };
        let params_fit = self.snapshots.iter().all(|s| {
            let p = &s.params;
            shaped(&p.w_q, d_k, d)
                && shaped(&p.w_k, d_k, d)
                && shaped(&p.w_v, d_v, d)
                && shaped(&p.readout, training::NOUNS.len(), d_v)
        });
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        let w = &self.worked;
        let measures = [self.before, self.after]
            .iter()
            .all(|m| finite(&[m.loss, m.accuracy, m.weight_on_needed]))
            && (0.0..=1.0).contains(&self.most_before);
        let sound = steps == config.snapshots
            && self.loss.len() == config.steps + 1
            && self.held_out_loss.len() == steps.len()
            && finite(&self.loss)
            && finite(&self.held_out_loss)
            && params_fit
            && measures
            && w.row < d_k
            && w.col < d
            && finite(&[
                w.before,
                w.nudge,
                w.loss_up,
                w.loss_down,
                w.gradient,
                w.after,
            ]);
        if !sound {
            return None;
        }
        Some(Training {
            config: config.clone(),
            corpus: training::Corpus::generate(config).ok()?,
            loss: self.loss,
            held_out_loss: self.held_out_loss,
            snapshots: self.snapshots,
            before: self.before,
            after: self.after,
            most_before: self.most_before,
            worked: self.worked,
        })
    }
}

/// What the chapter claims of the run and it does not show, each named.
fn unlearned(run: &Training) -> Vec<String> {
    let most = run.most_before;
    let (first_loss, last_loss) = (run.loss[0], *run.loss.last().expect("a loss per step"));
    let w = &run.worked;
    let slope = (w.loss_up - w.loss_down) / (2.0 * w.nudge);
    let gradient_error = (slope - w.gradient).abs() / w.gradient.abs().max(1e-12);
    let mut failed = Vec::new();
    let mut claim = |holds: bool, what: String| {
        if !holds {
            failed.push(format!("the training run does not show what the book says of it: {what} — try more `steps`, another `learning_rate` or `seed`"));
        }
    };
    claim(
        most <= MOST_BEFORE,
        format!(
            "before training, some word already puts {} of its attention on one word (at most {} is expected: attention starts out nearly even)",
            fmt(most),
            fmt(MOST_BEFORE)
        ),
    );
    claim(
        run.after.weight_on_needed >= WEIGHT_AFTER,
        format!(
            "after training, on held-out sentences, the verb puts {} of its attention on its subject on average (at least {} is expected)",
            fmt(run.after.weight_on_needed),
            fmt(WEIGHT_AFTER)
        ),
    );
    claim(
        run.after.accuracy >= ACCURACY_AFTER,
        format!(
            "after training, the verb names its subject in {}% of held-out sentences (at least {}% is expected)",
            fmt(100.0 * run.after.accuracy),
            fmt(100.0 * ACCURACY_AFTER)
        ),
    );
    claim(
        last_loss <= first_loss * LOSS_FALLS_TO,
        format!(
            "the training loss falls from {} to {}, not to a tenth",
            fmt(first_loss),
            fmt(last_loss)
        ),
    );
    claim(
        gradient_error <= GRADIENT_AGREES,
        format!(
            "the worked weight's gradient is {:e} but its central difference is {slope:e}",
            w.gradient
        ),
    );
    failed
}

/// For the fuzzer (tests/fuzz): reads any bytes as a kept training run, as a build does.
#[doc(hidden)]
pub fn read_kept_training(bytes: &[u8]) -> bool {
    serde_json::from_slice::<KeptRun>(bytes)
        .ok()
        .and_then(|k| k.into_training(&TrainingConfig::default()))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_training_run_reads_back_as_the_same_run_and_only_for_its_settings() {
        let config = TrainingConfig {
            steps: 10,
            snapshots: vec![0, 5, 10],
            ..TrainingConfig::default()
        };
        let run = training::train(&config).unwrap();
        let json = serde_json::to_vec(&KeptRun::of(&run)).unwrap();
        let back = serde_json::from_slice::<KeptRun>(&json).unwrap();
        assert_eq!(back.into_training(&config).unwrap(), run);
        // A file of another shape (a stale or foreign one) is trained again, not misread.
        let other = TrainingConfig {
            steps: 12,
            ..config.clone()
        };
        let back = serde_json::from_slice::<KeptRun>(&json).unwrap();
        assert!(back.into_training(&other).is_none());
        // Numbers no run makes: a weight that W_K does not have, a loss that is not a number.
        let mut bad = KeptRun::of(&run);
        bad.worked.row = 999;
        assert!(bad.into_training(&config).is_none());
        let mut bad = KeptRun::of(&run);
        bad.loss[3] = f64::NAN;
        assert!(bad.into_training(&config).is_none());
        let mut bad = KeptRun::of(&run);
        bad.snapshots[1].params.w_k = ndarray::Array2::zeros((3, 8));
        assert!(bad.into_training(&config).is_none());
    }
}
