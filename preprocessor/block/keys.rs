//! TOML text → typed, located fields. Each key is read on its own, so one block can report
//! several problems at once, each on the line of its key.

use crate::source::{Diagnostic, Located, Source};
use ndarray::Array2;
use std::collections::BTreeMap;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

named_enum! {
    /// Every key a block (or a named example) may hold, in the order they are read.
    pub enum Key {
        Example = "example",
        Id = "id",
        Title = "title",
        Train = "train",
        Model = "model",
        Text = "text",
        Layer = "layer",
        Head = "head",
        Translate = "translate",
        Tokens = "tokens",
        Dims = "dims",
        Embeddings = "embeddings",
        Positions = "positions",
        RopeBase = "rope_base",
        PositionScale = "position_scale",
        WQ = "w_q",
        WK = "w_k",
        WV = "w_v",
        Heads = "heads",
        WO = "w_o",
        Mask = "mask",
        Scale = "scale",
        Show = "show",
        Focus = "focus",
        SetQuery = "set_query",
        Steps = "steps",
        Highlight = "highlight",
        Shuffled = "shuffled",
        Assert = "assert",
    }
}

/// The TOML shape a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Texts,
    Numbers,
    Number,
    Mask,
    SetQuery,
    Steps,
    Heads,
    Positions,
    Train,
}

impl Key {
    /// The one table of keys: what each holds, and what to write when it holds something else.
    /// (What each means is read in `build.rs`, one reader per key.)
    pub fn spec(self) -> (ValueType, &'static str) {
        const MATRIX: &str = "write a list of rows of numbers, like `[[1.0, 0.2], [0.5, 0.1]]`";
        match self {
            Key::Example => (
                ValueType::Text,
                "write the name of an example in quotes, like `example = \"running\"`",
            ),
            Key::Id => (
                ValueType::Text,
                "write a name in quotes, like `id = \"experiment\"`",
            ),
            Key::Title => (
                ValueType::Text,
                "write a title in quotes, like `title = \"Attention of cat\"`",
            ),
            Key::Tokens => (
                ValueType::Texts,
                "write a list of strings, like `tokens = [\"The\", \"cat\"]`",
            ),
            Key::Dims => (
                ValueType::Texts,
                "write a list of names, like `dims = [\"animal\", \"action\"]`",
            ),
            Key::Embeddings | Key::WQ | Key::WK | Key::WV => (ValueType::Numbers, MATRIX),
            Key::Mask => (ValueType::Mask, MASK_HINT),
            Key::Scale => (ValueType::Number, "write a number, like `scale = 0.5`"),
            Key::Show => (
                ValueType::Texts,
                "write a list of views, like `show = [\"qkv\", \"heatmap\"]`",
            ),
            Key::Focus => (
                ValueType::Text,
                "write a token in quotes, like `focus = \"cat\"`",
            ),
            Key::SetQuery => (ValueType::SetQuery, SET_QUERY_HINT),
            Key::Steps => (ValueType::Steps, STEPS_HINT),
            Key::Highlight => (
                ValueType::Text,
                "write a token in quotes, like `highlight = \"black\"`",
            ),
            Key::Shuffled => (
                ValueType::Texts,
                "write the tokens in another order, like `shuffled = [\"fish\", \"ate\", \"cat\"]`",
            ),
            Key::Heads => (ValueType::Heads, HEADS_HINT),
            Key::Train => (ValueType::Train, TRAIN_HINT),
            Key::Model => (
                ValueType::Text,
                "write the name of a model from book.toml, like `model = \"minilm\"`",
            ),
            Key::Text => (
                ValueType::Text,
                "write the sentence the model reads, like `text = \"The black cat ate fish\"`",
            ),
            Key::Translate => (
                ValueType::Text,
                "write an English sentence of the translation task in quotes, like `translate = \"The black cat ate fish\"`",
            ),
            Key::Layer => (
                ValueType::Number,
                "write a layer of the model, counted from 1, like `layer = 1`",
            ),
            Key::Head => (
                ValueType::Number,
                "write a head of that layer, counted from 1, like `head = 3`",
            ),
            Key::WO => (ValueType::Numbers, MATRIX),
            Key::Positions => (ValueType::Positions, POSITIONS_HINT),
            Key::RopeBase => (
                ValueType::Number,
                "write a number, like `rope_base = 10000`",
            ),
            Key::PositionScale => (
                ValueType::Number,
                "write a number, like `position_scale = 0.1`",
            ),
            Key::Assert => (
                ValueType::Texts,
                "write a list of claims, like `assert = [\"argmax(weights[cat]) == black\"]`",
            ),
        }
    }

