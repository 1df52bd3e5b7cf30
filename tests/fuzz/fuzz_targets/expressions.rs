//! Any text as an inline value and as a claim, against a fixed block and a named example:
//! parsing and evaluating must never panic, and a value that prints must print the same twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mdbook_attention::{chapter, examples::Examples};
use std::sync::LazyLock;

static EXAMPLES: LazyLock<Examples> = LazyLock::new(|| {
    let mut e = Examples::default();
    let text = "[pair]\ntokens = [\"a\", \"b\", \"a\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]\n\
                dims = [\"x\", \"2\"]\nw_q = [[1.0, 0.0]]\nw_k = [[0.5, 0.5]]\nw_v = [[1.0, 2.0], [0.0, 1.0]]\n";
    e.add_file(text, "examples.toml").expect("the fuzz example is valid");
    e
});

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(expr) = std::str::from_utf8(data) else { return };
    if expr.contains('`') || expr.contains('\n') || expr.contains('\r') {
        return;
    }
    let chapter = format!(
        "# F\n\n```attention\nexample = \"pair\"\nid = \"me\"\nmask = \"causal\"\nassert = [{}]\n```\n\nValue: `attn: {expr}` and `attn: pair:{expr}`.\n",
        toml_string(expr)
    );
    let first = chapter::process(&chapter, "fuzz.md", &EXAMPLES);
    let second = chapter::process(&chapter, "fuzz.md", &EXAMPLES);
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => {
            assert!(!a.is_empty());
            assert_eq!(a.len(), b.len());
        }
        _ => panic!("two runs disagree"),
    }
});
