//! The small language shared by assertions and inline values: [`syntax`] turns text into an
//! expression that may name a block's results ([`names`]); the `eval` module evaluates it against
//! the computed blocks in scope.

pub mod names;
pub mod syntax;

pub use names::{ResultGroup, ResultName};
pub use syntax::{Expr, FIELDS, FUNCTIONS, parse_assertion, parse_expr, parse_inline};
