//! Attention between two sentences: a small model learns, while the book builds, which English
//! word each word of a French translation should look at.
//!
//! **The task.** English sentences shaped like the running one — determiner, adjective, noun,
//! verb, object ("The black cat ate fish") — and their French translations, seven words with
//! the adjective *after* the noun and the verb in two words ("Le chat noir a mangé du poisson").
//! The French is written one word at a time: the step that writes a word reads the word before
//! it (the first reads a start mark), and its query, from that word and its place, attends over
//! the English words' keys; what it gathers from their values is all a readout sees to name the
//! word. Nothing tells the model which English word goes with which French one: it finds the
//! alignment because no other way writes the words. This is the encoder–decoder attention of
//! Bahdanau et al. (2014) and Vaswani et al. (2017, §3.2.3) stripped to one head: a real
//! decoder's query also carries what its own self-attention gathered from every word written.
//!
//! **The model.** Embeddings for both vocabularies are given, drawn once from the seed: each
//! word is its role's vector plus a smaller part of its own (nouns are alike, as in a trained
//! model), with sinusoidal positions added; learned are `W_Q` (applied to the French words), `W_K` and
//! `W_V` (applied to the English ones) and a readout `R` from a French word's attention output
//! to one score per French word. The loss is the mean cross-entropy over the seven words of the
//! training pairs; gradients are derived by hand (checked against central differences in the
//! tests); Adam updates every weight. Everything is `f64` with sums in a fixed order and one
//! seeded generator, so two builds give the same bits.

use super::positions::sinusoidal;
use super::softmax;
use super::training::{Rng, adam, add_outer, dot, times};
use super::{Given, linear::project};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// The words by role, English and French side by side (every noun is masculine, so the
/// determiners and adjectives agree without changing).
pub const DETERMINERS: [(&str, &str); 2] = [("The", "Le"), ("A", "Un")];
pub const ADJECTIVES: [(&str, &str); 4] = [
    ("black", "noir"),
    ("white", "blanc"),
    ("grey", "gris"),
    ("happy", "heureux"),
];
pub const NOUNS: [(&str, &str); 6] = [
    ("cat", "chat"),
    ("dog", "chien"),
    ("bird", "oiseau"),
    ("fox", "renard"),
    ("wolf", "loup"),
    ("horse", "cheval"),
];
/// A verb's past tense, and its French participle (after the auxiliary "a").
pub const VERBS: [(&str, &str); 4] = [
    ("ate", "mangé"),
    ("found", "trouvé"),
    ("stole", "volé"),
    ("wanted", "voulu"),
];
/// What was eaten, found…: in French after the partitive "du".
pub const OBJECTS: [(&str, &str); 4] = [
    ("fish", "poisson"),
    ("bread", "pain"),
    ("cheese", "fromage"),
    ("rice", "riz"),
];
pub const AUXILIARY: &str = "a";
pub const PARTITIVE: &str = "du";
/// What the first step of writing reads: no French word is written yet.
pub const START: &str = "<s>";

pub const ENGLISH_LENGTH: usize = 5;
pub const FRENCH_LENGTH: usize = 7;
/// The English place each French word translates: Le·The, chat·cat, noir·black, a·ate,
/// mangé·ate, du·fish, poisson·fish.
pub const ALIGNED: [usize; FRENCH_LENGTH] = [0, 2, 1, 3, 3, 4, 4];
/// The French words that carry a meaning of their own: noun, adjective, participle, object.
pub const CONTENT: [usize; 4] = [1, 2, 4, 6];
/// The two whose order differs from the English: the noun and its adjective.
pub const CROSSING: [usize; 2] = [1, 2];

/// The roles in English order, each with its words.
const ROLES: [(&[(&str, &str)], &str); ENGLISH_LENGTH] = [
    (&DETERMINERS, "a determiner"),
    (&ADJECTIVES, "an adjective"),
    (&NOUNS, "a noun"),
    (&VERBS, "a verb"),
    (&OBJECTS, "an object"),
];

