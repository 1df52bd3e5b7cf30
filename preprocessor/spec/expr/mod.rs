//! The small language shared by assertions and inline values: [`syntax`] turns text into an
//! expression, [`eval`] evaluates it against the computed blocks in scope.

pub mod eval;
pub mod syntax;

pub use eval::{EQUALITY_TOLERANCE, ExprError, Val, check, eval, human, show_val};
pub use syntax::{Expr, FIELDS, FUNCTIONS, parse_assertion, parse_expr, parse_inline};
