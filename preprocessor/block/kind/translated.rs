//! `translate = "The black cat ate fish"`: the attention between an English sentence and its
//! French translation, from a model trained while the book builds
//! ([`crate::core::translation`]).
//!
//! The block's tokens are the French words (its rows: the step that writes each word asks);
//! its keys and values come from the English words (its columns). Its queries, keys and values
//! are the trained model's, given to the core as they are ([`crate::core::Qkv::Given`]), and
//! the inputs they were projected from travel with the widget (`source_embeddings`,
//! `embeddings`, `w_q`, `w_k`, `w_v`) so a reader of the page can check them.
//!
//! What the chapter teaches is checked here, and a run that does not show it stops the build:
//! each French content word's largest weight on the English word it translates, on held-out
//! pairs, the crossing pairs included. The run is kept on disk ([`crate::kept`]): a warm build
//! reads its weights (20 KB) instead of training for half a second.

use crate::block::keys::{Field, Fields, Key};
use crate::core::Given;
use crate::core::translation::{
    self, Alignment, Pair, Params, Translation, TranslationConfig, Unparsed,
};
use crate::kept;
use crate::source::{Diagnostic, Located, suggest};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// What the chapter claims of the run, on held-out pairs.
pub const ALIGNED_AT_LEAST: f64 = 0.9;

/// A block on a sentence pair of the translation model.
#[derive(Debug, Clone, PartialEq)]
pub struct Translated {
    pub run: Arc<Translation>,
    pub pair: Pair,
    /// The English words: the columns.
    pub source: Vec<String>,
    /// What the projections apply to, each word's embedding plus its place's position: the
    /// English `(5, d)` and the French words each step reads `(7, d)`.
    pub source_inputs: Array2<f64>,
    pub target_inputs: Array2<f64>,
}

impl Translated {
    /// The pair's queries, keys and values under the trained weights.
    pub fn given(&self) -> Given {
        self.run.given(&self.pair)
    }

    pub fn d_k(&self) -> usize {
        self.run.params.w_q.nrows()
    }
}

/// Trains (or reads) the model, if the block has `translate`, and writes its French words as
/// the block's tokens.
pub fn apply(fields: &mut Fields) -> Result<Option<Translated>, Vec<Diagnostic>> {
    let Some(Located {
        value: Field::Text(text),
        place,
    }) = fields.get(&Key::Translate).cloned()
    else {
        return Ok(None);
    };
    crate::block::keys::refuse_inputs(
        fields,
        &[Key::Train, Key::Model],
        "a block with `translate` takes its words, queries, keys and values from the translation model",
    )?;
    if let Some(f) = fields.get(&Key::Mask) {
        return Err(vec![Diagnostic::new(
            f.place.clone(),
            "every step of the translation may look at every English word — a mask hides words of the same sentence, and this block attends from one sentence to another; drop `mask`",
        )]);
    }
    let run = cached(&TranslationConfig::default())
        .map_err(|m| vec![Diagnostic::new(place.clone(), m)])?;
    let corpus = &run.corpus;
    let pair = corpus.parse(&text).map_err(|u| {
        let message = match u {
            Unparsed::Length(n) => format!(
                "a sentence to translate has {} words — determiner, adjective, noun, verb, object, like \"The black cat ate fish\" — but \"{text}\" has {n}",
                translation::ENGLISH_LENGTH
            ),
            Unparsed::Word {
                at,
                word,
                role,
                choices,
            } => format!(
                "word {} of \"{text}\" is \"{word}\", but it should be {role}{} — the choices are {}",
                at + 1,
                suggest(&word, &choices),
                choices.join(", ")
            ),
        };
        vec![Diagnostic::new(place.clone(), message)]
    })?;
    if corpus.train.contains(&pair) {
        let message = format!(
            "\"{text}\" is one of the pairs the model trains on, so its figure would show memory, not what was learned — translate a held-out sentence, like \"{}\"",
            corpus.english_text(&corpus.held_out_like(&pair)).join(" ")
        );
        return Err(vec![Diagnostic::new(place, message)]);
    }
    let tokens = corpus
        .french_text(&pair)
        .into_iter()
        .map(|t| Located {
            value: t,
            place: place.clone(),
        })
        .collect();
    fields.insert(
        Key::Tokens,
        Located {
            value: Field::Texts(tokens),
            place: place.clone(),
        },
    );
    let (target_inputs, source_inputs) = corpus.inputs(&pair);
    Ok(Some(Translated {
        source: corpus.english_text(&pair),
        pair,
        source_inputs,
        target_inputs,
        run,
    }))
}