    pub fn hint(self) -> &'static str {
        self.spec().1
    }
}

/// A matrix with the line of each row, so a bad row is named exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows<T> {
    pub rows: Vec<Located<Vec<T>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MaskField {
    Named(String),
    Matrix(Rows<bool>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Text(String),
    Texts(Vec<Located<String>>),
    Numbers(Rows<f64>),
    Number(f64),
    Mask(MaskField),
    /// `set_query = { 1 = 1.0 }`: dimension (number or name) → value.
    SetQuery(Vec<(Located<String>, f64)>),
    /// `steps = [{ label = "…", set_query = { 1 = 1.0 } }]`: buttons that apply a query change.
    Steps(Vec<Located<StepField>>),
    /// `heads = [{ w_q = …, w_k = …, w_v = … }, …]`.
    Heads(Vec<Located<HeadField>>),
    /// `positions = "sinusoidal"` (or "none", "rope"), or learned rows.
    Positions(PositionsField),
    /// `train = { seed = 7, steps = 150, … }`: weights learned while the book builds.
    Train(Box<TrainField>),
}

/// A training run as written: each setting with its place, for messages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainField {
    pub seed: Option<Located<f64>>,
    pub steps: Option<Located<f64>>,
    pub learning_rate: Option<Located<f64>>,
    pub sentences: Option<Located<f64>>,
    pub snapshot_every: Option<Located<f64>>,
    pub panels: Option<Located<Vec<f64>>>,
    pub sentence: Option<Located<String>>,
}

/// One head as written.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadField {
    pub w_q: Located<Rows<f64>>,
    pub w_k: Located<Rows<f64>>,
    pub w_v: Located<Rows<f64>>,
    pub scale: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PositionsField {
    Named(String),
    Rows(Rows<f64>),
}

/// One `steps` entry as written.
#[derive(Debug, Clone, PartialEq)]
pub struct StepField {
    pub label: String,
    pub set_query: Vec<(Located<String>, f64)>,
}

pub type Fields = BTreeMap<Key, Located<Field>>;

/// The keys that give a block its inputs, which a training run or a model makes instead.
const INPUT_KEYS: [Key; 12] = [
    Key::Example,
    Key::Tokens,
    Key::Dims,
    Key::Embeddings,
    Key::Positions,
    Key::RopeBase,
    Key::PositionScale,
    Key::WQ,
    Key::WK,
    Key::WV,
    Key::Heads,
    Key::WO,
];

/// One problem at each input key a block gives although something else makes its inputs (and at
/// each key of `also`), saying `why`, then "drop `KEY`".
pub fn refuse_inputs(fields: &Fields, also: &[Key], why: &str) -> Result<(), Vec<Diagnostic>> {
    let given: Vec<Diagnostic> = INPUT_KEYS
        .iter()
        .chain(also)
        .filter_map(|key| {
            fields
                .get(key)
                .map(|f| Diagnostic::new(f.place.clone(), format!("{why} — drop `{key}`")))
        })
        .collect();
    if given.is_empty() { Ok(()) } else { Err(given) }
}

/// Reads a block body into fields, collecting every problem.
pub fn parse_block(src: &Source) -> Result<Fields, Vec<Diagnostic>> {
    if src.text.trim().is_empty() {
        return Err(vec![Diagnostic::new(
            src.header(),
            "this attention block is empty — write `example = \"NAME\"`, or give tokens, \
             embeddings, w_q, w_k and w_v",
        )]);
    }
    let table = parse_toml(src)?;
    fields_of_table(src, table.get_ref())
}

/// Parses a TOML text, turning a syntax error into a located diagnostic.
pub fn parse_toml<'a>(src: &Source<'a>) -> Result<Spanned<DeTable<'a>>, Vec<Diagnostic>> {
    DeTable::parse(src.text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim().trim_end_matches('.').to_string();
        vec![Diagnostic::new(
            src.at(offset),
            format!("this is not valid TOML: {message} — see the block reference in the book's \"For authors\" chapter"),
        )]
    })
}