/// Why a text is not a sentence of the task.
#[derive(Debug, Clone, PartialEq)]
pub enum Unparsed {
    /// It has this many words, not five.
    Length(usize),
    /// Word `at` (from 0) is not one of its role's `choices`.
    Word {
        at: usize,
        word: String,
        role: &'static str,
        choices: Vec<&'static str>,
    },
}

/// A sentence pair: each English word as its index in its role's list.
pub type Pair = [usize; ENGLISH_LENGTH];

/// How to train: everything that decides the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslationConfig {
    pub seed: u64,
    pub d_model: usize,
    pub d_k: usize,
    pub d_v: usize,
    /// How many pairs train; the rest are held out.
    pub train: usize,
    pub steps: usize,
    pub learning_rate: f64,
    /// Decoupled weight decay (AdamW): each step shrinks every weight by this share of the
    /// learning rate. Without it the readout grows instead, and a step names its word from a
    /// little weight on the right English word; with it, gathering the right word is cheaper.
    pub weight_decay: f64,
}

impl Default for TranslationConfig {
    fn default() -> Self {
        TranslationConfig {
            seed: 2,
            d_model: 12,
            d_k: 6,
            d_v: 12,
            train: 240,
            steps: 400,
            learning_rate: 0.1,
            weight_decay: 0.3,
        }
    }
}

/// The learned weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// `(d_k, d_model)`, applied to the French words.
    pub w_q: Array2<f64>,
    /// `(d_k, d_model)` and `(d_v, d_model)`, applied to the English words.
    pub w_k: Array2<f64>,
    pub w_v: Array2<f64>,
    /// `(French words, d_v)`.
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
    fn matrices(&self) -> [&Array2<f64>; 4] {
        [&self.w_q, &self.w_k, &self.w_v, &self.readout]
    }
    fn matrices_mut(&mut self) -> [&mut Array2<f64>; 4] {
        [
            &mut self.w_q,
            &mut self.w_k,
            &mut self.w_v,
            &mut self.readout,
        ]
    }
}

/// Both vocabularies, their given embeddings and positions, and the pairs, split.
#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    /// English words, role after role; French words likewise, then "a" and "du".
    pub english: Vec<&'static str>,
    pub french: Vec<&'static str>,
    /// `(words, d_model)` each.
    pub english_embeddings: Array2<f64>,
    pub french_embeddings: Array2<f64>,
    /// `(FRENCH_LENGTH, d_model)`: the sinusoidal positions both sentences add (English uses
    /// the first five rows).
    pub positions: Array2<f64>,
    pub train: Vec<Pair>,
    pub held_out: Vec<Pair>,
}

/// How far a word's own part of its embedding reaches, against 1 for its role's.
const WORD_PART: f64 = 0.5;

/// Where each role's words start in the English (and French) word lists.
fn role_start(role: usize) -> usize {
    ROLES[..role].iter().map(|(words, _)| words.len()).sum()
}

