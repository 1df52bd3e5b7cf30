//! The numbers of multi-head widgets — every head's q, k, v, scores, weights and output, the
//! combined output, the positions — against an independent numpy implementation
//! (`tests/reference/attention_numpy.py`), to 1e-12 relative. The cases are random blocks, read
//! back from the data contract each widget embeds, so the check covers what readers download.
//!
//! numpy is set up by `tests/run-all.sh` (a virtual environment under `target/`), which names its
//! interpreter in `ATTENTION_PYTHON`; without it this test says so and checks nothing.

use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;
use serde_json::json;
use std::process::Command;

mod common;
use common::{Rng, widget_data};

/// The draws of this test.
impl Rng {
    fn index(&mut self, n: u64) -> usize {
        self.below(n) as usize
    }
    /// A value as authors write them: two decimals between -2 and 2.
    fn value(&mut self) -> String {
        format!("{:.2}", self.index(401) as f64 / 100.0 - 2.0)
    }
    fn matrix(&mut self, rows: usize, cols: usize) -> String {
        let rows: Vec<String> = (0..rows)
            .map(|_| {
                let row: Vec<String> = (0..cols).map(|_| self.value()).collect();
                format!("[{}]", row.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    }
}

const KINDS: [&str; 4] = ["none", "sinusoidal", "learned", "rope"];

/// One random block and the kind of positions it adds.
fn random_block(rng: &mut Rng) -> (String, &'static str) {
    let n = 1 + rng.index(12);
    let heads = 1 + rng.index(4);
    let d_model = 2 * (1 + rng.index(4));
    let d_k = 2 * (1 + rng.index(2));
    let kind = KINDS[rng.index(4)];
    let tokens: Vec<String> = (0..n).map(|i| format!("\"w{i}\"")).collect();
    let mut toml = format!(
        "tokens = [{}]\nembeddings = {}\nshow = [\"heatmap\"]\n",
        tokens.join(", "),
        rng.matrix(n, d_model)
    );
    if rng.index(2) == 0 {
        toml.push_str("mask = \"causal\"\n");
    }
    match kind {
        "none" => {}
        "learned" => toml.push_str(&format!("positions = {}\n", rng.matrix(n, d_model))),
        "rope" if rng.index(2) == 0 => toml.push_str("positions = \"rope\"\nrope_base = 100\n"),
        other => toml.push_str(&format!("positions = \"{other}\"\n")),
    }
    if heads == 1 {
        toml.push_str(&format!(
            "w_q = {}\nw_k = {}\nw_v = {}\n",
            rng.matrix(d_k, d_model),
            rng.matrix(d_k, d_model),
            rng.matrix(d_k, d_model)
        ));
    } else {
        toml.push_str("heads = [\n");
        for _ in 0..heads {
            toml.push_str(&format!(
                "  {{ w_q = {}, w_k = {}, w_v = {} }},\n",
                rng.matrix(d_k, d_model),
                rng.matrix(d_k, d_model),
                rng.matrix(d_k, d_model)
            ));
        }
        toml.push_str(&format!("]\nw_o = {}\n", rng.matrix(d_model, heads * d_k)));
    }
    (format!("```attention\n{toml}```\n"), kind)
}

#[test]
fn numpy_recomputes_random_multi_head_widgets_from_their_data() {
    let Some(python) = std::env::var_os("ATTENTION_PYTHON") else {
        eprintln!(
            "ATTENTION_PYTHON is not set: the numpy reference is not run (tests/run-all.sh sets it)"
        );
        return;
    };
    let mut rng = Rng(0x00DD_BA11);
    let examples = Examples::default();
    let mut cases = Vec::new();
    let mut kinds_seen = std::collections::BTreeSet::new();
    for _ in 0..600 {
        let (block, kind) = random_block(&mut rng);
        let html = chapter::process(&block, "reference.md", &examples)
            .unwrap_or_else(|e| panic!("{block}\nfailed: {e:?}"));
        kinds_seen.insert(kind);
        cases.push(json!({ "kind": kind, "data": widget_data(&html) }));
    }
    assert_eq!(
        kinds_seen.len(),
        KINDS.len(),
        "every kind of positions is drawn"
    );
    let heads = cases
        .iter()
        .filter(|c| c["data"]["heads"].is_array())
        .count();
    assert!(heads > 300, "most cases have several heads ({heads})");
    let path =
        std::env::temp_dir().join(format!("attention-reference-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/attention_numpy.py"
        ))
        .arg(&path)
        .output()
        .expect("the Python named by ATTENTION_PYTHON runs");
    let _ = std::fs::remove_file(&path);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the numpy reference disagrees:\n{said}"
    );
    assert!(said.contains("600 widgets agree"), "{said}");
    eprintln!("{said}");
}
