//! mdbook-attention: exact, interactive attention widgets for mdBook.
//!
//! The rooms, from the bottom up (nothing below knows of anything above):
//! - [`core`]: attention math on ndarray;
//! - [`spec`]: a block's TOML → a validated spec, named examples, assertions, inline values;
//! - [`render`]: spec + result → one line of HTML per widget;
//! - [`markdown`]: find blocks and inline values in a chapter, splice HTML back;
//! - [`chapter`]: one chapter's text in, the same text with widgets out;
//! - [`mdbook`]: the mdBook `Preprocessor`, config, and errors with file:line;
//! - [`cli`], [`serve`] and [`install`]: `build`, `serve`, `install`, `archive` and the
//!   preprocessor protocol, for `main.rs`.

pub mod chapter;
pub mod cli;
pub mod core;
pub mod includes;
pub mod install;
pub mod markdown;
pub mod mdbook;
pub mod render;
pub mod serve;
pub mod spec;
