//! Other people's Markdown comes through untouched: without attention blocks byte for byte, with
//! them every byte outside the blocks. Property tests over generated Markdown, and a corpus of
//! real-world files (tests/fixtures/real-world, with their licences).

use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;
use mdbook_attention::markdown::{self, Found};
use proptest::prelude::*;
use std::path::Path;

fn examples() -> Examples {
    let mut e = Examples::default();
    e.add_file(
        "[pair]\ntokens = [\"a\", \"b\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nw_q = [[1.0, 0.0]]\nw_k = [[0.5, 0.5]]\nw_v = [[1.0, 2.0]]\n",
        "examples.toml",
    )
    .unwrap();
    e
}

/// Markdown that is not ours: every construct that trips preprocessors up.
fn other_markdown() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,.*_`#>|-]{0,40}".prop_map(|s| s),
        Just("- item one\n- item two\n  continued\n".to_string()),
        Just("1. first\n2. second\n\n   indented para\n".to_string()),
        Just("> quoted\n> > nested quote\n".to_string()),
        Just("| a | b |\n|---|:-:|\n| `x` | *y* |\n".to_string()),
        Just("<div class=\"note\">\n\n*inside*\n\n</div>\n".to_string()),
        Just("<!-- comment ```attention -->\n".to_string()),
        Just("```rust\nfn main() {}\n```\n".to_string()),
        Just(
            "````markdown\n```attention\nnot ours: inside a longer fence\n```\n````\n".to_string()
        ),
        Just("~~~\n```attention\n~~~\n".to_string()),
        Just("    indented code\n    ```attention\n".to_string()),
        Just("\tTabbed\tline\t\n".to_string()),
        Just("Setext\n======\n".to_string()),
        Just("{{#include other.md}} and `code` and $math$\n".to_string()),
        Just("[link](http://example.com) ![img](a.png) <span>inline</span>\n".to_string()),
        Just("Term\n: definition\n".to_string()),
        Just("> [!NOTE]\n> admonition\n".to_string()),
        Just("footnote[^1]\n\n[^1]: the note\n".to_string()),
    ]
}

/// One of our blocks, in some container.
fn attention_block() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("```attention\nexample = \"pair\"\n```\n".to_string()),
        Just("~~~~attention\nexample = \"pair\"\nshow = [\"qkv\"]\n~~~~\n".to_string()),
        Just("> ```attention\n> example = \"pair\"\n> ```\n".to_string()),
        Just("- item\n\n  ```attention\n  example = \"pair\"\n  ```\n".to_string()),
        Just("The weight is `attn: pair:weights[a][b]`.\n".to_string()),
    ]
}

fn assemble(parts: &[String], crlf: bool, bom: bool) -> String {
    let mut text = parts.join("\n");
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    if bom {
        text.insert(0, '\u{feff}');
    }
    text
}

/// Every byte outside the found ranges appears in the output, in order; between them stand
/// only the one-line widgets and the line ends (with container markers) that close them.
fn assert_outside_unchanged(text: &str, out: &str) {
    let mut ranges: Vec<std::ops::Range<usize>> = markdown::find(text)
        .into_iter()
        .map(|f| match f {
            Found::Block(b) => b.range,
            Found::Inline { range, .. } => range,
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut pos_in = 0;
    let mut pos_out = 0;
    for r in &ranges {
        let kept = &text[pos_in..r.start];
        pos_out = after_filler_and(out, pos_out, kept, false);
        let rest = &out[pos_out..];
        let end = if rest.starts_with("<figure class=\"attention-widget\">") {
            rest.find("</figure>").expect("the widget closes") + "</figure>".len()
        } else {
            assert!(
                rest.starts_with("<span class=\"attention-value\">"),
                "a replacement stands where the block was: {:?}",
                &rest[..rest.len().min(60)]
            );
            rest.find("</span>").unwrap() + "</span>".len()
        };
        assert!(
            mdbook_attention::render::one_line_but_its_program(&rest[..end]),
            "a widget is one line, but for its program"
        );
        pos_out += end;
        pos_in = r.end;
    }
    let end = after_filler_and(out, pos_out, &text[pos_in..], true);
    assert_eq!(end, out.len(), "nothing follows the tail");
}

fn is_filler(c: char) -> bool {
    matches!(c, '\n' | '\r' | '>' | ' ' | '\t')
}

/// Past the line ends and container markers a widget leaves behind, then past `kept`, which
/// must follow them and be followed by a widget (or end the output, for the tail); returns the
/// position after `kept`.
fn after_filler_and(out: &str, pos: usize, kept: &str, tail: bool) -> usize {
    let rest = &out[pos..];
    let filler = rest.len() - rest.trim_start_matches(is_filler).len();
    let next_ok = |after: &str| {
        if tail {
            after.is_empty()
        } else {
            after.starts_with("<figure class=\"attention-widget\">")
                || after.starts_with("<span class=\"attention-value\">")
        }
    };
    let at = (0..=filler)
        .filter(|&at| rest.is_char_boundary(at))
        .find(|&at| rest[at..].starts_with(kept) && next_ok(&rest[at + kept.len()..]))
        .unwrap_or_else(|| {
            panic!(
                "the text {kept:?} survives, after only line ends, in {:?}",
                &rest[..rest.len().min(200)]
            )
        });
    pos + at + kept.len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn markdown_without_blocks_comes_back_byte_for_byte(parts in prop::collection::vec(other_markdown(), 0..12), crlf: bool, bom: bool) {
        let text = assemble(&parts, crlf, bom);
        prop_assume!(markdown::find(&text).is_empty());
        let out = chapter::process(&text, "p.md", &examples()).unwrap();
        prop_assert_eq!(out, text);
    }

    #[test]
    fn blocks_change_nothing_outside_themselves(
        parts in prop::collection::vec(prop_oneof![3 => other_markdown(), 1 => attention_block()], 1..12),
        crlf: bool,
        bom: bool,
    ) {
        let text = assemble(&parts, crlf, bom);
        // In some contexts a "not ours" fragment really opens a block (an indented fence inside a
        // list item, say) and swallows what follows: that is an author's error, reported as one.
        let Ok(out) = chapter::process(&text, "p.md", &examples()) else { return Ok(()) };
        assert_outside_unchanged(&text, &out);
        prop_assert!(markdown::find(&out).is_empty(), "every block was replaced");
    }
}

fn real_world() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-world");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("NOTICE.md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    files
}

#[test]
fn real_world_markdown_comes_back_byte_for_byte() {
    for (name, text) in real_world() {
        let out = chapter::process(&text, &name, &examples()).unwrap();
        assert_eq!(out, text, "{name} changed");
    }
}

#[test]
fn real_world_markdown_with_blocks_between_paragraphs_keeps_every_other_byte() {
    for (name, text) in real_world() {
        // After some blank lines outside code blocks, insert a block.
        let mut with = String::new();
        let mut in_code = false;
        let mut inserted = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            with.push_str(line);
            if !in_code && line.trim().is_empty() && with.len().is_multiple_of(3) {
                with.push_str("```attention\nexample = \"pair\"\n```\n\n");
                inserted += 1;
            }
        }
        assert!(inserted > 0, "{name} got blocks");
        let out = chapter::process(&with, &name, &examples()).unwrap();
        assert_outside_unchanged(&with, &out);
    }
}
