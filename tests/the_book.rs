//! The book itself: every part of the tutorial is in the built pages, prose quotes the numbers the
//! figures hold, and changing the running example in its one definition moves every dependent
//! number — or stops the build on the first claim that no longer holds.

use mdbook_attention::cli;
use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::copy_book;

fn page(out: &Path, name: &str) -> String {
    let html =
        std::fs::read_to_string(out.join(name)).unwrap_or_else(|_| panic!("{name} was built"));
    let start = html.find("<main>").unwrap();
    let end = html.find("</main>").unwrap();
    html[start..end].to_string()
}

/// The widgets' embedded data, in page order.
fn widget_data(main: &str) -> Vec<Value> {
    main.split("<script type=\"application/json\" class=\"attention-data\">")
        .skip(1)
        .map(|rest| serde_json::from_str(&rest[..rest.find("</script>").unwrap()]).unwrap())
        .collect()
}

/// The texts of the inline values, in page order.
fn inline_values(main: &str) -> Vec<String> {
    main.split("<span class=\"attention-value\">")
        .skip(1)
        .map(|rest| rest[..rest.find("</span>").unwrap()].to_string())
        .collect()
}

fn fmt(x: &Value) -> String {
    mdbook_attention::render::format::fmt(x.as_f64().unwrap())
}

fn build(dir: &Path) -> anyhow::Result<PathBuf> {
    cli::build(dir, Some(&dir.join("out")))
}

const CAT: usize = 2;
const BLACK: usize = 1;

