//! Fixture books built end to end: in-process, through the preprocessor protocol (JSON in,
//! JSON out, as mdbook sends it), and by mdbook-driver running our binary as a `command`.

use mdbook_attention::cli;
use mdbook_attention::mdbook::AttentionPreprocessor;
use mdbook_driver::MDBook;
use mdbook_preprocessor::book::BookItem;
use std::process::{Command, Stdio};

mod common;
use common::copy_fixture;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");

/// Runs the binary as mdBook runs a preprocessor: `input` on stdin, no arguments.
fn run_protocol(input: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The JSON mdBook sends a preprocessor for the html renderer: the book as loaded, before any
/// preprocessor (`links` included) has run.
fn protocol_input(root: &std::path::Path, book: &MDBook) -> String {
    let ctx = mdbook_preprocessor::PreprocessorContext::new(
        root.to_path_buf(),
        book.config.clone(),
        "html".into(),
    );
    serde_json::to_string(&(ctx, book.book.clone())).unwrap()
}

fn main_of(html: &str) -> &str {
    let start = html.find("<main>").expect("a page has <main>");
    let end = html.find("</main>").expect("a page has </main>");
    &html[start..end]
}

#[test]
fn in_process_build_renders_every_block_and_a_search_index() {
    let dir = copy_fixture("mini");
    let out = cli::build(dir.path(), None).expect("the fixture book builds");
    let page = std::fs::read_to_string(out.join("widgets.html")).unwrap();
    let main = main_of(&page);
    assert_eq!(
        main.matches("class=\"attention-widget\"").count(),
        4,
        "top level, blockquote, list and include"
    );
    assert!(!main.contains("```attention") && !main.contains("language-attention"));
    assert!(main.contains("<blockquote>") && main.contains("<li>"));
    assert!(
        main.contains("<span class=\"attention-value\">0.33</span>"),
        "softmax([1,0]/√2)[1] = 0.33"
    );
    assert!(
        out.join("searchindex.js").exists()
            || std::fs::read_dir(&out).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("searchindex"))
    );
}

#[test]
fn protocol_takes_the_json_mdbook_sends_and_returns_the_book() {
    let dir = copy_fixture("mini");
    let book = MDBook::load(dir.path()).unwrap();
    let output = run_protocol(&protocol_input(dir.path(), &book));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let processed: mdbook_preprocessor::book::Book =
        serde_json::from_slice(&output.stdout).expect("stdout is only the book");
    let chapters: Vec<_> = processed
        .iter()
        .filter_map(|i| match i {
            BookItem::Chapter(c) => Some(c),
            _ => None,
        })
        .collect();
    let widgets = chapters.iter().find(|c| c.name == "Widgets").unwrap();
    // The links preprocessor has not run in this direct call, so the include stays.
    assert_eq!(
        widgets
            .content
            .matches("class=\"attention-widget\"")
            .count(),
        3
    );
    let plain = chapters.iter().find(|c| c.name == "Plain").unwrap();
    let original = std::fs::read_to_string(dir.path().join("src/plain.md")).unwrap();
    assert_eq!(
        plain.content, original,
        "a chapter without blocks comes back byte for byte"
    );
}

#[test]
fn supports_every_renderer() {
    for renderer in ["html", "markdown", "test", "epub"] {
        assert!(
            Command::new(BIN)
                .args(["supports", renderer])
                .status()
                .unwrap()
                .success(),
            "{renderer}"
        );
    }
}

#[test]
fn the_markdown_renderer_gets_a_readable_static_form() {
    let dir = copy_fixture("mini");
    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    std::fs::write(
        dir.path().join("book.toml"),
        format!("{toml}\n[output.markdown]\n"),
    )
    .unwrap();
    let book = cli::load(dir.path(), None).unwrap();
    book.build().unwrap();
    let md = std::fs::read_to_string(book.build_dir_for("markdown").join("widgets.md")).unwrap();
    assert!(
        !md.contains("<figure") && !md.contains("<script") && !md.contains("```attention"),
        "{md}"
    );
    assert!(
        md.contains("| a | 0.67 | 0.33 |"),
        "the weights as a Markdown table:\n{md}"
    );
    assert!(
        md.contains("The weight of a on b is 0.33."),
        "inline values are plain text:\n{md}"
    );
    assert!(
        md.contains("> | a | 1.00 | ⨯ |"),
        "inside a blockquote every line keeps its marker:\n{md}"
    );
    let html = std::fs::read_to_string(book.build_dir_for("html").join("widgets.html")).unwrap();
    assert!(html.contains("class=\"attention-widget\""));
}

