//! "Reproduce with numpy": every program the book and the every-key fixture carry is run with
//! numpy, and what it prints must be the figure's weights as the book shows them, character for
//! character. A program that raises, or prints anything else, fails.
//!
//! numpy is set up by `tests/run-all.sh`, which names its interpreter in `ATTENTION_PYTHON`;
//! without it this test says so and checks nothing (it still checks which figures have one).

use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;
use mdbook_attention::render::python::{ROTATE_LINES, printed};
use ndarray::Array2;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;

/// Runs every program in one Python process, each in a namespace of its own, and returns what
/// each printed (or the error it raised, marked).
const DRIVER: &str = r#"
import contextlib, io, json, sys, traceback
outputs = []
for program in json.load(sys.stdin):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(program, "<figure>", "exec"), {"__name__": "__main__"})
        outputs.append(out.getvalue())
    except Exception:
        outputs.append("RAISED\n" + traceback.format_exc())
json.dump(outputs, sys.stdout)
"#;

/// Each widget of a chapter's HTML: its embedded data and its program, if it has one.
fn widgets(html: &str) -> Vec<(serde_json::Value, Option<String>)> {
    html.split("<figure class=\"attention-widget\">")
        .skip(1)
        .map(|w| {
            let program = w
                .split("<script type=\"text/x-python\">")
                .nth(1)
                .map(|p| p.split("</script>").next().unwrap_or("").to_string());
            (common::widget_data(w), program)
        })
        .collect()
}

/// What the figure shows, printed as the program prints it: each head's weights (⨯ where the
/// score is masked).
fn expected(data: &serde_json::Value) -> String {
    let tokens: Vec<String> = data["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    // Across two sentences the English words are the columns.
    let keys: Vec<String> = match data["source_tokens"].as_array() {
        Some(source) => source
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect(),
        None => tokens.clone(),
    };
    let (n, m) = (tokens.len(), keys.len());
    let matrix = |head: &serde_json::Value| {
        Array2::from_shape_fn((n, m), |(i, j)| {
            head["scores"][i][j]
                .as_f64()
                .map(|_| head["weights"][i][j].as_f64().unwrap())
        })
    };
    match data["heads"].as_array() {
        Some(heads) => heads
            .iter()
            .enumerate()
            .map(|(h, head)| printed(&format!("Head {}", h + 1), &tokens, &keys, &matrix(head)))
            .collect(),
        None => printed("Attention weights", &tokens, &keys, &matrix(data)),
    }
}

fn chapters(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_program_prints_its_figures_weights_as_the_book_shows_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<(String, String, String)> = Vec::new();
    let mut without = 0;
    for book in [root.to_path_buf(), root.join("tests/fixtures/every-key")] {
        let (mut examples, problems) =
            Examples::load(&book.join("src/examples.toml"), "src/examples.toml");
        assert!(problems.is_empty(), "{problems:?}");
        examples.models = mdbook_attention::block::Models {
            sources: mdbook_attention::mdbook::models_of(&book).unwrap(),
            root: book.clone(),
            ..Default::default()
        };
        for (name, text) in chapters(&book.join("src")) {
            let html = chapter::process(&text, &name, &examples).unwrap();
            for (data, program) in widgets(&html) {
                // Weights of its own: written, trained, or a translation's (given its inputs).
                let own_weights = data.get("embeddings").is_some();
                match program {
                    Some(p) => {
                        assert!(
                            own_weights,
                            "{name}: a program for a figure without weights of its own"
                        );
                        // A hand-set single head reads in one screen; a trained one (8 × 8 weights
                        // of 17 digits) has more rows to write.
                        let rows = ["embeddings", "w_q", "w_k", "w_v"]
                            .iter()
                            .map(|k| data[k].as_array().map_or(0, Vec::len))
                            .sum::<usize>();
                        let most = 40
                            + if p.contains("def rotate") {
                                ROTATE_LINES
                            } else {
                                0
                            };
                        if data["heads"].is_null() && rows <= 16 {
                            assert!(
                                p.lines().count() <= most,
                                "{name}: {} lines:\n{p}",
                                p.lines().count()
                            );
                        }
                        cases.push((name.clone(), p, expected(&data)));
                    }
                    None => {
                        assert!(
                            !own_weights,
                            "{name}: a figure with its own weights has no program"
                        );
                        without += 1;
                    }
                }
            }
        }
    }
    assert!(cases.len() >= 40, "{} programs", cases.len());
    assert!(
        without > 0,
        "the real model's figures and the translations have none (yet)"
    );
    let Ok(python) = std::env::var("ATTENTION_PYTHON") else {
        eprintln!(
            "ATTENTION_PYTHON is not set: the programs were not run (tests/run-all.sh sets it)"
        );
        return;
    };
    let mut child = Command::new(python)
        .args(["-c", DRIVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let programs: Vec<&str> = cases.iter().map(|(_, p, _)| p.as_str()).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&programs).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let printed: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    for ((name, program, wanted), got) in cases.iter().zip(&printed) {
        assert_eq!(
            got, wanted,
            "{name}: the program\n{program}\nprinted\n{got}"
        );
    }
}