#[test]
fn every_part_of_the_tutorial_is_in_the_built_book() {
    let dir = copy_book();
    let out = build(dir.path()).expect("the book builds");
    let parts: &[(&str, &[&str])] = &[
        (
            "why-attention.html",
            &["The black cat ate fish", "which one", "ate fish", "context"],
        ),
        (
            "sequential-vs-parallel.html",
            &[
                "recurrent neural network",
                "“The” → “black” → “cat” → “ate” → “fish”",
                "slow",
                "Long sentences",
                "self-attention",
                "<svg",
            ],
        ),
        (
            "the-question.html",
            &["Which other words in this sentence should I pay attention to?"],
        ),
        (
            "attention-matrix.html",
            &[
                "Bidirectional",
                "Causal (masked)",
                "BERT",
                "GPT",
                "Claude",
                "⨯",
                "attention-compare",
                "attention-legend",
            ],
        ),
        (
            "qkv.html",
            &[
                "What am I looking for?",
                "What do I offer?",
                "What information do I contain?",
            ],
        ),
        (
            "embeddings.html",
            &[
                "512",
                "768",
                "12,288",
                "16,384",
                "description",
                "animal",
                "action",
            ],
        ),
        (
            "transforming-cat.html",
            &[
                "search pattern",
                "identity tag",
                "content package",
                "animal",
                "= <strong data-b=\"qp f 0\">0.41</strong>",
            ],
        ),
        (
            "scaled-dot-product.html",
            &[
                "<math",
                "<msqrt>",
                "softmax",
                "Why divide by √d<sub>k</sub>?",
                "enriched",
            ],
        ),
        (
            "experiment.html",
            &[
                "attention-control-panel",
                "attention-step",
                "Raise",
                "1.00",
                "training",
            ],
        ),
        ("softmax.html", &["data-view=\"softmax\"", "−∞", "overflow"]),
        ("matrix-form.html", &["data-view=\"matmul\"", "Kᵀ"]),
        ("why-qk.html", &["itself"]),
        ("output.html", &["data-view=\"residual\"", "residual"]),
        ("where-next.html", &["Training", "Layers", "n²"]),
        (
            "many-heads.html",
            &[
                "several heads side by side",
                "W<sub>O</sub>",
                "Why several heads",
            ],
        ),
        (
            "word-order.html",
            &[
                "a bag of\nwords",
                "Adding positions to the embeddings",
                "Rotary position embeddings",
            ],
        ),
        (
            "for-authors.html",
            &[
                "Every key",
                "Views",
                "Named examples",
                "Inline values",
                "Assertions",
                "did you mean",
            ],
        ),
    ];
    for (name, needles) in parts {
        let main = page(&out, name);
        for needle in *needles {
            assert!(main.contains(needle), "{name} lacks {needle:?}");
        }
        // The authors' chapter shows the inline syntax inside code blocks, on purpose.
        let quotes_syntax = *name == "for-authors.html";
        assert!(
            (quotes_syntax || !main.contains("attn: ")) && !main.contains("language-attention"),
            "{name} has an unprocessed block or value"
        );
    }
    // Nothing is loaded from the network.
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&path).unwrap();
            for bad in ["src=\"http", "href=\"http://", "cdn.", "mathjax"] {
                assert!(
                    !html.to_lowercase().contains(bad) || bad == "href=\"http://",
                    "{} loads {bad}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn prose_quotes_the_numbers_the_figures_hold() {
    let dir = copy_book();
    let out = build(dir.path()).unwrap();
    // The question: cat's weights on black and on itself, before queries and keys exist.
    let main = page(&out, "the-question.html");
    let data = &widget_data(&main)[0];
    assert_eq!(data["views"], serde_json::json!(["weights"]));
    let values = inline_values(&main);
    assert_eq!(values[0], fmt(&data["weights"][CAT][BLACK]));
    assert_eq!(values[1], fmt(&data["weights"][CAT][CAT]));
    // The projection of cat: 0.41, 1.06 and 0.95, in prose and in the figure.
    let main = page(&out, "transforming-cat.html");
    let data = &widget_data(&main)[0];
    assert_eq!(fmt(&data["q"][CAT][0]), "0.41");
    assert_eq!(fmt(&data["k"][CAT][0]), "1.06");
    assert_eq!(fmt(&data["v"][CAT][0]), "0.95");
    let values = inline_values(&main);
    for quoted in ["0.41", "1.06", "0.95"] {
        assert!(
            values.iter().any(|v| v == quoted),
            "transforming-cat quotes {quoted}"
        );
    }
    // The experiment: each step's figure is the number its prose quotes.
    let main = page(&out, "experiment.html");
    let data = widget_data(&main);
    let values = inline_values(&main);
    let raised = data
        .iter()
        .find(|d| d["query_overrides"] == serde_json::json!([[CAT, 0, 1.0]]))
        .expect("a figure raises Q_cat[1] to 1.00");
    assert!(values.contains(&fmt(&raised["weights"][CAT][BLACK])));
    assert!(raised["weights"][CAT][BLACK].as_f64() > data[0]["weights"][CAT][BLACK].as_f64());
    assert!((raised["k"][BLACK][0].as_f64().unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(data[0]["steps"].as_array().map(Vec::len), Some(3));
}

/// The widget of a page that shows a view.
fn with_view<'a>(data: &'a [Value], view: &str) -> &'a Value {
    data.iter()
        .find(|d| d["views"].as_array().unwrap().iter().any(|v| v == view))
        .unwrap_or_else(|| panic!("a widget shows {view}"))
}

#[test]
fn changing_the_running_example_moves_every_dependent_number() {
    let dir = copy_book();
    let examples = dir.path().join("src/examples.toml");
    let text = std::fs::read_to_string(&examples).unwrap();
    // Another embedding of "black" that keeps every claim of the book true must still move
    // every number that depends on it.
    // Black stays a description whose first key entry is 1.00 (0.8×1.0 + 1.1×0.1 + 0.2×0.45).
    let changed = text.replace("[0.9, 0.2, 0.3],  # black", "[1.0, 0.1, 0.45],  # black");
    assert_ne!(changed, text, "the edit applies");
    std::fs::write(&examples, changed).unwrap();
    let out = build(dir.path()).expect("the book still builds");
    let main = page(&out, "scaled-dot-product.html");
    let data = widget_data(&main);
    let output = &with_view(&data, "output")["output"][CAT];
    let values = inline_values(&main);
    let quoted: Vec<&String> = values.iter().filter(|v| v.contains('.')).collect();
    assert!(
        quoted.iter().any(|v| **v == fmt(&output[1])),
        "the new output of cat ({}) is quoted: {quoted:?}",
        fmt(&output[1])
    );
    let original = copy_book();
    let before = build(original.path()).unwrap();
    let old = widget_data(&page(&before, "scaled-dot-product.html"));
    assert_ne!(
        fmt(&with_view(&old, "output")["output"][CAT][1]),
        fmt(&output[1]),
        "the number moved"
    );
}

#[test]
fn breaking_a_claim_in_the_running_example_stops_the_build_at_its_line() {
    let dir = copy_book();
    let examples = dir.path().join("src/examples.toml");
    let text = std::fs::read_to_string(&examples).unwrap();
    // Black's key would no longer be 1.0, and cat would no longer attend most to black.
    std::fs::write(
        &examples,
        text.replace("[0.9, 0.2, 0.3],  # black", "[0.1, 0.2, 0.3],  # black"),
    )
    .unwrap();
    let err = format!("{:#}", build(dir.path()).unwrap_err());
    // Each failed claim once, at its line in the examples file, with readable numbers.
    assert!(
        err.contains("error: the claim `k[black][1] == 1.0` is false: the left side is 0.36 and the right side is 1.00 (they differ by 0.64)")
            && err.contains("--> src/examples.toml:"),
        "{err}"
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    let mut once = errors.clone();
    once.dedup();
    assert_eq!(errors, once, "no problem twice");
    assert!(
        errors.iter().all(|l| l.contains("the claim `")),
        "no cascade: {err}"
    );
    assert!(!err.contains("00000"), "no float noise: {err}");
    // Everything that uses the example is counted, with the chapters it is in.
    let note = err
        .lines()
        .find(|l| l.starts_with("note: ") && l.contains("follow from these"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        note.contains("src/experiment.md") && note.contains("src/attention-matrix.md"),
        "{note}"
    );
    assert!(
        err.ends_with(&format!(
            "{} problems in attention blocks; the book was not built",
            errors.len()
        )),
        "{err}"
    );
}

#[test]
fn the_error_shown_in_the_authors_chapter_is_the_one_the_tool_prints() {
    let chapter =
        std::fs::read_to_string(std::path::Path::new(common::ROOT).join("src/for-authors.md"))
            .unwrap();
    let section = &chapter[chapter.find("## When something is wrong").unwrap()..];
    let start = section.find("```text\n").unwrap() + "```text\n".len();
    let documented = &section[start..start + section[start..].find("```").unwrap()];
    // The documented case: `show = ["heatmapp"]` on line 12 of src/intro.md.
    let intro = format!(
        "{}```attention\nexample = \"running\"\nshow = [\"heatmapp\"]\n```\n",
        "\n".repeat(9)
    );
    let (examples, _) = mdbook_attention::examples::Examples::load(
        &std::path::Path::new(common::ROOT).join("src/examples.toml"),
        "src/examples.toml",
    );
    let problems =
        mdbook_attention::chapter::process(&intro, "src/intro.md", &examples).unwrap_err();
    let read = |path: &str| (path == "src/intro.md").then(|| intro.clone());
    let printed = mdbook_attention::report::render_for_build(
        &problems,
        &read,
        mdbook_attention::report::Style::default(),
    );
    assert_eq!(printed.trim_end(), documented.trim_end());
}

#[test]
fn the_running_example_cannot_be_quietly_flattened() {
    let dir = copy_book();
    let examples = dir.path().join("src/examples.toml");
    let text = std::fs::read_to_string(&examples).unwrap();
    // A milder second row of W_Q keeps every tutorial fact but lets attention spread out.
    let flat = text.replace(
        "[0.0, 2.5, -1.0],  # animals look for descriptions",
        "[0.1, 0.9, 0.1],  # animals look for descriptions",
    );
    assert_ne!(flat, text, "the edit applies");
    std::fs::write(&examples, flat).unwrap();
    let err = format!("{:#}", build(dir.path()).unwrap_err());
    assert!(
        err.contains("src/examples.toml:") && err.contains("weights[cat][black] >= 0.45"),
        "{err}"
    );
}

#[test]
fn the_running_example_selects_with_a_pattern_a_reader_can_name() {
    let dir = copy_book();
    let out = build(dir.path()).unwrap();
    let data = &widget_data(&page(&out, "attention-matrix.html"))[0];
    let weights = &data["weights"];
    let row = |i: usize| -> Vec<f64> {
        weights[i]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_f64().unwrap())
            .collect()
    };
    assert!(
        row(CAT)[BLACK] >= 0.45,
        "cat gives black {}",
        row(CAT)[BLACK]
    );
    for i in 0..5 {
        let mut r = row(i);
        r.sort_by(|a, b| b.total_cmp(a));
        assert!(r[0] - r[1] >= 0.2, "row {i} is led clearly: {r:?}");
    }
}

#[test]
fn no_sentence_points_left_or_right_at_figures_that_may_stack() {
    let src = std::path::Path::new(common::ROOT).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for phrase in [
            "(left)",
            "(right)",
            "on the left",
            "on the right",
            "to the left",
            "to the right",
            "above right",
        ] {
            assert!(
                !text.contains(phrase),
                "{} says {phrase:?}: name the figure by its heading instead",
                path.display()
            );
        }
    }
}
