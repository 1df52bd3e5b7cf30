//! Blocks made from fuzz bytes with the keys of the later rounds (tests/common/hostile_blocks.rs):
//! computing, rendering and checking never panic, and what fails says where.
#![no_main]

#[path = "../../common/hostile_blocks.rs"]
mod hostile_blocks;

use libfuzzer_sys::fuzz_target;
use mdbook_attention::{chapter, examples::Examples};

fuzz_target!(|data: &[u8]| {
    let text = hostile_blocks::chapter_from(data);
    match chapter::process(&text, "keys.md", &Examples::default()) {
        Ok(out) => assert!(out.contains("attention-widget")),
        Err(problems) => {
            assert!(!problems.is_empty());
            assert!(problems.iter().all(|p| p.place.line >= 1), "{problems:?}");
        }
    }
});
