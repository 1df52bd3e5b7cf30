//! Attention being learned: a tiny model trained on a toy task, exactly and reproducibly.
//!
//! **The task.** Sentences shaped like the running one — determiner, adjective, subject,
//! verb, object ("The black cat chased fish") — built from a fixed vocabulary in which
//! subjects and objects are drawn from the same nouns. At the verb, the model must name the
//! subject: *who* chased? Both nouns are animals, so the words alone cannot tell the subject
//! from the object; the verb has to attend to the right *place*, the word before it. With
//! attention spread evenly, the verb's output mixes subject and object alike and the best a
//! readout can do is guess between them.
//!
//! **The model.** Embeddings are given (drawn once from the seed) with sinusoidal positions
//! added; learned are `W_Q`, `W_K`, `W_V` (as everywhere in the book, `(out, in)`) and a
//! readout `R` from the verb's attention output to one score per noun. The loss is the mean
//! cross-entropy over the training sentences; gradients are derived by hand (checked against
//! central differences in the tests and, for the weight a chapter works through, in the
//! build); Adam updates every weight. The attention of a sentence is computed by
//! [`AttentionInput::compute`], the one implementation of attention in the project.
//!
//! Everything is `f64`, sums run in a fixed order and the only randomness is a seeded
//! xorshift generator, so two builds give the same bits.

use super::positions::sinusoidal;
use super::{AttentionInput, AttentionResult, Mask, Projection, Qkv, softmax};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// The words, by role. Subjects and objects share the nouns.
pub const DETERMINERS: [&str; 2] = ["The", "A"];
pub const ADJECTIVES: [&str; 4] = ["black", "small", "old", "happy"];
pub const NOUNS: [&str; 6] = ["cat", "dog", "bird", "fish", "fox", "mouse"];
pub const VERBS: [&str; 4] = ["ate", "chased", "saw", "liked"];
/// Where each role stands in a sentence.
pub const SENTENCE_LENGTH: usize = 5;
/// The word that asks (the verb) and the word it needs (its subject).
pub const ASKING: usize = 3;
pub const NEEDED: usize = 2;

/// How to train: everything that decides the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    pub seed: u64,
    /// Width of the embeddings (and positions).
    pub d_model: usize,
    /// Width of queries and keys, and of values.
    pub d_k: usize,
    pub d_v: usize,
    /// How many sentences train; the rest are held out.
    pub train: usize,
    pub steps: usize,
    pub learning_rate: f64,
    /// The steps whose weights are kept (0 is before training).
    pub snapshots: Vec<usize>,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            seed: 7,
            d_model: 8,
            d_k: 4,
            d_v: 8,
            train: 240,
            steps: 100,
            learning_rate: 0.05,
            snapshots: (0..=100).step_by(5).collect(),
        }
    }
}

/// The learned weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub w_q: Array2<f64>,
    pub w_k: Array2<f64>,
    pub w_v: Array2<f64>,
    /// `(nouns, d_v)`: one score per noun from the verb's attention output.
    pub readout: Array2<f64>,
}

impl Params {
    fn zeros_like(&self) -> Params {
        Params {
            w_q: Array2::zeros(self.w_q.raw_dim()),
            w_k: Array2::zeros(self.w_k.raw_dim()),
            w_v: Array2::zeros(self.w_v.raw_dim()),
            readout: Array2::zeros(self.readout.raw_dim()),
        }
    }
    fn matrices_mut(&mut self) -> [&mut Array2<f64>; 4] {
        [
            &mut self.w_q,
            &mut self.w_k,
            &mut self.w_v,
            &mut self.readout,
        ]
    }
    fn matrices(&self) -> [&Array2<f64>; 4] {
        [&self.w_q, &self.w_k, &self.w_v, &self.readout]
    }
}

/// A sentence as word indexes into [`Corpus::words`].
pub type Sentence = [usize; SENTENCE_LENGTH];

/// The generated sentences, their split, and the given embeddings.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// Determiners, adjectives, nouns, verbs, in that order.
    pub words: Vec<&'static str>,
    /// `(words, d_model)`.
    pub embeddings: Array2<f64>,
    /// `(SENTENCE_LENGTH, d_model)`, added to the embeddings.
    pub positions: Array2<f64>,
    pub train: Vec<Sentence>,
    pub held_out: Vec<Sentence>,
}