#[test]
fn stock_driver_running_our_command_builds_the_same_widgets() {
    let inproc = copy_fixture("mini");
    let stock = copy_fixture("mini");
    let toml = std::fs::read_to_string(stock.path().join("book.toml")).unwrap();
    std::fs::write(
        stock.path().join("book.toml"),
        toml.replace(
            "[preprocessor.attention]\n",
            &format!("[preprocessor.attention]\ncommand = {:?}\n", BIN),
        ),
    )
    .unwrap();

    let a = cli::build(inproc.path(), None).unwrap();
    // No preprocessor registered in-process: mdbook-driver runs our binary through the protocol.
    let b = MDBook::load(stock.path()).unwrap();
    b.build().unwrap();
    let b = b.build_dir_for("html");
    for page in ["widgets.html", "plain.html"] {
        let x = std::fs::read_to_string(a.join(page)).unwrap();
        let y = std::fs::read_to_string(b.join(page)).unwrap();
        assert_eq!(
            main_of(&x),
            main_of(&y),
            "{page} differs between the two builds"
        );
    }
}

#[test]
fn a_bad_book_fails_with_every_problem_and_a_nonzero_exit() {
    let dir = copy_fixture("mini");
    std::fs::write(
        dir.path().join("src/plain.md"),
        "# Plain\n\n```attention\nexample = \"pair\"\nshow = [\"heatmapp\"]\n```\n\n`attn: weights[a][zz]`\n\n`attn: pair:weights[a][zz]`\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["build"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // rustc's shape: the problem, where, the line with the offending text underlined.
    assert!(
        stderr.contains("error: unknown view `heatmapp`")
            && stderr.contains("--> src/plain.md:5:9\n")
            && stderr.contains("5 | show = [\"heatmapp\"]\n")
            && stderr.contains("  |         ^^^^^^^^^^\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot compute the inline value `attn: pair:weights[a][zz]`")
            // Underlined where it is wrong: `zz`, not the whole value.
            && stderr.contains("--> src/plain.md:10:24"),
        "{stderr}"
    );
    // The value under the failed block only repeats its problem: counted, not shown.
    assert!(!stderr.contains("src/plain.md:8"), "{stderr}");
    assert!(
        stderr.contains("note: 1 more problem follows from these and is not shown"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("2 problems in attention blocks; the book was not built\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn in_process_registration_replaces_the_command_entry() {
    let dir = copy_fixture("mini");
    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    std::fs::write(
        dir.path().join("book.toml"),
        toml.replace(
            "[preprocessor.attention]\n",
            "[preprocessor.attention]\ncommand = \"false\"\n",
        ),
    )
    .unwrap();
    let mut book = MDBook::load(dir.path()).unwrap();
    book.with_preprocessor(AttentionPreprocessor);
    book.build()
        .expect("the in-process preprocessor is used, not the command");
}

/// What mdBook 0.4 sent: `sections` where 0.5 has `items`.
const MDBOOK_04_INPUT: &str = r#"[{"root":"/tmp/b","config":{"book":{"title":"T","src":"src"}},"renderer":"html","mdbook_version":"0.4.40"},{"sections":[{"Chapter":{"name":"A","content":"x","number":null,"sub_items":[],"path":"a.md","source_path":"a.md","parent_names":[]}}],"__non_exhaustive":null}]"#;

#[test]
fn the_protocol_names_mdbook_0_4_input() {
    let out = run_protocol(MDBOOK_04_INPUT);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mdBook 0.4 books are not supported"),
        "{stderr}"
    );
}

#[test]
fn the_protocol_refuses_garbage_and_empty_input_with_a_message() {
    for input in [
        "",
        "not json",
        "[{}, {}]",
        "{\"sections\": []}",
        MDBOOK_04_INPUT,
    ] {
        let out = run_protocol(input);
        assert!(!out.status.success(), "input {input:?} was accepted");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.is_empty(),
            "{stderr}"
        );
    }
}

#[test]
fn hostile_tokens_show_literally_and_inject_nothing() {
    let dir = copy_fixture("hostile");
    let out = cli::build(dir.path(), None).expect("the hostile book builds");
    let page = std::fs::read_to_string(out.join("hostile.html")).unwrap();
    let main = main_of(&page);
    let scripts = main.matches("<script").count();
    // Data, and numpy programs shown as text: neither is run.
    let data_scripts = main
        .matches("<script type=\"application/json\" class=\"attention-data\">")
        .count()
        + main.matches("<script type=\"text/x-python\">").count();
    assert_eq!(
        scripts, data_scripts,
        "no script element but the data and the programs"
    );
    for injected in ["<img", "<b onmouseover", "</figure><script"] {
        assert!(!main.contains(injected), "{injected} got through");
    }
    // No tag carries an event handler: the quotes in text nodes are only text.
    for name in attribute_names(main) {
        assert!(
            !name.starts_with("on"),
            "a tag got an event handler `{name}`"
        );
    }
    let json_start =
        main.find("class=\"attention-data\">").unwrap() + "class=\"attention-data\">".len();
    let json_end = json_start + main[json_start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&main[json_start..json_end]).unwrap();
    assert_eq!(data["tokens"][0], "<script>window.__xss = 1</script>");
    assert_eq!(data["tokens"][5], "猫🐈‍⬛");
    assert_eq!(data["dims"][1], "x\u{2028}y");
    // In tables and SVG the text is escaped once, so a browser shows it literally.
    assert!(main.contains("&lt;script&gt;window.__xss = 1&lt;/script&gt;"));
    assert!(main.contains("猫🐈‍⬛") && main.contains("עִברִית"));
    assert!(main.contains("<span class=\"attention-value\">"));
}

/// The attribute names of every tag in some HTML (values skipped, quotes respected).
fn attribute_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
            i += 1;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                i += 1;
            }
            while i < bytes.len() && bytes[i] != b'>' {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                    i += 1;
                }
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !b"=>/".contains(&bytes[i])
                {
                    i += 1;
                }
                if i > start {
                    names.push(html[start..i].to_ascii_lowercase());
                }
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    if let Some(&q) = bytes.get(i).filter(|q| **q == b'"' || **q == b'\'') {
                        i += 1;
                        while i < bytes.len() && bytes[i] != q {
                            i += 1;
                        }
                        i += 1;
                    } else {
                        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>'
                        {
                            i += 1;
                        }
                    }
                }
            }
        }
        i += 1;
    }
    names
}

