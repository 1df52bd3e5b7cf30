//! A block's TOML → a validated [`BlockSpec`], and its results computed.
//!
//! Every problem becomes a [`Diagnostic`] naming the file and line of the offending key, and
//! all the problems of a block are returned together. What a block shares with every other
//! (id, title, tokens, focus, views, claims, place) is read in [`build`]; where its attention
//! comes from is its kind, each in its own module under [`kind`].

pub(crate) mod build;
mod checked;
pub mod computed;
pub mod decoding;
pub mod keys;
pub mod kind;

pub use crate::expr::{ResultGroup, ResultName};
use crate::source::{Diagnostic, Place, Source};
pub use build::ExampleKeys;
pub use checked::{
    BlockSpec, DEFAULT_ROPE_BASE, MAX_CELLS, MAX_DIMS, MAX_HEADS, MAX_TOKENS, PositionsKind, Step,
    Variant, View,
};
pub use computed::{
    Combined, Computed, NamedResult, NoScope, ResultAxes, Scope, WithCurrent, compute_results,
};
pub use keys::Key;
pub use kind::pretrained::{ModelRun, Models, read_kept_run};
pub use kind::trained::read_kept_training;

/// The `id` a block declares, read even when the rest of it is wrong, so that what names the
/// block later can say it failed.
pub fn declared_id(src: &Source) -> Option<String> {
    // From the TOML alone: an unknown key or a bad value elsewhere leaves the id readable, so
    // what names the block follows from its problem instead of "nothing is named".
    let table = keys::parse_toml(src).ok()?;
    let (_, value) = table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == Key::Id.name())?;
    match value.get_ref() {
        toml::de::DeValue::String(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Where a block's `id = …` is written.
pub fn declared_id_place(src: &Source) -> Option<Place> {
    keys::parse_block(src)
        .ok()?
        .get(&Key::Id)
        .map(|l| l.place.clone())
}

/// Parses a block body into a spec, using the book's named examples.
pub fn parse_block(src: &Source, examples: &dyn ExampleKeys) -> Result<BlockSpec, Vec<Diagnostic>> {
    let fields = keys::parse_block(src)?;
    build::build(fields, src.header(), examples, false)
}