impl Parallel {
    /// Every pair the vocabulary makes, shuffled by the seed and split.
    pub fn generate(config: &TranslationConfig) -> Result<Parallel, String> {
        let mut rng = Rng::new(config.seed);
        let english: Vec<&'static str> = ROLES
            .iter()
            .flat_map(|(words, _)| words.iter().map(|w| w.0))
            .collect();
        let french: Vec<&'static str> = ROLES
            .iter()
            .flat_map(|(words, _)| words.iter().map(|w| w.1))
            .chain([AUXILIARY, PARTITIVE, START])
            .collect();
        // Words of one role are alike, as in a trained model's embeddings: each word is its
        // role's vector (drawn once per language) plus a smaller part of its own.
        let d = config.d_model;
        let mut alike = |roles: &[usize]| {
            let role_vectors = rng.matrix(roles.iter().max().map_or(0, |r| r + 1), d, 1.0);
            let own = rng.matrix(roles.len(), d, WORD_PART);
            Array2::from_shape_fn((roles.len(), d), |(w, c)| {
                role_vectors[[roles[w], c]] + own[[w, c]]
            })
        };
        let english_roles: Vec<usize> = ROLES
            .iter()
            .enumerate()
            .flat_map(|(r, (words, _))| std::iter::repeat_n(r, words.len()))
            .collect();
        // French: the same five roles, then the auxiliary, the partitive and the start mark,
        // each its own.
        let french_roles: Vec<usize> = english_roles
            .iter()
            .copied()
            .chain([ENGLISH_LENGTH, ENGLISH_LENGTH + 1, ENGLISH_LENGTH + 2])
            .collect();
        let english_embeddings = alike(&english_roles);
        let french_embeddings = alike(&french_roles);
        let mut all: Vec<Pair> = vec![[0; ENGLISH_LENGTH]];
        for (role, (words, _)) in ROLES.iter().enumerate() {
            all = all
                .into_iter()
                .flat_map(|p| {
                    (0..words.len()).map(move |w| {
                        let mut p = p;
                        p[role] = w;
                        p
                    })
                })
                .collect();
        }
        for i in (1..all.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            all.swap(i, j);
        }
        if config.train == 0 || config.train >= all.len() {
            return Err(format!(
                "the vocabulary makes {} sentence pairs: train on between 1 and {} of them, so that some are held out",
                all.len(),
                all.len() - 1
            ));
        }
        let held_out = all.split_off(config.train);
        Ok(Parallel {
            english,
            french,
            english_embeddings,
            french_embeddings,
            positions: sinusoidal(FRENCH_LENGTH, config.d_model),
            train: all,
            held_out,
        })
    }

    /// The pair of an English sentence, or what is wrong with it.
    pub fn parse(&self, text: &str) -> Result<Pair, Unparsed> {
        let given: Vec<&str> = text.split_whitespace().collect();
        if given.len() != ENGLISH_LENGTH {
            return Err(Unparsed::Length(given.len()));
        }
        let mut pair = [0; ENGLISH_LENGTH];
        for (at, (word, (words, role))) in given.iter().zip(ROLES).enumerate() {
            let Some(i) = words.iter().position(|w| w.0 == *word) else {
                return Err(Unparsed::Word {
                    at,
                    word: word.to_string(),
                    role,
                    choices: words.iter().map(|w| w.0).collect(),
                });
            };
            pair[at] = i;
        }
        Ok(pair)
    }

    /// Indexes into [`Parallel::english`].
    pub fn english_words(&self, p: &Pair) -> [usize; ENGLISH_LENGTH] {
        std::array::from_fn(|role| role_start(role) + p[role])
    }

    /// Indexes into [`Parallel::french`]: determiner, noun, adjective, "a", participle, "du",
    /// object.
    pub fn french_words(&self, p: &Pair) -> [usize; FRENCH_LENGTH] {
        let auxiliary = self.french.len() - 3;
        let e = self.english_words(p);
        [e[0], e[2], e[1], auxiliary, e[3], auxiliary + 1, e[4]]
    }

    /// What each step of writing the French reads: the start mark, then the words written so
    /// far (the word a step writes is [`Parallel::french_words`] at the same place).
    pub fn french_read(&self, p: &Pair) -> [usize; FRENCH_LENGTH] {
        let written = self.french_words(p);
        std::array::from_fn(|i| {
            if i == 0 {
                self.french.len() - 1
            } else {
                written[i - 1]
            }
        })
    }

    pub fn english_text(&self, p: &Pair) -> Vec<String> {
        self.english_words(p)
            .iter()
            .map(|&w| self.english[w].to_string())
            .collect()
    }

    pub fn french_text(&self, p: &Pair) -> Vec<String> {
        self.french_words(p)
            .iter()
            .map(|&w| self.french[w].to_string())
            .collect()
    }

