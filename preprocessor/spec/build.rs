//! Located fields → a [`BlockSpec`]: the example merged in, then one reader per key, in the
//! order of [`Key::ALL`] (later keys lean on earlier ones: `focus` on `tokens`, the weights on
//! the width of `embeddings`), then the checks that span several keys.
//!
//! Every reader records its problems and goes on, so a block reports them all at once.

use super::fields::{Field, Fields, Key, MaskField, Rows, StepField};
use super::source::{Diagnostic, Located, Place, suggest};
use super::{
    BlockSpec, Examples, MAX_DIMS, MAX_TOKENS, ResultGroup, ResultName, Step, Variant, View,
};
use crate::core::{AttentionInput, Mask, QueryOverride};
use ndarray::Array2;

/// Checks the fields (after merging in the example) and assembles a spec.
pub fn build(
    mut fields: Fields,
    place: Place,
    examples: &Examples,
) -> Result<BlockSpec, Vec<Diagnostic>> {
    let inherited = merge_example(&mut fields, examples)?;
    let missing: Vec<Diagnostic> = [Key::Tokens, Key::Embeddings, Key::WQ, Key::WK, Key::WV]
        .into_iter()
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
    for key in Key::ALL {
        b.read(*key);
    }
    b.check_across_keys();
    b.finish().map_err(|problems| match inherited {
        Some((name, at)) => blame_the_block(problems, &place, &name, &at),
        None => problems,
    })
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
    examples: &Examples,
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
    let Some(base) = examples.fields_of(&name) else {
        let names: Vec<&str> = examples.names().collect();
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
    for (key, value) in base {
        if !matches!(key, Key::Id | Key::Assert) {
            fields.entry(*key).or_insert_with(|| value.clone());
        }
    }
    Ok(Some((name, at)))
}

/// The spec as it is read, key by key.
struct Builder<'f> {
    fields: &'f Fields,
    place: Place,
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
    assertions: Vec<Located<String>>,
    warnings: Vec<Diagnostic>,
}

impl<'f> Builder<'f> {
    fn new(fields: &'f Fields, place: Place) -> Self {
        Builder {
            fields,
            place,
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
            assertions: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The one reader of each key.
    fn read(&mut self, key: Key) {
        match key {
            // Merged in by `merge_example`.
            Key::Example => {}
            Key::Id => self.id(),
            Key::Title => self.title = self.text(Key::Title),
            Key::Tokens => self.tokens(),
            Key::Dims => self.dims(),
            Key::Embeddings => self.embeddings(),
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
            Key::Assert => self.assert(),
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

    /// `focus` or `highlight`: one of the tokens.
    fn token(&mut self, key: Key) -> Option<usize> {
        let name = self.text(key)?;
        let found = self.tokens.iter().position(|t| *t == name);
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

    /// `set_query`-style pairs → 0-based query dimensions and values.
    fn query_dims(&mut self, pairs: &[(Located<String>, f64)]) -> Vec<(usize, f64)> {
        let d_k = self.w_q.as_ref().map_or(0, |m| m.nrows());
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
            self.problem(
                place.clone(),
                "`steps` are buttons on the live figure, which needs its controls — add \"controls\" to `show`",
            );
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
            match super::expr::parse_assertion(&a.value) {
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
        let (Some(embeddings), Some(w_q), Some(w_k), Some(w_v), true) = (
            self.embeddings,
            self.w_q,
            self.w_k,
            self.w_v,
            self.problems.is_empty(),
        ) else {
            return Err(self.problems);
        };
        let input = AttentionInput {
            embeddings,
            w_q,
            w_k,
            w_v,
            mask: self.mask,
            scale: self.scale,
            query_overrides: self.query_overrides,
        };
        Ok(BlockSpec {
            id: self.id,
            title: self.title,
            tokens: self.tokens,
            dims: self.dims,
            variants: variants_for(&self.views, &input),
            input,
            focus: self.focus,
            views: self.views,
            highlight: self.highlight,
            steps: self.steps,
            assertions: self.assertions,
            warnings: self.warnings,
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
        if m.nrows() > max_rows || m.ncols() > MAX_DIMS {
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

/// Rows → a rectangular array, naming the first row whose length differs.
fn rows_to_array<T: Clone + Default>(
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