/// xorshift64*: small, seeded, the same numbers on every machine.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        // A zero state would stay zero; mix the seed so that small seeds differ widely.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `[-1, 1)`.
    fn symmetric(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
    pub(crate) fn matrix(&mut self, rows: usize, cols: usize, reach: f64) -> Array2<f64> {
        let mut m = Array2::zeros((rows, cols));
        m.iter_mut().for_each(|x| *x = reach * self.symmetric());
        m
    }
}

const DET: usize = 0;
const ADJ: usize = DET + DETERMINERS.len();
const NOUN: usize = ADJ + ADJECTIVES.len();
const VERB: usize = NOUN + NOUNS.len();

impl Corpus {
    /// Every sentence the vocabulary makes (subject and object differ), shuffled by the seed
    /// and split: the first `train` train, the rest are held out.
    pub fn generate(config: &TrainingConfig) -> Result<Corpus, String> {
        let mut rng = Rng::new(config.seed);
        let words: Vec<&'static str> = DETERMINERS
            .iter()
            .chain(&ADJECTIVES)
            .chain(&NOUNS)
            .chain(&VERBS)
            .copied()
            .collect();
        let embeddings = rng.matrix(words.len(), config.d_model, 1.0);
        let mut all = Vec::new();
        for d in 0..DETERMINERS.len() {
            for a in 0..ADJECTIVES.len() {
                for s in 0..NOUNS.len() {
                    for v in 0..VERBS.len() {
                        for o in (0..NOUNS.len()).filter(|&o| o != s) {
                            all.push([DET + d, ADJ + a, NOUN + s, VERB + v, NOUN + o]);
                        }
                    }
                }
            }
        }
        // Fisher–Yates, from the seed.
        for i in (1..all.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            all.swap(i, j);
        }
        if config.train == 0 || config.train >= all.len() {
            return Err(format!(
                "`sentences` is {}, but the vocabulary makes {} sentences: train on between 1 and {} of them, so that some are held out",
                config.train,
                all.len(),
                all.len() - 1
            ));
        }
        let held_out = all.split_off(config.train);
        Ok(Corpus {
            words,
            embeddings,
            positions: sinusoidal(SENTENCE_LENGTH, config.d_model),
            train: all,
            held_out,
        })
    }

    /// The sentence written out, or `None` if a word is not in the vocabulary or a role is
    /// out of place.
    pub fn parse(&self, text: &str) -> Result<Sentence, String> {
        let given: Vec<&str> = text.split_whitespace().collect();
        if given.len() != SENTENCE_LENGTH {
            return Err(format!(
                "a sentence of this task has {SENTENCE_LENGTH} words — determiner, adjective, subject, verb, object — but \"{text}\" has {}",
                given.len()
            ));
        }
        let roles: [(&[&str], usize, &str); SENTENCE_LENGTH] = [
            (&DETERMINERS, DET, "a determiner"),
            (&ADJECTIVES, ADJ, "an adjective"),
            (&NOUNS, NOUN, "a noun"),
            (&VERBS, VERB, "a verb"),
            (&NOUNS, NOUN, "a noun"),
        ];
        let mut sentence = [0; SENTENCE_LENGTH];
        for (at, (word, (choices, first, role))) in given.iter().zip(roles).enumerate() {
            let Some(i) = choices.iter().position(|c| c == word) else {
                return Err(format!(
                    "word {} of \"{text}\" should be {role} ({}), not \"{word}\"",
                    at + 1,
                    choices.join(", ")
                ));
            };
            sentence[at] = first + i;
        }
        if sentence[NEEDED] == sentence[4] {
            return Err(format!(
                "in \"{text}\" the subject and the object are the same word, so the task has no answer to learn — pick two different nouns"
            ));
        }
        Ok(sentence)
    }

    /// Whether a sentence reads as English: not "A old …" (the task's vocabulary makes it, a
    /// reader should not be shown it).
    pub fn reads_well(&self, s: &Sentence) -> bool {
        !(self.words[s[0]] == "A" && self.words[s[1]].starts_with(['a', 'e', 'i', 'o', 'u']))
    }

