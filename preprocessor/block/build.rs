//! Located fields → a [`BlockSpec`]: the example merged in, then one reader per key, in the
//! order of [`Key::ALL`] (later keys lean on earlier ones: `focus` on `tokens`, the weights on
//! the width of `embeddings`), then the checks that span several keys.
//!
//! Every reader records its problems and goes on, so a block reports them all at once.

use super::checked::{
    BlockSpec, DEFAULT_ROPE_BASE, MAX_CELLS, MAX_DIMS, MAX_TOKENS, PositionsKind, Step, Variant,
    View,
};
use super::keys::{Field, Fields, Key, MaskField, PositionsField, StepField, rows_to_array};
use super::kind::given::{self, HeadWeights, Heads};
use super::kind::pretrained::Models;
use super::kind::{Kind, KindName};
use crate::core::{self, AttentionInput, Mask, Projection, Qkv, QueryOverride};
use crate::expr::{ResultGroup, ResultName};
use crate::source::{Diagnostic, Located, Place, suggest};
use ndarray::Array2;

/// Where `example = "NAME"` finds the keys of a named example (the book's examples, which sit
/// above blocks: they are blocks computed and checked).
pub trait ExampleKeys {
    /// The keys of a named example, as written.
    fn keys_of(&self, name: &str) -> Option<&Fields>;
    /// Where the first problem of an example that failed is.
    fn failure(&self, name: &str) -> Option<&Place>;
    /// Every example's name, for "did you mean".
    fn names(&self) -> Vec<&str>;
    /// The real models book.toml names, for blocks with `model`.
    fn models(&self) -> &Models;
}

