//! The decode view as an author and a reader of its data meet it: every step of many random
//! causal blocks is row t of the block's attention, bit for bit, in the data the page embeds;
//! `decode[t]` names a step's result with its own rows and columns; and what is wrong is said
//! once, at its cause.

mod common;

use common::{Rng, widget_data};
use mdbook_attention::chapter;
use mdbook_attention::examples::Examples;

fn process(block: &str) -> Result<String, String> {
    let text = format!("# D\n\n```attention\n{block}```\n");
    chapter::process(&text, "src/d.md", &Examples::default()).map_err(|problems| {
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn matrix(rng: &mut Rng, rows: usize, cols: usize) -> String {
    let row = |rng: &mut Rng| {
        let xs: Vec<String> = (0..cols)
            .map(|_| format!("{:.3}", rng.unit() * 4.0 - 2.0))
            .collect();
        format!("[{}]", xs.join(", "))
    };
    let rows: Vec<String> = (0..rows).map(|_| row(rng)).collect();
    format!("[{}]", rows.join(", "))
}

fn rows(v: &serde_json::Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn every_step_of_many_random_blocks_is_row_t_of_the_blocks_attention() {
    let mut rng = Rng(0x0DEC_0DE5);
    let mut kinds = [0usize; 3];
    for case in 0..200 {
        let n = 1 + rng.below(9) as usize;
        let d = 1 + rng.below(5) as usize;
        let d_k = 2 * (1 + rng.below(3) as usize);
        let d_v = 1 + rng.below(4) as usize;
        let tokens: Vec<String> = (0..n).map(|i| format!("\"t{i}\"")).collect();
        let mut block = format!(
            "tokens = [{}]\nembeddings = {}\nw_q = {}\nw_k = {}\nw_v = {}\nmask = \"causal\"\nshow = [\"decode\"]\n",
            tokens.join(", "),
            matrix(&mut rng, n, d),
            matrix(&mut rng, d_k, d),
            matrix(&mut rng, d_k, d),
            matrix(&mut rng, d_v, d),
        );
        // Word order, a scale, a query set by hand: each must reach the steps as it reaches the
        // block's own attention.
        match rng.below(3) {
            0 => {
                block.push_str("positions = \"rope\"\n");
                kinds[0] += 1;
            }
            1 => {
                block.push_str("positions = \"sinusoidal\"\nposition_scale = 0.1\n");
                kinds[1] += 1;
            }
            _ => {}
        }
        if rng.below(3) == 0 {
            block.push_str(&format!("scale = {:.2}\n", rng.unit() * 3.0));
        }
        if rng.below(3) == 0 {
            block.push_str(&format!(
                "focus = \"t{}\"\nset_query = {{ 1 = 2.5 }}\n",
                rng.below(n as u64)
            ));
            kinds[2] += 1;
        }
        let html = process(&block).unwrap_or_else(|e| panic!("case {case}: {e}\n{block}"));
        let data = widget_data(&html);
        let (weights, output, k, v) = (
            rows(&data["weights"]),
            rows(&data["output"]),
            rows(&data["k"]),
            rows(&data["v"]),
        );
        let steps = data["decode"].as_array().unwrap();
        assert_eq!(steps.len(), n, "case {case}");
        for (t, step) in (1..=n).zip(steps) {
            assert_eq!(step["step"], t);
            let w = rows(&step["weights"]);
            assert_eq!(w[0].len(), t);
            // Bit for bit: the serialised numbers are the same numbers.
            assert_eq!(w[0], weights[t - 1][..t], "case {case} step {t}");
            assert!(weights[t - 1][t..].iter().all(|x| *x == 0.0));
            assert_eq!(
                rows(&step["output"])[0],
                output[t - 1],
                "case {case} step {t}"
            );
            assert_eq!(rows(&step["k_cache"]), k[..t], "case {case} step {t}");
            assert_eq!(rows(&step["v_cache"]), v[..t], "case {case} step {t}");
            assert_eq!(rows(&step["q"]).len(), 1);
        }
    }
    assert!(
        kinds.iter().all(|k| *k >= 30),
        "rotary, added positions and set queries all met: {kinds:?}"
    );
}

const RUNNING: &str = "tokens = [\"The\", \"black\", \"cat\", \"ate\", \"fish\"]\nembeddings = [[0.1, 0.1, 0.1], [0.85, 0.24, 0.28], [0.2, 0.8, 0.1], [0.1, 0.2, 0.9], [0.1, 0.7, 0.4]]\nw_q = [[1.0, 0.2, 0.5], [0.1, 0.9, 0.1], [0.2, 0.1, 0.8]]\nw_k = [[0.8, 1.1, 0.2], [0.9, 0.1, 0.1], [0.1, 0.3, 0.9]]\nw_v = [[0.6, 0.9, 1.1], [0.4, 0.2, 0.7], [0.9, 0.3, 0.5]]\n";

#[test]
fn a_step_is_named_decode_t_with_its_own_rows_and_columns() {
    let ok = |claims: &str| {
        process(&format!(
            "{RUNNING}mask = \"causal\"\nshow = [\"decode\"]\nassert = [{claims}]\n"
        ))
    };
    ok("\"decode[3].weights[cat][black] == weights[cat][black]\", \"decode[3].k[black][1] == k[black][1]\", \"argmax(decode[5].weights[fish]) == black\", \"sum(decode[2].weights[black]) == 1\"").unwrap();
    // A step's one row is its new token; its columns are the tokens written so far.
    let err = ok("\"decode[3].weights[fish][cat] > 0\"").unwrap_err();
    assert!(err.contains("fish"), "{err}");
    let err = ok("\"decode[2].weights[black][cat] > 0\"").unwrap_err();
    assert!(err.contains("cat"), "{err}");
    let err = ok("\"decode[6].weights[fish][cat] > 0\"").unwrap_err();
    assert!(err.contains("decode[6]"), "{err}");
    // A step is given its query, keys and values: it has no embeddings of its own.
    let err = ok("\"decode[3].embeddings[cat][1] > 0\"").unwrap_err();
    assert!(err.contains("no embeddings or weights of its own"), "{err}");
}

#[test]
fn the_decode_view_asks_for_the_causal_mask_once_at_its_cause() {
    let err = process(&format!("{RUNNING}show = [\"decode\", \"heatmap\"]\n")).unwrap_err();
    assert_eq!(err.lines().count(), 1, "one problem: {err}");
    assert!(
        err.contains("the decode view writes the sentence one token at a time")
            && err.contains("`mask = \"causal\"`"),
        "{err}"
    );
    let err = process(&format!("{RUNNING}mask = \"none\"\nshow = [\"decode\"]\n")).unwrap_err();
    assert!(err.contains("src/d.md:9"), "at the mask line: {err}");
    // A sentence too long to write step by step says so, with the numbers.
    let long: Vec<String> = (0..128).map(|i| format!("\"w{i}\"")).collect();
    let mut rng = Rng(7);
    let block = format!(
        "tokens = [{}]\nembeddings = {}\nw_q = {}\nw_k = {}\nw_v = {}\nmask = \"causal\"\nshow = [\"decode\"]\n",
        long.join(", "),
        matrix(&mut rng, 128, 8),
        matrix(&mut rng, 8, 8),
        matrix(&mut rng, 8, 8),
        matrix(&mut rng, 8, 8)
    );
    let err = process(&block).unwrap_err();
    assert!(
        err.contains("decode") && err.contains("more than the 65536"),
        "{err}"
    );
}