#[test]
fn included_blocks_are_processed_in_process_whatever_the_order_in_book_toml() {
    let book = copy_fixture("mini");
    let toml = std::fs::read_to_string(book.path().join("book.toml")).unwrap();
    std::fs::write(
        book.path().join("book.toml"),
        toml.replace("after = [\"links\"]\n", ""),
    )
    .unwrap();
    let out = cli::build(book.path(), None).unwrap();
    let page = std::fs::read_to_string(out.join("widgets.html")).unwrap();
    assert!(
        !main_of(&page).contains("language-attention"),
        "no raw block"
    );
    assert_eq!(
        main_of(&page).matches("class=\"attention-widget\"").count(),
        4
    );
}

/// The mini book as a book that adopts the preprocessor by hand: our binary as its `command`,
/// and no `after = ["links"]`.
fn adopted_by_hand() -> tempfile::TempDir {
    let stock = copy_fixture("mini");
    let toml = std::fs::read_to_string(stock.path().join("book.toml")).unwrap();
    std::fs::write(
        stock.path().join("book.toml"),
        toml.replace(
            "[preprocessor.attention]\nafter = [\"links\"]\n",
            &format!("[preprocessor.attention]\ncommand = {:?}\n", BIN),
        ),
    )
    .unwrap();
    stock
}