/// Checks the fields (after merging in the example) and assembles a spec.
pub fn build(
    mut fields: Fields,
    place: Place,
    examples: &dyn ExampleKeys,
    as_example: bool,
) -> Result<BlockSpec, Vec<Diagnostic>> {
    // An example's keys first, as if the block had written them — `train` and `model` included —
    // unless the block makes its own inputs (then its `example` is refused below).
    let makes_own = [Key::Train, Key::Model, Key::Translate]
        .iter()
        .any(|k| fields.contains_key(k));
    let inherited = if makes_own {
        None
    } else {
        merge_example(&mut fields, examples)?
    };
    if inherited.is_some() && (fields.contains_key(&Key::Train) || fields.contains_key(&Key::Model))
    {
        // Consumed: what the example gave is now the block's own.
        fields.remove(&Key::Example);
    }
    let blame = |problems: Vec<Diagnostic>| match &inherited {
        Some((name, at)) => blame_the_block(problems, &place, name, at),
        None => problems,
    };
    // A model or a training run writes the keys it makes before anything reads them.
    let on_model = super::kind::pretrained::apply(&mut fields, examples.models()).map_err(blame)?;
    let trained = super::kind::trained::apply(&mut fields).map_err(blame)?;
    let translated = super::kind::translated::apply(&mut fields).map_err(blame)?;
    // Several heads bring their own weights.
    // (A real model's head brings its queries, keys and values instead.)
    let inputs: &[Key] = if on_model.is_some() || translated.is_some() {
        &[]
    } else if fields.contains_key(&Key::Heads) {
        &[Key::Embeddings]
    } else {
        &[Key::Embeddings, Key::WQ, Key::WK, Key::WV]
    };
    let missing: Vec<Diagnostic> = [Key::Tokens]
        .iter()
        .chain(inputs)
        .copied()
        .filter(|key| !fields.contains_key(key))
        .map(|key| {
            Diagnostic::new(
                place.clone(),
                format!("this block has no `{key}` — give `{key}`, or start from a named example with `example = \"NAME\"`"),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut b = Builder::new(&fields, place.clone());
    b.as_example = as_example;
    b.trained = trained;
    b.on_model = on_model;
    b.translated = translated;
    for key in Key::ALL {
        b.read(*key);
    }
    b.check_across_keys();
    b.finish().map_err(blame)
}

/// Problems found in keys a block took from an example are the block's: they are reported at
/// its `example = …` line, with a note pointing to the key it inherited.
fn blame_the_block(
    problems: Vec<Diagnostic>,
    block: &Place,
    name: &str,
    example_line: &Place,
) -> Vec<Diagnostic> {
    problems
        .into_iter()
        .map(|mut d| {
            if d.place.path != block.path {
                let inherited = std::mem::replace(&mut d.place, example_line.clone());
                d = d.with_note(
                    Some(inherited),
                    format!("this comes from the example `{name}`, which this block changes"),
                );
            }
            d
        })
        .collect()
}

/// Puts the keys of `example = "NAME"` under the block's own, except its `id` and its claims:
/// the example's claims are checked once, where it is defined. Returns the example's name and
/// the line that names it.
fn merge_example(
    fields: &mut Fields,
    examples: &dyn ExampleKeys,
) -> Result<Option<(String, Place)>, Vec<Diagnostic>> {
    let Some(Located {
        value: Field::Text(name),
        place: at,
    }) = fields.get(&Key::Example)
    else {
        return Ok(None);
    };
    let (name, at) = (name.clone(), at.clone());
    if let Some(cause) = examples.failure(&name) {
        return Err(vec![Diagnostic::follow_on(
            at,
            format!("the example `{name}` could not be computed — see {cause}"),
        )]);
    }
    let Some(base) = examples.keys_of(&name) else {
        let names: Vec<&str> = examples.names();
        let listed = if names.is_empty() {
            "this book defines none: point `examples` in book.toml's [preprocessor.attention] at a TOML file".to_string()
        } else {
            format!("the examples are {}", names.join(", "))
        };
        return Err(vec![Diagnostic::new(
            at.clone(),
            format!(
                "there is no example named `{name}`{} — {listed}",
                suggest(&name, &names)
            ),
        )]);
    };
    // A block with its own heads replaces the example's one head.
    let own_heads = fields.contains_key(&Key::Heads);
    for (key, value) in base {
        let replaced = own_heads && matches!(key, Key::WQ | Key::WK | Key::WV);
        if !matches!(key, Key::Id | Key::Assert) && !replaced {
            fields.entry(*key).or_insert_with(|| value.clone());
        }
    }
    Ok(Some((name, at)))
}

/// The spec as it is read, key by key.
struct Builder<'f> {
    fields: &'f Fields,
    place: Place,
    /// A named example, computed where it is defined: the keys it holds for the blocks that use
    /// it (`shuffled` for those that show `order`) are not its own to use.
    as_example: bool,
    problems: Vec<Diagnostic>,
    id: Option<String>,
    title: Option<String>,
    tokens: Vec<String>,
    dims: Vec<String>,
    embeddings: Option<Array2<f64>>,
    w_q: Option<Array2<f64>>,
    w_k: Option<Array2<f64>>,
    w_v: Option<Array2<f64>>,
    mask: Mask,
    scale: Option<f64>,
    views: Vec<View>,
    focus: usize,
    query_overrides: Vec<QueryOverride>,
    steps: Vec<Step>,
    highlight: Option<usize>,
    /// The order view's copy: the word standing at each place (`None`: the sentence reversed).
    shuffled: Option<Vec<usize>>,
    assertions: Vec<Located<String>>,
    warnings: Vec<Diagnostic>,
    /// Every head, when the block gives `heads` (the first's weights are also `w_q`, …).
    heads: Vec<HeadWeights>,
    /// Whether the block gave `heads` (its results are then named `heads[1]`, …).
    has_heads: bool,
    w_o: Option<Array2<f64>>,
    positions: PositionsKind,
    rope_base: Option<f64>,
    /// What sinusoidal or learned positions are multiplied by before they are added.
    position_scale: f64,
    trained: Option<super::kind::trained::Trained>,
    on_model: Option<super::kind::pretrained::OnHead>,
    translated: Option<super::kind::translated::Translated>,
}

impl<'f> Builder<'f> {
    fn new(fields: &'f Fields, place: Place) -> Self {
        Builder {
            fields,
            place,
            as_example: false,
            problems: Vec::new(),
            id: None,
            title: None,
            tokens: Vec::new(),
            dims: Vec::new(),
            embeddings: None,
            w_q: None,
            w_k: None,
            w_v: None,
            mask: Mask::None,
            scale: None,
            views: Vec::new(),
            focus: 0,
            query_overrides: Vec::new(),
            steps: Vec::new(),
            highlight: None,
            shuffled: None,
            assertions: Vec::new(),
            warnings: Vec::new(),
            heads: Vec::new(),
            has_heads: false,
            w_o: None,
            positions: PositionsKind::None,
            rope_base: None,
            position_scale: 1.0,
            trained: None,
            on_model: None,
            translated: None,
        }
    }

    /// The one reader of each key.
    fn read(&mut self, key: Key) {
        match key {
            // Merged in by `merge_example`; a training run is written out as the keys it makes.
            Key::Example
            | Key::Train
            | Key::Model
            | Key::Text
            | Key::Layer
            | Key::Head
            | Key::Translate => {}
            Key::Id => self.id(),
            Key::Title => self.title = self.text(Key::Title),
            Key::Tokens => self.tokens(),
            Key::Dims => self.dims(),
            Key::Embeddings => self.embeddings(),
            Key::WQ | Key::WK | Key::WV if self.fields.contains_key(&Key::Heads) => {
                self.both_given(key)
            }
            Key::WQ => self.w_q = self.weight(Key::WQ),
            Key::WK => self.w_k = self.weight(Key::WK),
            Key::WV => self.w_v = self.weight(Key::WV),
            Key::Mask => self.mask(),
            Key::Scale => self.scale(),
            Key::Show => self.show(),
            Key::Focus => self.focus = self.token(Key::Focus).unwrap_or(0),
            Key::SetQuery => self.set_query(),
            Key::Steps => self.steps(),
            Key::Highlight => self.highlight = self.token(Key::Highlight),
            Key::Shuffled => self.shuffled(),
            Key::Assert => self.assert(),
            Key::Positions => self.positions(),
            Key::RopeBase => self.rope_base(),
            Key::PositionScale => self.position_scale(),
            Key::Heads => self.heads(),
            Key::WO => self.w_o = self.matrix(Key::WO),
        }
    }

    fn positions(&mut self) {
        let (n, d) = (self.tokens.len(), self.d());
        self.positions = match self.fields.get(&Key::Positions) {
            None => PositionsKind::None,
            Some(Located {
                value: Field::Positions(PositionsField::Named(name)),
                place,
            }) => match name.as_str() {
                "none" => PositionsKind::None,
                "sinusoidal" => PositionsKind::Sinusoidal,
                "rope" | "rotary" => PositionsKind::Rope,
                other => {
                    let message = format!(
                        "unknown positions `{other}`{} — write \"sinusoidal\", \"rope\" or \"none\", or one row of numbers per token",
                        suggest(other, &["sinusoidal", "rope", "none"])
                    );
                    self.problem(place.clone(), message);
                    PositionsKind::None
                }
            },
            Some(Located {
                value: Field::Positions(PositionsField::Rows(rows)),
                place,
            }) => match rows_to_array(rows, "positions", &mut self.problems) {
                Some(m) if m.dim() == (n, d) || n == 0 || d == 0 => PositionsKind::Learned(m),
                Some(m) => {
                    let message = format!(
                        "`positions` is {}×{} but there are {n} tokens of {d} dimensions — give one row of {d} numbers per token",
                        m.nrows(),
                        m.ncols()
                    );
                    self.problem(place.clone(), message);
                    PositionsKind::None
                }
                None => PositionsKind::None,
            },
            Some(_) => PositionsKind::None,
        };
    }

    fn rope_base(&mut self) {
        if let Some(Located {
            value: Field::Number(base),
            place,
        }) = self.fields.get(&Key::RopeBase)
        {
            if self.positions != PositionsKind::Rope {
                self.problem(place.clone(), "`rope_base` sets the base of rotary positions — add `positions = \"rope\"`, or drop `rope_base`");
            } else if *base <= 1.0 {
                let message = format!(
                    "`rope_base` is {}, but the base of rotary positions must be greater than 1 — the usual one is 10000",
                    crate::format::human(*base)
                );
                self.problem(place.clone(), message);
            } else {
                self.rope_base = Some(*base);
            }
        }
    }

    /// Whether the block itself wrote `key` (not an example it starts from, nor an example being
    /// computed where it is defined): a key that only some views use is the writer's mistake
    /// only there.
    fn written_here(&self, key: Key) -> bool {
        !self.as_example && self.at(key).path == self.place.path
    }

    /// A figure a page can carry: the numbers its views draw, counted the way they draw them
    /// (a map per head, Q and K side by side, …), at most [`MAX_CELLS`]. Within the limits on
    /// tokens, dimensions and heads a block could otherwise ask for 16 maps of 128×128 — 60 MB
    /// of HTML, written twice.
    fn check_size(&mut self) {
        let n = self.tokens.len();
        let d = self.d();
        let heads = self.heads.len().max(1);
        let d_k = self
            .given_d_k()
            .unwrap_or_else(|| self.w_q.as_ref().map_or(d, |w| w.nrows()));
        let per_view: Vec<(View, usize)> = self
            .views
            .iter()
            .map(|&v| {
                let cells = match v {
                    View::Heatmap | View::Learning | View::Lines => n * n,
                    View::Compare | View::Order => 2 * n * n,
                    View::Heads => heads * n * n,
                    View::Snapshots => 4 * n * n,
                    View::Qkv | View::Matmul => 3 * n * d_k.max(d) + n * n,
                    View::Embeddings | View::Positions => 2 * n * d,
                    View::Matrices | View::Projection | View::Learned => 3 * d_k * d,
                    View::Combine => n * d * (heads + 1),
                    // Step t: t cached keys and values, t scores, weights and dots; a query
                    // and an output.
                    View::Decode => n * (n + 1) / 2 * (2 * d_k + 3) + 2 * n * d_k,
                    _ => 4 * n,
                };
                (v, cells)
            })
            .collect();
        let total: usize = per_view.iter().map(|(_, c)| c).sum();
        if total > MAX_CELLS {
            let largest: Vec<String> = per_view
                .iter()
                .filter(|(_, c)| *c * 10 >= total)
                .map(|(v, c)| format!("{} {c}", v.name()))
                .collect();
            let message = format!(
                "this block would draw {total} numbers ({}), more than the {MAX_CELLS} one figure may have — show fewer views, fewer heads or fewer tokens, or split it into several blocks",
                largest.join(", ")
            );
            let at = self.at(Key::Show);
            self.problem(at, message);
        }
    }

    /// `position_scale`: positions added to embeddings of another size are scaled to them, as
    /// the 2017 Transformer scales its embeddings by √d_model so its waves do not drown them.
    fn position_scale(&mut self) {
        if let Some(Located {
            value: Field::Number(scale),
            place,
        }) = self.fields.get(&Key::PositionScale)
        {
            if !matches!(
                self.positions,
                PositionsKind::Sinusoidal | PositionsKind::Learned(_)
            ) {
                self.problem(place.clone(), "`position_scale` scales positions that are added to the embeddings — add `positions = \"sinusoidal\"` (or rows of learned positions), or drop `position_scale`");
            } else if !(scale.is_finite() && *scale > 0.0) {
                let message = format!(
                    "`position_scale` is {}, but it must be a number above 0 — 0.1 makes waves of ±0.1",
                    crate::format::human(*scale)
                );
                self.problem(place.clone(), message);
            } else {
                self.position_scale = *scale;
            }
        }
    }

    /// `heads`: the first head's weights become `w_q`, `w_k`, `w_v`; the rest are kept.
    fn heads(&mut self) {
        self.has_heads = self.fields.contains_key(&Key::Heads);
        let Some(all) = given::read_heads(self.fields, self.d(), &mut self.problems) else {
            return;
        };
        if let Some(first) = all.first() {
            self.w_q = Some(first.w_q.clone());
            self.w_k = Some(first.w_k.clone());
            self.w_v = Some(first.w_v.clone());
        }
        self.heads = all;
    }

    /// `w_q` beside `heads`, in the block itself (an example's are replaced, not a mistake).
    fn both_given(&mut self, key: Key) {
        if let Some(f) = self.fields.get(&key)
            && f.place.path == self.place.path
        {
            let message = format!(
                "`{key}` and `heads` both give weights — give `w_q`, `w_k` and `w_v` for one head, or `heads` for several, not both"
            );
            self.problem(f.place.clone(), message);
        }
    }

    fn problem(&mut self, place: Place, message: impl Into<String>) {
        self.problems.push(Diagnostic::new(place, message));
    }

    /// Where a key was written, or the block's start when it was not.
    fn at(&self, key: Key) -> Place {
        self.fields
            .get(&key)
            .map_or(self.place.clone(), |f| f.place.clone())
    }

    fn text(&self, key: Key) -> Option<String> {
        match self.fields.get(&key) {
            Some(Located {
                value: Field::Text(t),
                ..
            }) => Some(t.clone()),
            _ => None,
        }
    }

    fn texts(&self, key: Key) -> Vec<Located<String>> {
        match self.fields.get(&key) {
            Some(Located {
                value: Field::Texts(t),
                ..
            }) => t.clone(),
            _ => Vec::new(),
        }
    }

    /// The width of the embeddings, once read (0 before, or when they are wrong).
    fn d(&self) -> usize {
        self.embeddings.as_ref().map_or(0, |m| m.ncols())
    }

    fn id(&mut self) {
        self.id = self.text(Key::Id);
        if let Some(id) = &self.id
            && (id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
        {
            let message = format!(
                "the id `{id}` may hold only letters, digits, `_` and `-` — write e.g. `id = \"experiment\"`"
            );
            self.problem(self.at(Key::Id), message);
        }
    }

    fn tokens(&mut self) {
        self.tokens = self
            .texts(Key::Tokens)
            .into_iter()
            .map(|t| t.value)
            .collect();
        if self.tokens.is_empty() {
            self.problem(
                self.at(Key::Tokens),
                "`tokens` is empty — give at least one token, like `tokens = [\"cat\"]`",
            );
        } else if self.tokens.len() > MAX_TOKENS {
            let message = format!(
                "{} tokens are more than the limit of {MAX_TOKENS} — shorten the sentence or split it into several blocks",
                self.tokens.len()
            );
            self.problem(self.at(Key::Tokens), message);
        }
    }

    fn embeddings(&mut self) {
        self.embeddings = self.matrix(Key::Embeddings);
        let n = self.tokens.len();
        if let Some(e) = &self.embeddings
            && e.nrows() != n
            && n > 0
        {
            let message = format!(
                "`embeddings` has {} rows but there are {n} tokens — give one row per token, in the same order",
                e.nrows()
            );
            self.problem(self.at(Key::Embeddings), message);
        }
        // `dims` is read before the embeddings it names; its count is checked here.
        let d = self.d();
        if let Some(f) = self.fields.get(&Key::Dims) {
            if d > 0 && self.dims.len() != d {
                let message = format!(
                    "`dims` names {} dimensions but the embeddings have {d} — give one name per dimension",
                    self.dims.len()
                );
                self.problem(f.place.clone(), message);
            }
        } else {
            self.dims = (1..=d).map(|i| format!("dim {i}")).collect();
        }
    }

    fn dims(&mut self) {
        self.dims = self.texts(Key::Dims).into_iter().map(|t| t.value).collect();
    }

    /// `w_q`, `w_k` or `w_v`: a matrix as wide as the embeddings.
    fn weight(&mut self, key: Key) -> Option<Array2<f64>> {
        let m = self.matrix(key)?;
        let d = self.d();
        if d > 0 && m.ncols() != d {
            let message = format!(
                "`{key}` has {} columns but the embeddings have {d} dimensions — give each row of `{key}` {d} numbers",
                m.ncols()
            );
            self.problem(self.at(key), message);
            return None;
        }
        if key == Key::WK
            && let (Some(q), k) = (&self.w_q, &m)
            && q.nrows() != k.nrows()
        {
            let message = format!(
                "`w_k` has {} rows but `w_q` has {}: queries and keys must have the same size d_k — give both the same number of rows",
                k.nrows(),
                q.nrows()
            );
            self.problem(self.at(Key::WK), message);
        }
        Some(m)
    }

    fn mask(&mut self) {
        let n = self.tokens.len();
        self.mask = match self.fields.get(&Key::Mask) {
            None => Mask::None,
            Some(Located {
                value: Field::Mask(MaskField::Named(name)),
                place,
            }) => match name.as_str() {
                "none" | "bidirectional" => Mask::None,
                "causal" => Mask::Causal,
                other => {
                    let message = format!(
                        "unknown mask `{other}`{} — write \"none\", \"causal\" or a matrix of true/false",
                        suggest(other, &["none", "causal", "bidirectional"])
                    );
                    self.problem(place.clone(), message);
                    Mask::None
                }
            },
            Some(Located {
                value: Field::Mask(MaskField::Matrix(rows)),
                place,
            }) => match rows_to_array(rows, "mask", &mut self.problems) {
                Some(m) if m.dim() == (n, n) => Mask::Explicit(m),
                Some(m) => {
                    let message = format!(
                        "the mask is {}×{} but there are {n} tokens — give {n} rows of {n} true/false values",
                        m.nrows(),
                        m.ncols()
                    );
                    self.problem(place.clone(), message);
                    Mask::None
                }
                None => Mask::None,
            },
            Some(_) => Mask::None,
        };
    }

    fn scale(&mut self) {
        if let Some(Located {
            value: Field::Number(s),
            ..
        }) = self.fields.get(&Key::Scale)
        {
            self.scale = Some(*s);
        }
    }

    fn show(&mut self) {
        let shown = self.texts(Key::Show);
        for v in &shown {
            match View::parse(&v.value) {
                Some(view) => self.views.push(view),
                None => {
                    let message = format!(
                        "unknown view `{}`{} — the views are {}",
                        v.value,
                        suggest(&v.value, View::NAMES),
                        View::NAMES.join(", ")
                    );
                    self.problem(v.place.clone(), message);
                }
            }
        }
        match self.fields.get(&Key::Show) {
            None => self.views.push(View::Heatmap),
            Some(f) if shown.is_empty() => self.problem(
                f.place.clone(),
                "`show` is empty, so the figure would be empty — list at least one view, like `show = [\"heatmap\"]`, or leave `show` out for a heatmap",
            ),
            Some(_) => {}
        }
        self.views.sort();
        self.views.dedup();
    }

    /// The width of the queries a kind gives as they are (a real model's head, a translation).
    fn given_d_k(&self) -> Option<usize> {
        self.on_model
            .as_ref()
            .map(|on| on.d_k())
            .or(self.translated.as_ref().map(|t| t.d_k()))
    }

    /// `focus` or `highlight`: one of the tokens.
    fn token(&mut self, key: Key) -> Option<usize> {
        let name = self.text(key)?;
        let found = self.tokens.iter().position(|t| *t == name);
        let shared = self.tokens.iter().filter(|t| **t == name).count();
        if shared > 1 {
            let rename = if self.on_model.is_some() || self.translated.is_some() {
                ""
            } else {
                "; give that token another name in `tokens` if another is"
            };
            let message = format!(
                "`{key}` is `{name}`, which {shared} tokens share — the first is meant{rename}"
            );
            self.warnings
                .push(Diagnostic::warning(self.at(key), message));
        }
        if found.is_none() {
            let names: Vec<&str> = self.tokens.iter().map(String::as_str).collect();
            let message = format!(
                "`{key}` is `{name}`, which is not one of the tokens{} — write one of {}",
                suggest(&name, &names),
                names.join(", ")
            );
            self.problem(self.at(key), message);
        }
        found
    }

    /// `shuffled`: every token once, in another order → the word standing at each place.
    fn shuffled(&mut self) {
        if !self.fields.contains_key(&Key::Shuffled) || self.on_model.is_some() {
            // (A block on a model is refused the order view itself.)
            return;
        }
        let words = self.texts(Key::Shuffled);
        if !self.views.contains(&View::Order) {
            // An example may hold the order for the blocks that show it; the others leave it.
            if self.written_here(Key::Shuffled) {
                let message = "`shuffled` sets the order of the order view's copy — add \"order\" to `show`, or drop `shuffled`";
                self.problem(self.at(Key::Shuffled), message);
            }
            return;
        }
        let names: Vec<&str> = self.tokens.iter().map(String::as_str).collect();
        if words.len() > names.len() {
            let message = format!(
                "`shuffled` has {} words but the sentence has {} — give every token once, in the new order",
                words.len(),
                names.len()
            );
            self.problem(self.at(Key::Shuffled), message);
            return;
        }
        let mut taken = vec![false; names.len()];
        let mut order = Vec::with_capacity(words.len());
        let mut problems = Vec::new();
        for w in &words {
            // A word said twice stands for its occurrences in turn ("the … the").
            match (0..names.len()).find(|&i| names[i] == w.value && !taken[i]) {
                Some(i) => {
                    taken[i] = true;
                    order.push(i);
                }
                None if names.contains(&w.value.as_str()) => {
                    let times = names.iter().filter(|n| **n == w.value).count();
                    let plural = if times == 1 { "" } else { "s" };
                    problems.push((
                        w.place.clone(),
                        format!(
                            "`shuffled` gives `{}` more often than the sentence has it ({times} time{plural}) — give every token once",
                            w.value
                        ),
                    ))
                }
                None => problems.push((
                    w.place.clone(),
                    format!(
                        "`shuffled` names `{}`, which is not one of the tokens{} — give the tokens {} in another order",
                        w.value,
                        suggest(&w.value, &names),
                        names.join(", ")
                    ),
                )),
            }
        }
        if problems.is_empty() && order.len() != names.len() {
            let missing: Vec<&str> = (0..names.len())
                .filter(|&i| !taken[i])
                .map(|i| names[i])
                .collect();
            let message = format!(
                "`shuffled` leaves out {} — give every token once, in the new order",
                missing.join(", ")
            );
            problems.push((self.at(Key::Shuffled), message));
        }
        if problems.is_empty() && order.iter().map(|&i| names[i]).eq(names.iter().copied()) {
            let message = "`shuffled` gives the words in the order they are written, so the copy would be the sentence itself — give them in another order";
            problems.push((self.at(Key::Shuffled), message.to_string()));
        }
        if problems.is_empty() {
            self.shuffled = Some(order);
        }
        for (place, message) in problems {
            self.problem(place, message);
        }
    }

    /// `set_query`-style pairs → 0-based query dimensions and values.
    fn query_dims(&mut self, pairs: &[(Located<String>, f64)]) -> Vec<(usize, f64)> {
        let d_k = self
            .given_d_k()
            .unwrap_or_else(|| self.w_q.as_ref().map_or(0, |m| m.nrows()));
        let mut set = Vec::new();
        for (dim, value) in pairs {
            match dim.value.parse::<usize>() {
                Ok(i) if (1..=d_k).contains(&i) => set.push((i - 1, *value)),
                _ => {
                    let message = format!(
                        "`set_query` names dimension `{}`, but the query has dimensions 1 to {d_k} — write a number in that range",
                        dim.value
                    );
                    self.problem(dim.place.clone(), message);
                }
            }
        }
        set
    }

    fn set_query(&mut self) {
        if let Some(Located {
            value: Field::SetQuery(pairs),
            ..
        }) = self.fields.get(&Key::SetQuery)
        {
            let focus = self.focus;
            self.query_overrides = self
                .query_dims(pairs)
                .into_iter()
                .map(|(dim, value)| QueryOverride {
                    token: focus,
                    dim,
                    value,
                })
                .collect();
        }
    }

    fn steps(&mut self) {
        let Some(Located {
            value: Field::Steps(steps),
            place,
        }) = self.fields.get(&Key::Steps)
        else {
            return;
        };
        if !self.views.contains(&View::Controls) {
            // Held by an example for the blocks that show controls, the others leave it.
            if self.written_here(Key::Steps) {
                self.problem(
                    place.clone(),
                    "`steps` are buttons on the live figure, which needs its controls — add \"controls\" to `show`",
                );
            }
            return;
        }
        for Located {
            value: StepField { label, set_query },
            ..
        } in steps
        {
            let set_query = self.query_dims(set_query);
            self.steps.push(Step {
                label: label.clone(),
                set_query,
            });
        }
    }

    fn assert(&mut self) {
        for a in self.texts(Key::Assert) {
            match crate::expr::parse_assertion(&a.value) {
                Ok(claim) if claim.left.is_constant() && claim.right.is_constant() => {
                    let message = format!(
                        "the claim `{}` compares two constants, so it checks nothing in the figure — compare a reference like `weights[cat][black]` with a number",
                        a.value
                    );
                    self.warnings.push(Diagnostic::warning(a.place, message));
                }
                Ok(_) => self.assertions.push(a),
                Err(m) => {
                    let message = format!("cannot read the claim `{}`: {m}", a.value);
                    self.problem(a.place, message);
                }
            }
        }
    }

    /// Rules that tie several keys together.
    fn check_across_keys(&mut self) {
        self.check_size();
        if self.views.contains(&View::Controls) {
            given::heads_the_reader_may_follow(
                &self.heads,
                &self.views,
                self.at(Key::Show),
                &mut self.problems,
            );
        }
        let several = self.heads.len() >= 2;
        if self.views.contains(&View::Lines) && self.views.contains(&View::Controls) {
            let message = "the lines view is drawn once, at the build, and would not follow the controls — show it in a figure without \"controls\", or use \"heatmap\"";
            self.problem(self.at(Key::Show), message);
        }
        if self.views.contains(&View::Order)
            && self.on_model.is_none()
            && self.fields.get(&Key::Shuffled).is_none()
        {
            let n = self.tokens.len();
            let reads_the_same = self.tokens.iter().eq(self.tokens.iter().rev());
            if n < 2 {
                let message = "the order view moves the words to other places, and a sentence of one token has none to move to — give two tokens or more, or drop \"order\"";
                self.problem(self.at(Key::Show), message);
            } else if reads_the_same {
                let message = "the sentence reads the same reversed, so the order view's copy (the sentence reversed, unless `shuffled` says otherwise) would be the sentence itself — give `shuffled` with another order";
                self.problem(self.at(Key::Show), message);
            }
        }
        if self.views.contains(&View::Decode) && self.mask != Mask::Causal {
            let message = "the decode view writes the sentence one token at a time, each new word seeing only the words before it — the causal mask; give the block `mask = \"causal\"`, or drop \"decode\"";
            self.problem(self.at(Key::Mask), message);
        }
        if self.views.contains(&View::Order) && self.mask != Mask::None {
            let message = "the order view moves the words to other places, and a mask decides what each place may see — the copy would change what each word sees as well as where it stands; use it on a block without a mask";
            self.problem(self.at(Key::Mask), message);
        }
        // Which kind this block is decides which views may draw it; each view says.
        let kind = match (&self.trained, &self.on_model, &self.translated) {
            (Some(_), ..) => KindName::Trained,
            (None, Some(_), _) => KindName::Pretrained,
            (None, None, Some(_)) => KindName::Translated,
            (None, None, None) => KindName::Given,
        };
        let refused: Vec<String> = View::ALL
            .iter()
            .filter(|v| self.views.contains(v))
            .filter_map(|v| v.accepts(kind).err())
            .collect();
        for message in refused {
            self.problem(self.at(Key::Show), message);
        }
        for (view, ok, what) in [
            (
                View::Heads,
                several,
                "shows several heads side by side — give `heads = [...]` with two or more heads",
            ),
            (
                View::Combine,
                several,
                "combines several heads — give `heads = [...]` with two or more heads, and `w_o`",
            ),
            (
                View::Positions,
                self.positions != PositionsKind::None,
                "shows how the words' places enter — give `positions = \"sinusoidal\"`, `\"rope\"` or learned rows",
            ),
        ] {
            if self.views.contains(&view) && !ok && self.problems.is_empty() {
                let message = format!(
                    "the {} view {what}, or drop \"{}\" from `show`",
                    view.name(),
                    view.name()
                );
                self.problem(self.at(Key::Show), message);
            }
        }
        if let Some(w_o) = &self.w_o {
            given::check_w_o(
                w_o,
                &self.heads,
                self.w_v.as_ref(),
                self.at(Key::WO),
                &mut self.problems,
            );
        }
        let d = self.d();
        if self.views.contains(&View::Residual)
            && let (Some(v), true) = (&self.w_v, d > 0)
            && v.nrows() != d
        {
            let message = format!(
                "the residual view adds each output to its embedding, so the values need as many dimensions as the embeddings ({d}), but `w_v` has {} rows — give `w_v` {d} rows, or drop \"residual\"",
                v.nrows()
            );
            self.problem(self.at(Key::Show), message);
        }
    }

    fn finish(self) -> Result<BlockSpec, Vec<Diagnostic>> {
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let qkv = match (
            &self.on_model,
            &self.translated,
            self.embeddings,
            self.w_q,
            self.w_k,
            self.w_v,
        ) {
            (Some(on), ..) => Qkv::Given(on.given()),
            (None, Some(t), ..) => Qkv::Given(t.given()),
            (None, None, Some(embeddings), Some(w_q), Some(w_k), Some(w_v)) => {
                Qkv::Projected(Projection {
                    embeddings,
                    w_q,
                    w_k,
                    w_v,
                })
            }
            _ => return Err(self.problems),
        };
        let n = self.tokens.len();
        let d = match &qkv {
            Qkv::Projected(p) => p.embeddings.ncols(),
            Qkv::Given(_) => 0,
        };
        let positions = match &self.positions {
            PositionsKind::Sinusoidal => Some(core::positions::sinusoidal(n, d)),
            PositionsKind::Learned(m) => Some(m.clone()),
            PositionsKind::None | PositionsKind::Rope => None,
        }
        .map(|p| p * self.position_scale);
        // A trained block's positions are the task's, not the author's to scale.
        let drowned = match (&qkv, &positions, self.fields.get(&Key::Positions)) {
            (Qkv::Projected(pr), Some(p), Some(at)) if !self.fields.contains_key(&Key::Train) => {
                drowned_words(
                    &pr.embeddings,
                    p,
                    &self.tokens,
                    &self.dims,
                    at.place.clone(),
                )
            }
            _ => None,
        };
        let base = self.rope_base.unwrap_or(DEFAULT_ROPE_BASE);
        let rope = |d_k: usize| {
            (self.positions == PositionsKind::Rope)
                .then(|| core::positions::Rope::new(n, d_k, base))
        };
        let head_scale = |h: usize| self.heads.get(h).and_then(|w| w.scale).or(self.scale);
        let input = AttentionInput {
            rope: None,
            qkv,
            mask: self.mask,
            scale: head_scale(0),
            query_overrides: self.query_overrides,
            positions,
        };
        let input = AttentionInput {
            rope: rope(input.d_k()),
            ..input
        };
        // The same words, positions and mask, projected by other weights.
        let reweighted = |w_q: &Array2<f64>, w_k: &Array2<f64>, w_v: &Array2<f64>| AttentionInput {
            rope: rope(w_q.nrows()),
            query_overrides: Vec::new(),
            ..input.with_weights(w_q, w_k, w_v)
        };
        let head_name = |h: usize| ResultName {
            group: ResultGroup::Heads,
            key: (h + 1).to_string(),
        };
        // The other heads see the same words and mask, with their own weights; a query set by
        // hand belongs to the first.
        let mut variants: Vec<Variant> = self
            .heads
            .iter()
            .enumerate()
            .skip(1)
            .map(|(h, w)| Variant {
                name: head_name(h),
                input: AttentionInput {
                    scale: head_scale(h),
                    ..reweighted(&w.w_q, &w.w_k, &w.w_v)
                },
            })
            .collect();
        variants.extend(variants_for(&self.views, &input));
        // A query set by hand, shown step by step: the same figure before it was set, so the
        // table can say what moved (one head: a followed head's own queries are the reader's).
        if !input.query_overrides.is_empty()
            && self.heads.len() <= 1
            && self.views.contains(&View::Scores)
        {
            variants.push(Variant {
                name: ResultName {
                    group: ResultGroup::Before,
                    key: "set_query".into(),
                },
                input: AttentionInput {
                    query_overrides: Vec::new(),
                    ..input.clone()
                },
            });
        }
        let order = if self.views.contains(&View::Order) {
            let order = self.shuffled.unwrap_or_else(|| (0..n).rev().collect());
            variants.push(shuffled_copy(&input, &order));
            order
        } else {
            Vec::new()
        };
        // A trained block: the steps shown side by side, each with the weights of that step.
        if let Some(t) = &self.trained {
            for snapshot in t
                .run
                .snapshots
                .iter()
                .filter(|s| t.panels.contains(&s.step))
            {
                variants.push(Variant {
                    name: ResultName {
                        group: ResultGroup::Step,
                        key: snapshot.step.to_string(),
                    },
                    input: reweighted(
                        &snapshot.params.w_q,
                        &snapshot.params.w_k,
                        &snapshot.params.w_v,
                    ),
                });
            }
        }
        let kind = match (self.trained, self.on_model, self.translated) {
            (Some(trained), ..) => Kind::Trained(trained),
            (None, Some(on_head), _) => Kind::Pretrained(on_head),
            (None, None, Some(translated)) => Kind::Translated(translated),
            (None, None, None) => Kind::Given(Heads {
                count: self.heads.len().max(1),
                w_o: self.w_o,
            }),
        };
        Ok(BlockSpec {
            id: self.id,
            title: self.title,
            tokens: self.tokens,
            dims: self.dims,
            variants,
            own_name: self.has_heads.then(|| head_name(0)),
            kind,
            positions: self.positions,
            rope_base: self.rope_base,
            input,
            focus: self.focus,
            views: self.views,
            highlight: self.highlight,
            steps: self.steps,
            assertions: self.assertions,
            order,
            warnings: self.warnings.into_iter().chain(drowned).collect(),
            place: self.place,
        })
    }

    /// A numeric matrix field: rectangular, non-empty, within the limits.
    fn matrix(&mut self, key: Key) -> Option<Array2<f64>> {
        let Some(Located {
            value: Field::Numbers(rows),
            place,
        }) = self.fields.get(&key)
        else {
            return None;
        };
        let m = rows_to_array(rows, key.name(), &mut self.problems)?;
        if m.ncols() == 0 {
            let message = format!("`{key}` has empty rows — give each row at least one number");
            self.problem(place.clone(), message);
            return None;
        }
        // Embeddings have a row per token; weight matrices a row per output dimension.
        let max_rows = if key == Key::Embeddings {
            MAX_TOKENS
        } else {
            MAX_DIMS
        };
        // A real model's head is as wide as the model made it.
        if self.on_model.is_none() && (m.nrows() > max_rows || m.ncols() > MAX_DIMS) {
            let message = format!(
                "`{key}` is {}×{}, beyond the limits ({MAX_TOKENS} tokens, {MAX_DIMS} dimensions) — use a smaller example",
                m.nrows(),
                m.ncols()
            );
            self.problem(place.clone(), message);
            return None;
        }
        Some(m)
    }
}

/// The results the views need beside the block's own: the compare view sets the block under
/// both masks side by side.
fn variants_for(views: &[View], input: &AttentionInput) -> Vec<Variant> {
    if !views.contains(&View::Compare) {
        return Vec::new();
    }
    [("bidirectional", Mask::None), ("causal", Mask::Causal)]
        .into_iter()
        .map(|(key, mask)| Variant {
            name: ResultName {
                group: ResultGroup::Mask,
                key: key.to_string(),
            },
            input: AttentionInput {
                mask,
                ..input.clone()
            },
        })
        .collect()
}

/// The order view's copy: each word where `order` puts it. The words keep their rows (so the
/// copy's weights read by the same names); what moves is the place each stands at — the row of
/// positions added to it, or the angle its query and key are turned by.
fn shuffled_copy(input: &AttentionInput, order: &[usize]) -> Variant {
    let mut place = vec![0; order.len()];
    for (p, &word) in order.iter().enumerate() {
        place[word] = p;
    }
    let moved = |m: &Array2<f64>| m.select(ndarray::Axis(0), &place);
    Variant {
        name: ResultName {
            group: ResultGroup::Order,
            key: "shuffled".into(),
        },
        input: AttentionInput {
            positions: input.positions.as_ref().map(moved),
            rope: input.rope.as_ref().map(|r| core::positions::Rope {
                cos: moved(&r.cos),
                sin: moved(&r.sin),
                ..r.clone()
            }),
            ..input.clone()
        },
    }
}

/// A warning when adding the positions changes the dimension a word is strongest in: the words
/// then stand for something else, and their attention says more about where they are than what
/// they mean (positions of ±1 on embeddings of 0.1–0.9).
fn drowned_words(
    embeddings: &Array2<f64>,
    positions: &Array2<f64>,
    tokens: &[String],
    dims: &[String],
    place: Place,
) -> Option<Diagnostic> {
    let strongest = |row: ndarray::ArrayView1<f64>| {
        row.iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, &x)| {
                if x > best.1 { (i, x) } else { best }
            })
            .0
    };
    let changed: Vec<String> = (0..embeddings.nrows().min(tokens.len()))
        .filter_map(|t| {
            let row = embeddings.row(t);
            let after = strongest((&row + &positions.row(t)).view());
            // A word whose dimensions tie has no one meaning to lose: positions of any size break
            // the tie, and no `position_scale` would quiet the warning.
            let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if row.iter().filter(|&&x| x == top).count() > 1 {
                return None;
            }
            let before = strongest(row);
            let name = |i: usize| {
                dims.get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("dim {}", i + 1))
            };
            (before != after)
                .then(|| format!("`{}` ({} → {})", tokens[t], name(before), name(after)))
        })
        .collect();
    if changed.is_empty() {
        return None;
    }
    Some(Diagnostic::warning(
        place,
        format!(
            "adding the positions changes the strongest dimension of {} of the {} words — {}: the positions drown what the words mean; scale them to the embeddings with `position_scale` (like `position_scale = 0.1`)",
            changed.len(),
            tokens.len(),
            changed.join(", ")
        ),
    ))
}
