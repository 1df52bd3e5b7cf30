//! The names of results a block holds besides its own (`mask[causal]`, `heads[2]`): what a
//! block's kind derives, and what expressions and bindings name.

use std::fmt;

named_enum! {
    /// The families of named results a block can hold.
    pub enum ResultGroup {
        /// The same queries, keys and values under another mask (the compare view).
        Mask = "mask",
        /// One head of several, counted from 1.
        Heads = "heads",
        /// A trained block's weights after that many training steps (0: before training).
        Step = "step",
        /// The same words in another order (the order view): `order[shuffled]`.
        Order = "order",
        /// The block before its `set_query`: `before[set_query]` (the scores view's
        /// before / after / change columns).
        Before = "before",
        /// A causal block written one token at a time (the decode view): `decode[3]` is the
        /// third token's query against the keys and values of the first three.
        Decode = "decode",
    }
}

/// The name of a result other than the block's own: `mask[causal]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultName {
    pub group: ResultGroup,
    pub key: String,
}

impl fmt::Display for ResultName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.group.name(), self.key)
    }
}