/// Reads each key of one table.
pub fn fields_of_table(src: &Source, table: &DeTable) -> Result<Fields, Vec<Diagnostic>> {
    let mut fields = Fields::new();
    let mut problems = Vec::new();
    for (key, value) in table {
        let place = src.span(key.span());
        let Some(name) = Key::parse(key.get_ref().as_ref()) else {
            problems.push(Diagnostic::new(place, unknown_key_message(key.get_ref())));
            continue;
        };
        // Every misspelt setting of `train` at once, each where it is written.
        if name == Key::Train {
            let unknown = unknown_train_settings(src, value);
            if !unknown.is_empty() {
                problems.extend(unknown);
                continue;
            }
        }
        match read_field(src, name, value) {
            Ok(field) => {
                fields.insert(
                    name,
                    Located {
                        value: field,
                        place,
                    },
                );
            }
            Err(d) => problems.push(d),
        }
    }
    if problems.is_empty() {
        Ok(fields)
    } else {
        Err(problems)
    }
}

fn unknown_key_message(key: &str) -> String {
    // The one "did you mean" of the crate, bounded in the length of what it compares.
    match crate::source::suggest(key, Key::NAMES) {
        hint if hint.is_empty() => {
            format!(
                "unknown key `{key}` — the keys are {}",
                Key::NAMES.join(", ")
            )
        }
        hint => format!("unknown key `{key}`{hint}"),
    }
}

type Value<'a> = Spanned<DeValue<'a>>;

fn read_field(src: &Source, key: Key, value: &Value) -> Result<Field, Diagnostic> {
    let name = key.name();
    Ok(match key.spec().0 {
        ValueType::Text => Field::Text(string(src, name, value, key.hint())?),
        ValueType::Texts => Field::Texts(strings(src, key, value)?),
        ValueType::Numbers => Field::Numbers(rows(src, key, value, number)?),
        ValueType::Number => Field::Number(number(src, name, value)?),
        ValueType::Mask => Field::Mask(match value.get_ref() {
            DeValue::String(s) => MaskField::Named(s.to_string()),
            DeValue::Array(_) => MaskField::Matrix(rows(src, key, value, boolean)?),
            other => return Err(wrong_type(src, name, value, other, MASK_HINT)),
        }),
        ValueType::SetQuery => Field::SetQuery(set_query(src, name, value)?),
        ValueType::Steps => Field::Steps(steps(src, value)?),
        ValueType::Heads => Field::Heads(heads(src, value)?),
        ValueType::Train => Field::Train(Box::new(train(src, value)?)),
        ValueType::Positions => Field::Positions(match value.get_ref() {
            DeValue::String(s) => PositionsField::Named(s.to_string()),
            DeValue::Array(_) => PositionsField::Rows(rows(src, key, value, number)?),
            other => return Err(wrong_type(src, name, value, other, POSITIONS_HINT)),
        }),
    })
}

fn heads(src: &Source, value: &Value) -> Result<Vec<Located<HeadField>>, Diagnostic> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(wrong_type(src, "heads", value, value.get_ref(), HEADS_HINT));
    };
    let mut heads = Vec::new();
    for item in items {
        let DeValue::Table(t) = item.get_ref() else {
            return Err(wrong_type(src, "heads", item, item.get_ref(), HEADS_HINT));
        };
        let (mut w_q, mut w_k, mut w_v, mut scale) = (None, None, None, None);
        for (k, v) in t {
            let matrix = |key: Key| -> Result<_, Diagnostic> {
                Ok(Some(Located {
                    value: rows(src, key, v, number)?,
                    place: src.span(k.span()),
                }))
            };
            match k.get_ref().as_ref() {
                "w_q" => w_q = matrix(Key::WQ)?,
                "w_k" => w_k = matrix(Key::WK)?,
                "w_v" => w_v = matrix(Key::WV)?,
                "scale" => scale = Some(number(src, "scale", v)?),
                other => {
                    return Err(Diagnostic::new(
                        src.span(k.span()),
                        format!(
                            "a head has no key `{other}`{} — a head holds `w_q`, `w_k`, `w_v` and, if it has its own, `scale`",
                            crate::source::suggest(other, &["w_q", "w_k", "w_v", "scale"])
                        ),
                    ));
                }
            }
        }
        let (Some(w_q), Some(w_k), Some(w_v)) = (w_q, w_k, w_v) else {
            return Err(Diagnostic::new(
                src.span(item.span()),
                format!("this head needs `w_q`, `w_k` and `w_v` — {HEADS_HINT}"),
            ));
        };
        heads.push(Located {
            value: HeadField {
                w_q,
                w_k,
                w_v,
                scale,
            },
            place: src.span(item.span()),
        });
    }
    Ok(heads)
}

/// The settings a `train` table may hold.
pub const TRAIN_KEYS: [&str; 7] = [
    "seed",
    "steps",
    "learning_rate",
    "sentences",
    "snapshot_every",
    "panels",
    "sentence",
];