#[test]
fn the_stock_path_refuses_to_publish_an_unexpanded_include() {
    let stock = adopted_by_hand();
    let b = MDBook::load(stock.path()).unwrap();
    assert!(b.build().is_err(), "the stock build stops");
    // What the preprocessor says, through the protocol, given the book before `links` ran.
    let out = run_protocol(&protocol_input(stock.path(), &b));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("--> src/widgets.md:21") && err.contains("add `after = [\"links\"]`"),
        "{err}"
    );
}

/// A book that adopts the preprocessor by hand (no `after = ["links"]`) and includes code, not
/// attention blocks: its includes pass through untouched, for `links` to expand after us.
#[test]
fn an_include_without_attention_passes_through_before_links() {
    let stock = adopted_by_hand();
    std::fs::write(stock.path().join("src/code.rs"), "fn main() {}\n").unwrap();
    let plain = "# Plain\n\n```rust\n{{#rustdoc_include code.rs:1}}\n```\n\n{{#include code.rs}}\n";
    std::fs::write(stock.path().join("src/plain.md"), plain).unwrap();
    // Only the chapter whose include holds attention blocks is refused; not this one.
    let b = MDBook::load(stock.path()).unwrap();
    let out = run_protocol(&protocol_input(stock.path(), &b));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("src/plain.md"), "{err}");
    std::fs::write(stock.path().join("src/widgets.md"), "# Widgets\n").unwrap();
    let b = MDBook::load(stock.path()).unwrap();
    let out = run_protocol(&protocol_input(stock.path(), &b));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book: mdbook_preprocessor::book::Book = serde_json::from_slice(&out.stdout).unwrap();
    let chapter = book
        .iter()
        .find_map(|i| match i {
            BookItem::Chapter(c) if c.name == "Plain" => Some(c.content.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(chapter, plain, "byte for byte");
}

#[test]
fn the_markdown_form_keeps_hostile_text_literal_too() {
    let dir = common::fixture("hostile");
    let examples = mdbook_attention::examples::Examples::default();
    for name in ["hostile.md", "quoted.md"] {
        let text = std::fs::read_to_string(dir.join("src").join(name)).unwrap();
        let md = mdbook_attention::chapter::process_for(
            &text,
            name,
            &examples,
            mdbook_attention::chapter::Output::StaticMarkdown,
        )
        .unwrap();
        // What any Markdown renderer would make of it.
        let mut html = String::new();
        mdbook_markdown::pulldown_cmark::html::push_html(
            &mut html,
            mdbook_markdown::new_cmark_parser(&md, &mdbook_markdown::MarkdownOptions::default()),
        );
        for bad in [
            "<script",
            "<img src=\"https://",
            "<img src=\"x\"",
            "href=\"javascript",
            "<em>x</em>",
            "<del>",
            "<b>bold",
            "<b onmouseover",
        ] {
            assert!(
                !html.contains(bad),
                "{name}: the Markdown form makes {bad:?}:\n{html}"
            );
        }
    }
}

#[test]
fn a_problem_in_an_included_file_is_reported_at_that_file() {
    let book = copy_fixture("mini");
    std::fs::write(
        book.path().join("src/included.md"),
        "```attention\nexample = \"pair\"\nshow = [\"heatmapp\"]\n```\n",
    )
    .unwrap();
    let err = format!("{:#}", cli::build(book.path(), None).unwrap_err());
    assert!(
        err.contains("unknown view `heatmapp`")
            && err.contains("--> src/included.md:3:9")
            && err.contains("(included from src/widgets.md:21)"),
        "{err}"
    );
}

/// The named examples are the author's source: a built book does not publish them.
#[test]
fn the_examples_file_is_not_published() {
    let dir = copy_fixture("mini");
    assert!(dir.path().join("src/examples.toml").exists());
    let out = cli::build(dir.path(), None).expect("the fixture book builds");
    assert!(out.join("widgets.html").exists());
    assert!(
        !out.join("examples.toml").exists(),
        "examples.toml was published"
    );
}