/// The run, from this process, else from the disk, else trained — and checked for what the
/// chapter claims of it.
fn cached(config: &TranslationConfig) -> Result<Arc<Translation>, String> {
    static RUNS: Mutex<Vec<Arc<Translation>>> = Mutex::new(Vec::new());
    if let Some(run) = RUNS
        .lock()
        .ok()
        .and_then(|runs| runs.iter().find(|r| r.config == *config).cloned())
    {
        return Ok(run);
    }
    let kept_run = kept::Kept::new("translation", &format!("{config:?}"));
    let kept = kept_run
        .read()
        .and_then(|bytes| serde_json::from_slice::<KeptRun>(&bytes).ok())
        .and_then(|k| k.into_translation(config));
    let run = Arc::new(match kept {
        Some(run) => run,
        None => {
            let run = translation::train(config)?;
            if let Ok(json) = serde_json::to_vec(&KeptRun::of(&run)) {
                kept_run.keep(&json);
            }
            run
        }
    });
    let after = run.after;
    if after.content < ALIGNED_AT_LEAST || after.crossing < ALIGNED_AT_LEAST {
        return Err(format!(
            "the translation model aligned {:.0} % of the held-out content words ({:.0} % of the crossing noun–adjective pairs), below the {:.0} % the chapter claims",
            after.content * 100.0,
            after.crossing * 100.0,
            ALIGNED_AT_LEAST * 100.0
        ));
    }
    if let Ok(mut runs) = RUNS.lock() {
        runs.push(run.clone());
    }
    Ok(run)
}

/// What a run computed; its settings are the file's key, and its pairs and embeddings are
/// generated again from them.
#[derive(Serialize, Deserialize)]
struct KeptRun {
    params: Params,
    loss: Vec<f64>,
    before: Alignment,
    after: Alignment,
}

impl KeptRun {
    fn of(run: &Translation) -> KeptRun {
        KeptRun {
            params: run.params.clone(),
            loss: run.loss.clone(),
            before: run.before,
            after: run.after,
        }
    }

    /// The run, if the file holds one of this config's shape.
    fn into_translation(self, config: &TranslationConfig) -> Option<Translation> {
        let corpus = translation::Parallel::generate(config).ok()?;
        let (d, d_k, d_v) = (config.d_model, config.d_k, config.d_v);
        let shaped = |m: &Array2<f64>, rows: usize, cols: usize| {
            m.dim() == (rows, cols) && m.iter().all(|x| x.is_finite())
        };
        let p = &self.params;
        let measured = [self.before, self.after].iter().all(|m| {
            m.loss.is_finite()
                && [m.accuracy, m.content, m.crossing]
                    .iter()
                    .all(|x| (0.0..=1.0).contains(x))
        });
        let sound = shaped(&p.w_q, d_k, d)
            && shaped(&p.w_k, d_k, d)
            && shaped(&p.w_v, d_v, d)
            && shaped(&p.readout, corpus.french.len() - 1, d_v)
            && self.loss.len() == config.steps + 1
            && self.loss.iter().all(|x| x.is_finite())
            && measured;
        sound.then(|| Translation {
            config: config.clone(),
            corpus,
            params: self.params,
            loss: self.loss,
            before: self.before,
            after: self.after,
        })
    }
}