/// One problem per setting of a `train` table that is not one of [`TRAIN_KEYS`].
fn unknown_train_settings(src: &Source, value: &Value) -> Vec<Diagnostic> {
    let DeValue::Table(t) = value.get_ref() else {
        return Vec::new();
    };
    t.iter()
        .filter(|(k, _)| !TRAIN_KEYS.contains(&k.get_ref().as_ref()))
        .map(|(k, _)| {
            let other = k.get_ref();
            Diagnostic::new(
                src.span(k.span()),
                format!(
                    "`train` has no setting `{other}`{} — it holds {}",
                    crate::source::suggest(other, &TRAIN_KEYS),
                    TRAIN_KEYS.join(", ")
                ),
            )
        })
        .collect()
}

fn train(src: &Source, value: &Value) -> Result<TrainField, Diagnostic> {
    let DeValue::Table(t) = value.get_ref() else {
        return Err(wrong_type(src, "train", value, value.get_ref(), TRAIN_HINT));
    };
    let mut field = TrainField::default();
    for (k, v) in t {
        let place = src.span(v.span());
        let located_number = |name: &str| -> Result<_, Diagnostic> {
            Ok(Some(Located {
                value: number(src, name, v)?,
                place: place.clone(),
            }))
        };
        match k.get_ref().as_ref() {
            "seed" => field.seed = located_number("train.seed")?,
            "steps" => field.steps = located_number("train.steps")?,
            "learning_rate" => field.learning_rate = located_number("train.learning_rate")?,
            "sentences" => field.sentences = located_number("train.sentences")?,
            "snapshot_every" => field.snapshot_every = located_number("train.snapshot_every")?,
            "sentence" => {
                field.sentence = Some(Located {
                    value: string(src, "train.sentence", v, TRAIN_HINT)?,
                    place: place.clone(),
                })
            }
            "panels" => {
                let DeValue::Array(items) = v.get_ref() else {
                    return Err(wrong_type(src, "train.panels", v, v.get_ref(), TRAIN_HINT));
                };
                let steps = items
                    .iter()
                    .map(|i| number(src, "train.panels", i))
                    .collect::<Result<Vec<f64>, _>>()?;
                field.panels = Some(Located {
                    value: steps,
                    place: place.clone(),
                });
            }
            other => {
                return Err(Diagnostic::new(
                    src.span(k.span()),
                    format!(
                        "`train` has no setting `{other}`{} — it holds {}",
                        crate::source::suggest(other, &TRAIN_KEYS),
                        TRAIN_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(field)
}

fn steps(src: &Source, value: &Value) -> Result<Vec<Located<StepField>>, Diagnostic> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(wrong_type(src, "steps", value, value.get_ref(), STEPS_HINT));
    };
    let mut steps = Vec::new();
    for item in items {
        let DeValue::Table(t) = item.get_ref() else {
            return Err(wrong_type(src, "steps", item, item.get_ref(), STEPS_HINT));
        };
        let mut label = None;
        let mut pairs = None;
        for (k, v) in t {
            match k.get_ref().as_ref() {
                "label" => label = Some(string(src, "steps", v, STEPS_HINT)?),
                "set_query" => pairs = Some(set_query(src, "set_query", v)?),
                other => {
                    return Err(Diagnostic::new(
                        src.span(k.span()),
                        format!("a step has no key `{other}` — {STEPS_HINT}"),
                    ));
                }
            }
        }
        let (Some(label), Some(set_query)) = (label, pairs) else {
            return Err(Diagnostic::new(
                src.span(item.span()),
                format!("this step needs both `label` and `set_query` — {STEPS_HINT}"),
            ));
        };
        steps.push(Located {
            value: StepField { label, set_query },
            place: src.span(item.span()),
        });
    }
    Ok(steps)
}

const HEADS_HINT: &str = "write a list of heads, each with its own weights, like \
    `heads = [{ w_q = [[1.0, 0.0]], w_k = [[0.0, 1.0]], w_v = [[1.0, 0.0]] }, …]`";
const TRAIN_HINT: &str = "write a table of settings, like \
    `train = { seed = 7, steps = 150, learning_rate = 0.05, sentence = \"A small dog chased fish\" }`";
const POSITIONS_HINT: &str = "write `positions = \"sinusoidal\"`, `\"rope\"` or `\"none\"`, or \
    learned positions as one row of numbers per token, like `[[0.0, 0.1], [0.1, 0.0]]`";
const MASK_HINT: &str = "write `mask = \"none\"`, `mask = \"causal\"`, or a matrix of true/false \
                         like `mask = [[true, false], [true, true]]`";
const SET_QUERY_HINT: &str = "write a table of dimension = value, like `set_query = { 1 = 1.0 }`";
const STEPS_HINT: &str = "write a list of steps, like \
    `steps = [{ label = \"Raise Q[1] to 1.00\", set_query = { 1 = 1.0 } }]`";

fn set_query(
    src: &Source,
    name: &str,
    value: &Value,
) -> Result<Vec<(Located<String>, f64)>, Diagnostic> {
    let DeValue::Table(t) = value.get_ref() else {
        return Err(wrong_type(
            src,
            name,
            value,
            value.get_ref(),
            SET_QUERY_HINT,
        ));
    };
    let mut pairs = Vec::new();
    for (k, v) in t {
        let dim = Located {
            value: k.get_ref().to_string(),
            place: src.span(k.span()),
        };
        pairs.push((dim, number(src, name, v)?));
    }
    Ok(pairs)
}

fn type_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

fn wrong_type(src: &Source, name: &str, at: &Value, found: &DeValue, hint: &str) -> Diagnostic {
    Diagnostic::new(
        src.span(at.span()),
        format!("`{name}` holds {} here — {hint}", type_name(found)),
    )
}

fn string(src: &Source, name: &str, value: &Value, hint: &str) -> Result<String, Diagnostic> {
    match value.get_ref() {
        DeValue::String(s) => Ok(s.to_string()),
        other => Err(wrong_type(src, name, value, other, hint)),
    }
}

fn strings(src: &Source, key: Key, value: &Value) -> Result<Vec<Located<String>>, Diagnostic> {
    let name = key.name();
    let DeValue::Array(items) = value.get_ref() else {
        return Err(wrong_type(src, name, value, value.get_ref(), key.hint()));
    };
    items
        .iter()
        .map(|item| {
            Ok(Located {
                value: string(src, name, item, key.hint())?,
                place: src.span(item.span()),
            })
        })
        .collect()
}

fn number(src: &Source, name: &str, value: &Value) -> Result<f64, Diagnostic> {
    let parsed = match value.get_ref() {
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|i| i as f64),
        other => {
            return Err(wrong_type(
                src,
                name,
                value,
                other,
                "write a number, like `0.5`",
            ));
        }
    };
    match parsed {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(Diagnostic::new(
            src.span(value.span()),
            format!(
                "`{name}` holds `{}`, which is not a finite number — write an ordinary number \
                 like `0.5` (nan and inf cannot be shown or computed with)",
                &src.text[value.span()]
            ),
        )),
    }
}

fn boolean(src: &Source, name: &str, value: &Value) -> Result<bool, Diagnostic> {
    match value.get_ref() {
        DeValue::Boolean(b) => Ok(*b),
        other => Err(wrong_type(
            src,
            name,
            value,
            other,
            "write true (may attend) or false",
        )),
    }
}

fn rows<T>(
    src: &Source,
    key: Key,
    value: &Value,
    item: fn(&Source, &str, &Value) -> Result<T, Diagnostic>,
) -> Result<Rows<T>, Diagnostic> {
    let name = key.name();
    let not_rows = || {
        Diagnostic::new(
            src.span(value.span()),
            format!("`{name}` must be a list of rows — {}", key.hint()),
        )
    };
    let DeValue::Array(rows) = value.get_ref() else {
        return Err(not_rows());
    };
    let rows = rows
        .iter()
        .map(|row| {
            let DeValue::Array(cells) = row.get_ref() else {
                return Err(not_rows());
            };
            let cells = cells
                .iter()
                .map(|c| item(src, name, c))
                .collect::<Result<_, _>>()?;
            Ok(Located {
                value: cells,
                place: src.span(row.span()),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Rows { rows })
}

/// Rows → a rectangular array, naming the first row whose length differs.
pub fn rows_to_array<T: Clone + Default>(
    rows: &Rows<T>,
    key: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<Array2<T>> {
    let Some(first) = rows.rows.first() else {
        return Some(Array2::default((0, 0)));
    };
    let width = first.value.len();
    if let Some((i, bad)) = rows
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.value.len() != width)
    {
        problems.push(Diagnostic::new(
            bad.place.clone(),
            format!("row {} of `{key}` has {} entries but row 1 has {width} — every row needs the same length", i + 1, bad.value.len()),
        ));
        return None;
    }
    let flat: Vec<T> = rows
        .rows
        .iter()
        .flat_map(|r| r.value.iter().cloned())
        .collect();
    Array2::from_shape_vec((rows.rows.len(), width), flat).ok()
}
