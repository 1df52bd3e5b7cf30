//! mdbook-attention: exact, interactive attention widgets for mdBook.
//!
//! The rooms, from the bottom up (nothing below knows of anything above; `tests/architecture.rs`
//! checks it):
//! - [`core`]: attention math on ndarray (and a BERT encoder and a trainer built on it);
//!   [`format`]: the one number format;
//! - [`files`]: reading a file a book names, only if it is a regular file of a sane size;
//! - [`model`]: real models' files: fetched with pip into a cache, checked, read;
//! - [`spec`]: a block's TOML → a validated spec, named examples, assertions, inline values;
//! - [`render`]: spec + result → figure models → HTML and Markdown;
//! - [`markdown`]: find blocks and inline values in a chapter, splice HTML back;
//! - [`report`]: problems as an author reads them (rustc's shape) or as JSON;
//! - [`links`]: every cross-reference between chapters lands on a chapter and a heading;
//! - [`ledger`]: every number a book shows, and what changed between two versions;
//! - [`chapter`]: one chapter's text in, the same text with widgets out;
//! - [`includes`]: lines of `{{#include}}`d text mapped back to their files;
//! - [`assets`]: the embedded JS and CSS and their version;
//! - [`mdbook`]: the mdBook `Preprocessor`, config, in-process load and build, errors with
//!   file:line.
//!
//! Above the library, behind the default `cli` feature (a book that only preprocesses needs none
//! of their crates): [`install`] (`install`, `archive`), [`serve`], [`diff`] and [`cli`], for
//! `main.rs`.

#[macro_use]
mod named;

pub mod assets;
pub mod block;
pub mod chapter;
#[cfg(feature = "cli")]
pub mod cli;
pub mod core;
#[cfg(feature = "cli")]
pub mod diff;
pub mod eval;
pub mod examples;
pub mod expr;
pub mod files;
pub mod format;
pub mod includes;
#[cfg(feature = "cli")]
pub mod install;
pub mod kept;
pub mod ledger;
pub mod links;
pub mod markdown;
pub mod mdbook;
pub mod pretrained;
pub mod render;
pub mod report;
#[cfg(feature = "cli")]
pub mod serve;
pub mod source;
