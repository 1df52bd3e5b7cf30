//! Trained blocks: the same book twice gives the same bytes; the browser's recomputation of
//! every kept step (the training slider) gives the core's weights to the bit; mistakes in
//! `train` are located like every block's; a run that does not learn stops the build, saying
//! which claim failed.

mod common;

use common::{node_check, widget_data};
use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;
use serde_json::Value;
use std::process::Command;

fn block(train: &str, show: &str) -> String {
    format!("# T\n\n```attention\ntrain = {{ {train} }}\nshow = [{show}]\n```\n")
}

fn render(text: &str) -> Result<String, String> {
    chapter::process(text, "learning.md", &Examples::default()).map_err(|e| format!("{e:?}"))
}

#[test]
fn two_builds_of_a_trained_figure_are_byte_identical() {
    let text = block(
        "seed = 7",
        "\"loss\", \"gradient\", \"learning\", \"snapshots\", \"learned\"",
    );
    let first = render(&text).unwrap();
    // A second process-wide run would hit the cache; train afresh to compare two real runs.
    let config = mdbook_attention::core::training::TrainingConfig::default();
    let a = mdbook_attention::core::training::train(&config).unwrap();
    let b = mdbook_attention::core::training::train(&config).unwrap();
    assert_eq!(a, b, "two runs of one config give the same bits");
    assert_eq!(first, render(&text).unwrap());
    // The data contract.
    let data = widget_data(&first);
    let training = &data["training"];
    assert_eq!(training["loss"].as_array().unwrap().len(), config.steps + 1);
    let snapshots = training["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), config.snapshots.len());
    for key in ["step", "w_q", "w_k", "w_v", "weights"] {
        assert!(snapshots[0].get(key).is_some(), "a snapshot carries {key}");
    }
    for key in ["tokens", "embeddings", "positions", "scale", "mask"] {
        assert!(data.get(key).is_some(), "the widget carries {key}");
    }
    // The static figures of a run leave the slider's data out.
    let loss_only = widget_data(&render(&block("seed = 7", "\"loss\"")).unwrap());
    assert!(loss_only.get("training").is_none());
}

#[test]
fn the_slider_recomputes_every_kept_step_like_the_core() {
    let mut widgets = Vec::new();
    for (seed, sentence) in [(7, "The black cat chased fish"), (3, ""), (8, "")] {
        let settings = if sentence.is_empty() {
            format!("seed = {seed}, snapshot_every = 1")
        } else {
            format!("seed = {seed}, snapshot_every = 1, sentence = \"{sentence}\"")
        };
        let html = render(&block(&settings, "\"learning\"")).unwrap();
        widgets.push(widget_data(&html));
    }
    let said = node_check("training.js", &Value::from(widgets));
    assert!(said.contains("3 runs agree"), "{said}");
}

/// Each mistake, the line and column it is reported at, and words the message must hold.
#[test]
fn mistakes_in_train_are_located_and_named() {
    let cases: [(&str, usize, &[&str]); 8] = [
        (
            "train = { seed = 7, stepz = 10 }\n",
            4,
            &["no setting `stepz`", "did you mean `steps`"],
        ),
        (
            "train = { steps = 0 }\n",
            4,
            &["`steps` is 0", "from 1 to 2000"],
        ),
        (
            "train = { learning_rate = -1 }\n",
            4,
            &["`learning_rate` is -1.00"],
        ),
        (
            "train = { sentence = \"The green cat chased fish\" }\n",
            4,
            &["word 2", "an adjective"],
        ),
        (
            "train = { sentence = \"The black cat chased cat\" }\n",
            4,
            &["the same word"],
        ),
        (
            "train = { panels = [0, 7] }\n",
            4,
            &["step 7, which is not kept"],
        ),
        (
            "train = { seed = 7 }\ntokens = [\"a\"]\n",
            5,
            &["drop `tokens`"],
        ),
        (
            "train = { steps = 2 }\n",
            4,
            &["does not show what the book says", "more `steps`"],
        ),
    ];
    for (body, line, words) in cases {
        let text = format!("# T\n\n```attention\n{body}```\n");
        let err = render(&text).expect_err(body);
        assert!(err.contains(&format!("line: {line}")), "{body}: {err}");
        for w in words {
            assert!(err.contains(w), "{body}: `{w}` not in {err}");
        }
    }
    // A seed whose model answers right without looking where the chapter says it does.
    let err = render(&block("seed = 11", "\"loss\"")).unwrap_err();
    assert!(
        err.contains("the verb puts 0.62 of its attention on its subject"),
        "{err}"
    );
    // A training view on a block that trains nothing.
    let text = "# T\n\n```attention\ntokens = [\"a\"]\nembeddings = [[1.0]]\nw_q = [[1.0]]\nw_k = [[1.0]]\nw_v = [[1.0]]\nshow = [\"loss\"]\n```\n";
    let err = render(text).unwrap_err();
    assert!(err.contains("the loss view shows a training run"), "{err}");
}

/// `ATTENTION_BOOK_CACHE` set but empty is unset: kept runs never land in the current folder.
#[test]
fn an_empty_cache_variable_does_not_mean_the_current_folder() {
    let book = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(book.path().join("src")).unwrap();
    std::fs::write(
        book.path().join("book.toml"),
        "[book]\ntitle = \"t\"\n\n[preprocessor.attention]\ncommand = \"mdbook-attention\"\n",
    )
    .unwrap();
    std::fs::write(book.path().join("src/SUMMARY.md"), "# S\n\n- [T](t.md)\n").unwrap();
    std::fs::write(book.path().join("src/t.md"), block("seed = 7", "\"loss\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mdbook-attention"))
        .arg("check")
        .arg(book.path())
        .current_dir(cwd.path())
        .env("ATTENTION_BOOK_CACHE", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "written into the current folder: {left:?}");
}