    /// The held-out sentence to suggest for `s`: one that reads well, with the most words in
    /// the same places as `s` (the first such, so the same seed suggests the same sentence).
    pub fn held_out_like(&self, s: &Sentence) -> Sentence {
        let same = |h: &Sentence| h.iter().zip(s).filter(|(a, b)| a == b).count();
        self.held_out
            .iter()
            .filter(|h| self.reads_well(h))
            .fold(None::<&Sentence>, |best, h| match best {
                Some(b) if same(b) >= same(h) => Some(b),
                _ => Some(h),
            })
            .copied()
            .unwrap_or(self.held_out[0])
    }

    pub fn text(&self, s: &Sentence) -> String {
        s.iter()
            .map(|&w| self.words[w])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The answer: which noun the subject is.
    pub fn answer(s: &Sentence) -> usize {
        s[NEEDED] - NOUN
    }

    /// The embeddings of a sentence's words (positions not added).
    pub fn embeddings_of(&self, s: &Sentence) -> Array2<f64> {
        Array2::from_shape_fn((SENTENCE_LENGTH, self.embeddings.ncols()), |(i, c)| {
            self.embeddings[[s[i], c]]
        })
    }

    /// The attention of a whole sentence under some weights, through the book's one
    /// implementation of attention.
    pub fn attention(&self, s: &Sentence, p: &Params) -> AttentionResult {
        AttentionInput {
            qkv: Qkv::Projected(Projection {
                embeddings: self.embeddings_of(s),
                w_q: p.w_q.clone(),
                w_k: p.w_k.clone(),
                w_v: p.w_v.clone(),
            }),
            mask: Mask::None,
            scale: None,
            query_overrides: Vec::new(),
            positions: Some(self.positions.clone()),
            rope: None,
        }
        .compute()
        .expect("the shapes are the model's own")
    }
}

/// What one sentence gives: its loss and, for the verb, where attention went.
struct Forward {
    loss: f64,
    correct: bool,
    weight_on_needed: f64,
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |sum, (x, y)| sum + x * y)
}

/// `m += a ⊗ b`.
pub(crate) fn add_outer(m: &mut Array2<f64>, a: &[f64], b: &[f64]) {
    for (r, &ar) in a.iter().enumerate() {
        for (c, &bc) in b.iter().enumerate() {
            m[[r, c]] += ar * bc;
        }
    }
}

