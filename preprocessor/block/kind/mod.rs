//! Where a block's attention comes from, one module per kind: weights learned while the book
//! builds ([`trained`]), a real model's head ([`pretrained`]).

pub mod pretrained;
pub mod trained;