    /// The inputs the projections apply to: each word's embedding plus its place's position,
    /// French `(7, d)` and English `(5, d)`.
    pub fn inputs(&self, p: &Pair) -> (Array2<f64>, Array2<f64>) {
        let rows = |words: &[usize], table: &Array2<f64>| {
            Array2::from_shape_fn((words.len(), table.ncols()), |(i, c)| {
                table[[words[i], c]] + self.positions[[i, c]]
            })
        };
        (
            rows(&self.french_read(p), &self.french_embeddings),
            rows(&self.english_words(p), &self.english_embeddings),
        )
    }

    /// The held-out pair to suggest for `p`: the one with the most words in common (the first
    /// such, so the same seed suggests the same pair).
    pub fn held_out_like(&self, p: &Pair) -> Pair {
        let same = |h: &Pair| h.iter().zip(p).filter(|(a, b)| a == b).count();
        self.held_out
            .iter()
            .fold(None::<&Pair>, |best, h| match best {
                Some(b) if same(b) >= same(h) => Some(b),
                _ => Some(h),
            })
            .copied()
            .unwrap_or(self.held_out[0])
    }
}

/// Every word at every place, projected once per step: French slots `word · 7 + place` with
/// their queries, English slots `word · 5 + place` with their keys and values.
struct Slots {
    french_x: Vec<Vec<f64>>,
    english_x: Vec<Vec<f64>>,
    q: Vec<Vec<f64>>,
    k: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

impl Slots {
    fn new(c: &Parallel, p: &Params) -> Slots {
        let make = |table: &Array2<f64>, places: usize| -> Vec<Vec<f64>> {
            (0..table.nrows() * places)
                .map(|s| {
                    let (w, place) = (s / places, s % places);
                    (0..table.ncols())
                        .map(|i| table[[w, i]] + c.positions[[place, i]])
                        .collect()
                })
                .collect()
        };
        let french_x = make(&c.french_embeddings, FRENCH_LENGTH);
        let english_x = make(&c.english_embeddings, ENGLISH_LENGTH);
        Slots {
            q: french_x.iter().map(|x| times(&p.w_q, x)).collect(),
            k: english_x.iter().map(|x| times(&p.w_k, x)).collect(),
            v: english_x.iter().map(|x| times(&p.w_v, x)).collect(),
            french_x,
            english_x,
        }
    }
}

/// Gradients with respect to each slot's query, key and value, summed over the pairs.
struct SlotGrads {
    q: Vec<Vec<f64>>,
    k: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    readout: Array2<f64>,
}

impl SlotGrads {
    fn new(slots: &Slots, p: &Params) -> SlotGrads {
        let zeros = |m: &Vec<Vec<f64>>| m.iter().map(|r| vec![0.0; r.len()]).collect();
        SlotGrads {
            q: zeros(&slots.q),
            k: zeros(&slots.k),
            v: zeros(&slots.v),
            readout: Array2::zeros(p.readout.raw_dim()),
        }
    }
    /// `∂L/∂W = Σ_slot ∂L/∂(W·x_slot) ⊗ x_slot`.
    fn into_params(self, slots: &Slots, g: &mut Params) {
        for (s, x) in slots.french_x.iter().enumerate() {
            add_outer(&mut g.w_q, &self.q[s], x);
        }
        for (s, x) in slots.english_x.iter().enumerate() {
            add_outer(&mut g.w_k, &self.k[s], x);
            add_outer(&mut g.w_v, &self.v[s], x);
        }
        g.readout += &self.readout;
    }
}

/// How well some pairs are translated and aligned.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    /// Mean cross-entropy per French word.
    pub loss: f64,
    /// Share of French words the readout names right.
    pub accuracy: f64,
    /// Share of content words (noun, adjective, participle, object) whose largest weight is
    /// on the English word they translate.
    pub content: f64,
    /// The same, for the noun and adjective alone: the pairs whose order crosses.
    pub crossing: f64,
}