/// A word at a place: its input is its embedding plus that place's position, and its query,
/// key and value are worked out once per step for every such pair, not once per sentence.
struct Slots {
    /// `x`, `q`, `k`, `v` of each slot `word · SENTENCE_LENGTH + place`, one row each.
    x: Vec<Vec<f64>>,
    q: Vec<Vec<f64>>,
    k: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

fn slot(word: usize, place: usize) -> usize {
    word * SENTENCE_LENGTH + place
}

pub(crate) fn times(w: &Array2<f64>, x: &[f64]) -> Vec<f64> {
    w.rows()
        .into_iter()
        .map(|row| dot(row.as_slice().expect("rows are contiguous"), x))
        .collect()
}

impl Slots {
    fn new(c: &Corpus, p: &Params) -> Slots {
        let words = c.embeddings.nrows();
        let d = c.embeddings.ncols();
        let x: Vec<Vec<f64>> = (0..words * SENTENCE_LENGTH)
            .map(|s| {
                let (w, place) = (s / SENTENCE_LENGTH, s % SENTENCE_LENGTH);
                (0..d)
                    .map(|i| c.embeddings[[w, i]] + c.positions[[place, i]])
                    .collect()
            })
            .collect();
        Slots {
            q: x.iter().map(|x| times(&p.w_q, x)).collect(),
            k: x.iter().map(|x| times(&p.w_k, x)).collect(),
            v: x.iter().map(|x| times(&p.w_v, x)).collect(),
            x,
        }
    }
}

/// Gradients with respect to each slot's query, key and value, summed over sentences; turned
/// into gradients of the matrices once per step.
struct SlotGrads {
    q: Vec<Vec<f64>>,
    k: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

impl SlotGrads {
    fn new(slots: &Slots) -> SlotGrads {
        let zeros = |m: &Vec<Vec<f64>>| m.iter().map(|r| vec![0.0; r.len()]).collect();
        SlotGrads {
            q: zeros(&slots.q),
            k: zeros(&slots.k),
            v: zeros(&slots.v),
        }
    }
    /// `∂L/∂W = Σ_slot ∂L/∂(W·x_slot) ⊗ x_slot`.
    fn into_matrices(self, slots: &Slots, g: &mut Params) {
        for (s, x) in slots.x.iter().enumerate() {
            add_outer(&mut g.w_q, &self.q[s], x);
            add_outer(&mut g.w_k, &self.k[s], x);
            add_outer(&mut g.w_v, &self.v[s], x);
        }
    }
}

/// The loss of one sentence, and (when `grad` is given) its gradient added in, scaled by
/// `share` (one over the number of sentences, for a mean).
fn forward_backward(
    slots: &Slots,
    p: &Params,
    s: &Sentence,
    grad: Option<(&mut SlotGrads, &mut Array2<f64>, f64)>,
) -> Forward {
    let at: [usize; SENTENCE_LENGTH] = std::array::from_fn(|j| slot(s[j], j));
    let asking = at[ASKING];
    let q = &slots.q[asking];
    let scale = 1.0 / (q.len() as f64).sqrt();
    let scores: [Option<f64>; SENTENCE_LENGTH] =
        std::array::from_fn(|j| Some(dot(q, &slots.k[at[j]]) * scale));
    let a = softmax(&scores);
    let mut out = vec![0.0; p.w_v.nrows()];
    for (aj, &j) in a.iter().zip(&at) {
        for (o, vc) in out.iter_mut().zip(&slots.v[j]) {
            *o += aj * vc;
        }
    }
    let logits: Vec<Option<f64>> = times(&p.readout, &out).into_iter().map(Some).collect();
    let probs = softmax(&logits);
    let answer = Corpus::answer(s);
    let best = (0..probs.len())
        .reduce(|a, b| if probs[b] > probs[a] { b } else { a })
        .unwrap_or(0);
    let forward = Forward {
        loss: -probs[answer].ln(),
        correct: best == answer,
        weight_on_needed: a[NEEDED],
    };
    let Some((g, readout, share)) = grad else {
        return forward;
    };
    // Backward, by the chain rule, from the loss to each slot's query, key and value.
    // Cross-entropy after softmax: ∂L/∂logit = p − onehot(answer).
    let d_logits: Vec<f64> = (0..probs.len())
        .map(|i| share * (probs[i] - if i == answer { 1.0 } else { 0.0 }))
        .collect();
    add_outer(readout, &d_logits, &out);
    // ∂L/∂out = Rᵀ·∂L/∂logits.
    let d_out: Vec<f64> = (0..out.len())
        .map(|c| (0..d_logits.len()).fold(0.0, |sum, i| sum + p.readout[[i, c]] * d_logits[i]))
        .collect();
    // out = Σ a_j v_j: ∂L/∂a_j = ∂L/∂out · v_j, ∂L/∂v_j = a_j ∂L/∂out.
    let d_a: [f64; SENTENCE_LENGTH] = std::array::from_fn(|j| dot(&d_out, &slots.v[at[j]]));
    for (j, &sj) in at.iter().enumerate() {
        for (dv, o) in g.v[sj].iter_mut().zip(&d_out) {
            *dv += a[j] * o;
        }
    }
    // Softmax: ∂L/∂s_j = a_j (∂L/∂a_j − Σ_i a_i ∂L/∂a_i).
    let mean = dot(&a, &d_a);
    // s_j = scale · q·k_j: ∂L/∂q = scale Σ_j ∂L/∂s_j k_j; ∂L/∂k_j = scale ∂L/∂s_j q.
    for (j, &sj) in at.iter().enumerate() {
        let d_s = scale * a[j] * (d_a[j] - mean);
        for (dq, kc) in g.q[asking].iter_mut().zip(&slots.k[sj]) {
            *dq += d_s * kc;
        }
        for (dk, qc) in g.k[sj].iter_mut().zip(q) {
            *dk += d_s * qc;
        }
    }
    forward
}

/// Mean loss, accuracy and weight on the needed word over some sentences.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub loss: f64,
    pub accuracy: f64,
    pub weight_on_needed: f64,
}

/// The measure of some sentences; with `grad`, the gradient of their mean loss too.
fn measure(c: &Corpus, p: &Params, sentences: &[Sentence], grad: Option<&mut Params>) -> Measure {
    let share = 1.0 / sentences.len() as f64;
    let slots = Slots::new(c, p);
    let mut slot_grads = grad.as_ref().map(|_| SlotGrads::new(&slots));
    let mut readout = Array2::zeros(p.readout.raw_dim());
    let (mut loss, mut correct, mut weight) = (0.0, 0.0, 0.0);
    for s in sentences {
        let f = forward_backward(
            &slots,
            p,
            s,
            slot_grads.as_mut().map(|g| (g, &mut readout, share)),
        );
        loss += f.loss * share;
        correct += if f.correct { share } else { 0.0 };
        weight += f.weight_on_needed * share;
    }
    if let (Some(g), Some(slot_grads)) = (grad, slot_grads) {
        slot_grads.into_matrices(&slots, g);
        g.readout += &readout;
    }
    Measure {
        loss,
        accuracy: correct,
        weight_on_needed: weight,
    }
}

/// The mean training loss and its gradient.
pub fn loss_and_gradient(c: &Corpus, p: &Params, sentences: &[Sentence]) -> (f64, Params) {
    let mut g = p.zeros_like();
    let m = measure(c, p, sentences, Some(&mut g));
    (m.loss, g)
}

/// The mean loss alone.
pub fn loss(c: &Corpus, p: &Params, sentences: &[Sentence]) -> f64 {
    measure(c, p, sentences, None).loss
}

/// The weights at one saved step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub step: usize,
    pub params: Params,
}

