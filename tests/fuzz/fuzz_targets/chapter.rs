//! Any text as a chapter: finding, parsing, computing, rendering and splicing must never panic,
//! and a chapter in which nothing is found must come back byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mdbook_attention::{chapter, markdown, examples::Examples};
use std::sync::LazyLock;

static EXAMPLES: LazyLock<Examples> = LazyLock::new(|| {
    let mut e = Examples::default();
    let text = "[pair]\ntokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\n\
                w_q = [[1.0, 0.0]]\nw_k = [[0.5, 0.5]]\nw_v = [[1.0, 2.0]]\n";
    e.add_file(text, "examples.toml").expect("the fuzz example is valid");
    e
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let found = markdown::find(text);
    match chapter::process(text, "fuzz.md", &EXAMPLES) {
        Ok(out) if found.is_empty() => assert_eq!(out, text),
        // Every block and inline value was replaced: none is left to find.
        Ok(out) => assert!(markdown::find(&out).is_empty(), "left over in {out:?}"),
        Err(problems) => assert!(!problems.is_empty()),
    }
});