/// The loss, words named right and content words aligned of one pair; with `grad`, its
/// gradient added in, scaled by `share`.
fn forward_backward(
    c: &Parallel,
    slots: &Slots,
    p: &Params,
    pair: &Pair,
    mut grad: Option<(&mut SlotGrads, f64)>,
) -> (f64, usize, usize, usize) {
    let english: [usize; ENGLISH_LENGTH] = {
        let words = c.english_words(pair);
        std::array::from_fn(|j| words[j] * ENGLISH_LENGTH + j)
    };
    let read = c.french_read(pair);
    let (mut loss, mut named, mut aligned, mut crossed) = (0.0, 0, 0, 0);
    for (i, &word) in c.french_words(pair).iter().enumerate() {
        let asking = read[i] * FRENCH_LENGTH + i;
        let q = &slots.q[asking];
        let scale = 1.0 / (q.len() as f64).sqrt();
        let scores: Vec<Option<f64>> = english
            .iter()
            .map(|&j| Some(dot(q, &slots.k[j]) * scale))
            .collect();
        let a = softmax(&scores);
        let mut out = vec![0.0; p.w_v.nrows()];
        for (aj, &j) in a.iter().zip(&english) {
            for (o, vc) in out.iter_mut().zip(&slots.v[j]) {
                *o += aj * vc;
            }
        }
        let logits: Vec<Option<f64>> = times(&p.readout, &out).into_iter().map(Some).collect();
        let probs = softmax(&logits);
        loss -= probs[word].ln();
        let best = |xs: &[f64]| {
            (0..xs.len())
                .reduce(|a, b| if xs[b] > xs[a] { b } else { a })
                .unwrap_or(0)
        };
        named += usize::from(best(&probs) == word);
        if CONTENT.contains(&i) && best(&a) == ALIGNED[i] {
            aligned += 1;
            crossed += usize::from(CROSSING.contains(&i));
        }
        let Some((g, share)) = grad.as_mut() else {
            continue;
        };
        let share = *share;
        // Backward, by the chain rule. Cross-entropy after softmax: ∂L/∂logit = p − onehot.
        let d_logits: Vec<f64> = (0..probs.len())
            .map(|w| share * (probs[w] - if w == word { 1.0 } else { 0.0 }))
            .collect();
        add_outer(&mut g.readout, &d_logits, &out);
        let d_out: Vec<f64> = (0..out.len())
            .map(|col| {
                (0..d_logits.len()).fold(0.0, |sum, w| sum + p.readout[[w, col]] * d_logits[w])
            })
            .collect();
        // out = Σ a_j v_j.
        let d_a: Vec<f64> = english.iter().map(|&j| dot(&d_out, &slots.v[j])).collect();
        for (aj, &j) in a.iter().zip(&english) {
            for (dv, o) in g.v[j].iter_mut().zip(&d_out) {
                *dv += aj * o;
            }
        }
        // Softmax, then s_j = scale · q·k_j.
        let mean = dot(&a, &d_a);
        for (j, &slot) in english.iter().enumerate() {
            let d_s = scale * a[j] * (d_a[j] - mean);
            for (dq, kc) in g.q[asking].iter_mut().zip(&slots.k[slot]) {
                *dq += d_s * kc;
            }
            for (dk, qc) in g.k[slot].iter_mut().zip(q) {
                *dk += d_s * qc;
            }
        }
    }
    (loss, named, aligned, crossed)
}