/// One weight's first step, for a reader to follow with a pencil.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkedStep {
    /// Which weight: `W_K` row and column (0-based).
    pub row: usize,
    pub col: usize,
    pub before: f64,
    /// The nudge `h` and the training loss with the weight at `before + h` and `before − h`.
    pub nudge: f64,
    pub loss_up: f64,
    pub loss_down: f64,
    /// The gradient the backward pass computed.
    pub gradient: f64,
    pub after: f64,
}

/// A finished training run.
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    pub config: TrainingConfig,
    pub corpus: Corpus,
    /// The mean training loss before each update: `loss[s]` is at step `s`, plus the last.
    pub loss: Vec<f64>,
    /// The held-out loss at the kept steps, one per snapshot (measuring all held-out sentences
    /// at every step would cost more than the training).
    pub held_out_loss: Vec<f64>,
    pub snapshots: Vec<Snapshot>,
    /// Held out, before training and after.
    pub before: Measure,
    pub after: Measure,
    /// The largest weight of any row of any held-out sentence before training.
    pub most_before: f64,
    pub worked: WorkedStep,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

/// One Adam update, step `t` (from 1), of every weight from its gradient and moments; with a
/// weight decay, decoupled as in AdamW (each weight also shrinks by `rate · decay · w`).
pub(crate) fn adam<const N: usize>(
    weights: [&mut Array2<f64>; N],
    grads: [&Array2<f64>; N],
    (first, second): ([&mut Array2<f64>; N], [&mut Array2<f64>; N]),
    t: usize,
    (rate, decay): (f64, f64),
) {
    let t = t as i32;
    for (((w, g), m), v) in weights.into_iter().zip(grads).zip(first).zip(second) {
        for (((w, g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            let m_hat = *m / (1.0 - BETA1.powi(t));
            let v_hat = *v / (1.0 - BETA2.powi(t));
            // Without decay, Adam as it always ran here, operation for operation (the kept
            // runs and the pages hold its bits).
            *w -= if decay == 0.0 {
                rate * m_hat / (v_hat.sqrt() + EPSILON)
            } else {
                rate * (m_hat / (v_hat.sqrt() + EPSILON) + decay * *w)
            };
        }
    }
}
/// The size of the nudge in the worked central difference.
pub const NUDGE: f64 = 1e-4;

/// Trains the model. Deterministic: the same config gives the same bits.
pub fn train(config: &TrainingConfig) -> Result<Training, String> {
    if config.d_model < 2 || config.d_k < 1 || config.d_v < 1 {
        return Err(
            "the model needs at least 2 embedding dimensions and 1 query and value dimension"
                .into(),
        );
    }
    if let Some(&late) = config.snapshots.iter().find(|&&s| s > config.steps) {
        return Err(format!(
            "snapshot step {late} comes after the last step, {}",
            config.steps
        ));
    }
    let corpus = Corpus::generate(config)?;
    let mut rng = Rng::new(config.seed ^ 0xA77E_4710);
    let d = config.d_model;
    // Small queries and keys: attention starts out nearly even.
    let mut params = Params {
        w_q: rng.matrix(config.d_k, d, 0.1),
        w_k: rng.matrix(config.d_k, d, 0.1),
        w_v: rng.matrix(config.d_v, d, 0.5),
        readout: rng.matrix(NOUNS.len(), config.d_v, 0.5),
    };
    let before = measure(&corpus, &params, &corpus.held_out, None);
    let most_before = corpus.largest_weight(&params);
    let mut first = params.zeros_like();
    let mut second = params.zeros_like();
    let mut loss_curve = Vec::with_capacity(config.steps + 1);
    let mut held_out_curve = Vec::with_capacity(config.snapshots.len());
    let mut snapshots = Vec::new();
    let mut worked = None;
    for step in 0..=config.steps {
        if config.snapshots.contains(&step) {
            snapshots.push(Snapshot {
                step,
                params: params.clone(),
            });
            held_out_curve.push(loss(&corpus, &params, &corpus.held_out));
        }
        let (train_loss, grad) = loss_and_gradient(&corpus, &params, &corpus.train);
        loss_curve.push(train_loss);
        if step == config.steps {
            break;
        }
        let mut moved = params.clone();
        adam(
            moved.matrices_mut(),
            grad.matrices(),
            (first.matrices_mut(), second.matrices_mut()),
            step + 1,
            (config.learning_rate, 0.0),
        );
        if step == 0 {
            worked = Some(work_one_weight(&corpus, &params, &grad, &moved));
        }
        params = moved;
    }
    let after = measure(&corpus, &params, &corpus.held_out, None);
    let worked = match worked {
        Some(w) => w,
        None => work_one_weight(&corpus, &params, &params.zeros_like(), &params),
    };
    Ok(Training {
        config: config.clone(),
        corpus,
        loss: loss_curve,
        held_out_loss: held_out_curve,
        snapshots,
        before,
        after,
        most_before,
        worked,
    })
}

/// The `W_K` weight with the steepest gradient at the start, and its first step.
fn work_one_weight(c: &Corpus, before: &Params, grad: &Params, after: &Params) -> WorkedStep {
    let ((row, col), &gradient) = grad
        .w_k
        .indexed_iter()
        .reduce(|a, b| if b.1.abs() > a.1.abs() { b } else { a })
        .expect("W_K has entries");
    let nudged = |by: f64| {
        let mut p = before.clone();
        p.w_k[[row, col]] += by;
        loss(c, &p, &c.train)
    };
    WorkedStep {
        row,
        col,
        before: before.w_k[[row, col]],
        nudge: NUDGE,
        loss_up: nudged(NUDGE),
        loss_down: nudged(-NUDGE),
        gradient,
        after: after.w_k[[row, col]],
    }
}

impl Training {
    /// The largest weight of any row of any held-out sentence under a snapshot's weights.
    pub fn largest_weight(&self, p: &Params) -> f64 {
        self.corpus.largest_weight(p)
    }
}

impl Corpus {
    /// The largest weight of any row of any held-out sentence under `p`.
    fn largest_weight(&self, p: &Params) -> f64 {
        self.held_out
            .iter()
            .map(|s| {
                self.attention(s, p)
                    .weights
                    .iter()
                    .copied()
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests;
