//! A real trained model through our core: all-MiniLM-L6-v2, fetched into the cache by
//! `mdbook-attention model fetch` (tests/run-all.sh runs it first).
//!
//! - End to end: the sentence embeddings of "A man is eating food." and "A man is eating a piece
//!   of bread." have cosine similarity 0.7553, the figure sentence-transformers documents.
//! - Every layer's every head agrees with an independent numpy encoder to 1e-6
//!   (`tests/reference/bert_numpy.py`, run with `ATTENTION_PYTHON`).

use mdbook_attention::core::bert::{forward, sentence_embedding};
use mdbook_attention::model::Model;
use serde_json::json;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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

#[test]
#[ignore]
fn survey_heads() {
    let (model, _) = minilm();
    let (tokens, ids) = model.tokenize("The black cat ate fish").unwrap();
    let start = std::time::Instant::now();
    let out = forward(&model.weights, &ids).unwrap();
    eprintln!("forward {:?}", start.elapsed());
    let at = |t: &str| tokens.iter().position(|x| x == t).unwrap();
    for l in 0..6 {
        for h in 0..12 {
            let w = out.weights(l, h);
            let row = |t: &str| {
                (0..tokens.len())
                    .map(|j| format!("{:.2}", w[[at(t), j]]))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            eprintln!(
                "L{} H{}: cat [{}] ate [{}]",
                l + 1,
                h + 1,
                row("cat"),
                row("ate")
            );
        }
    }
    let embed = |text: &str| {
        let (_, ids) = model.tokenize(text).unwrap();
        sentence_embedding(&forward(&model.weights, &ids).unwrap().last_hidden)
    };
    eprintln!(
        "cosine {:.6}",
        embed("A man is eating food.").dot(&embed("A man is eating a piece of bread."))
    );
}