/// The measure of some pairs; with `grad`, the gradient of their mean loss too.
fn measure(c: &Parallel, p: &Params, pairs: &[Pair], grad: Option<&mut Params>) -> Alignment {
    let words = (pairs.len() * FRENCH_LENGTH) as f64;
    let slots = Slots::new(c, p);
    let mut slot_grads = grad.as_ref().map(|_| SlotGrads::new(&slots, p));
    let (mut loss, mut named, mut aligned, mut crossed) = (0.0, 0, 0, 0);
    for pair in pairs {
        let (l, n, a, x) = forward_backward(
            c,
            &slots,
            p,
            pair,
            slot_grads.as_mut().map(|g| (g, 1.0 / words)),
        );
        loss += l;
        named += n;
        aligned += a;
        crossed += x;
    }
    if let (Some(g), Some(slot_grads)) = (grad, slot_grads) {
        slot_grads.into_params(&slots, g);
    }
    Alignment {
        loss: loss / words,
        accuracy: named as f64 / words,
        content: aligned as f64 / (pairs.len() * CONTENT.len()) as f64,
        crossing: crossed as f64 / (pairs.len() * CROSSING.len()) as f64,
    }
}

/// The mean training loss and its gradient.
pub fn loss_and_gradient(c: &Parallel, p: &Params, pairs: &[Pair]) -> (f64, Params) {
    let mut g = p.zeros_like();
    let m = measure(c, p, pairs, Some(&mut g));
    (m.loss, g)
}

/// A finished training run.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub config: TranslationConfig,
    pub corpus: Parallel,
    pub params: Params,
    /// The mean training loss before each update, and after the last.
    pub loss: Vec<f64>,
    /// Held out, before training and after.
    pub before: Alignment,
    pub after: Alignment,
}

/// Trains the model. Deterministic: the same config gives the same bits.
pub fn train(config: &TranslationConfig) -> Result<Translation, String> {
    if config.d_model < 2 || config.d_k < 1 || config.d_v < 1 {
        return Err(
            "the model needs at least 2 embedding dimensions and 1 query and value dimension"
                .into(),
        );
    }
    let corpus = Parallel::generate(config)?;
    let mut rng = Rng::new(config.seed ^ 0x7A_4D_0C);
    let d = config.d_model;
    let mut params = Params {
        w_q: rng.matrix(config.d_k, d, 0.1),
        w_k: rng.matrix(config.d_k, d, 0.1),
        w_v: rng.matrix(config.d_v, d, 0.5),
        readout: rng.matrix(corpus.french.len() - 1, config.d_v, 0.5),
    };
    let before = measure(&corpus, &params, &corpus.held_out, None);
    let (mut first, mut second) = (params.zeros_like(), params.zeros_like());
    let mut loss = Vec::with_capacity(config.steps + 1);
    for step in 0..=config.steps {
        let (train_loss, grad) = loss_and_gradient(&corpus, &params, &corpus.train);
        loss.push(train_loss);
        if step == config.steps {
            break;
        }
        adam(
            params.matrices_mut(),
            grad.matrices(),
            (first.matrices_mut(), second.matrices_mut()),
            step + 1,
            (config.learning_rate, config.weight_decay),
        );
    }
    let after = measure(&corpus, &params, &corpus.held_out, None);
    Ok(Translation {
        config: config.clone(),
        corpus,
        params,
        loss,
        before,
        after,
    })
}

impl Translation {
    /// What the readout makes of a step's attention output: the probability of each French
    /// word ([`Parallel::french`], the start mark left out) being the one the step writes.
    pub fn next_word(&self, output: &[f64]) -> Vec<f64> {
        let logits: Vec<Option<f64>> = times(&self.params.readout, output)
            .into_iter()
            .map(Some)
            .collect();
        softmax(&logits)
    }

    /// A pair's queries (from the French words), keys and values (from the English), under the
    /// trained weights: the block computes its attention from these.
    pub fn given(&self, pair: &Pair) -> Given {
        let (french, english) = self.corpus.inputs(pair);
        Given {
            q: project(french.view(), self.params.w_q.view()),
            k: project(english.view(), self.params.w_k.view()),
            v: project(english.view(), self.params.w_v.view()),
        }
    }
}

#[cfg(test)]
mod tests;
