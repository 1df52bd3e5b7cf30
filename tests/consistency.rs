//! The browser must never show a number the book does not: 10,000 random cases computed by the
//! Rust core are recomputed by `theme/attention.js` under node, field by field.

use mdbook_attention::core;
use mdbook_attention::core::{AttentionInput, Given, Mask, Projection, Qkv, QueryOverride};
use mdbook_attention::render::format::fmt;
use mdbook_attention::render::pencil;
use ndarray::Array2;
use serde_json::{Value, json};
use std::io::Write;
use std::process::Command;

mod common;
use common::Rng;

/// The draws of this test.
impl Rng {
    /// Mostly ordinary values, sometimes tiny, large, exact ties or zero.
    fn value(&mut self) -> f64 {
        let sign = if self.below(2) == 0 { -1.0 } else { 1.0 };
        match self.below(20) {
            0 => 0.0,
            1 => sign * 1e-300 * self.unit(),
            2 => sign * 1e6 * self.unit(),
            3 => sign * (self.below(64) as f64) / 8.0,
            4 => sign * 40.0 * self.unit(),
            _ => sign * 3.0 * self.unit(),
        }
    }
    fn matrix(&mut self, rows: usize, cols: usize) -> Array2<f64> {
        Array2::from_shape_fn((rows, cols), |_| self.value())
    }
}

fn rows(m: &Array2<f64>) -> Value {
    json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}
fn opt_rows(m: &Array2<Option<f64>>) -> Value {
    json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

#[test]
fn javascript_recomputes_ten_thousand_random_cases_like_the_core() {
    let mut rng = Rng(0x5EED_CA75);
    let path = std::env::temp_dir().join(format!(
        "attention-consistency-{}.jsonl",
        std::process::id()
    ));
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut written = 0;
    let mut masks_seen = [0usize; 3];
    // Cases with several heads; with added positions; with rotary positions; given as q, k, v.
    let mut kinds_seen = [0usize; 4];
    while written < 10_000 {
        let n = if rng.below(20) == 0 {
            1 + rng.below(64) as usize
        } else {
            1 + rng.below(8) as usize
        };
        let d = 1 + rng.below(6) as usize;
        let d_k = 1 + rng.below(6) as usize;
        let d_v = 1 + rng.below(6) as usize;
        let (mask, mask_json) = match rng.below(3) {
            0 => (Mask::None, json!("none")),
            1 => (Mask::Causal, json!("causal")),
            _ => {
                // Some rows end up fully masked.
                let m = Array2::from_shape_fn((n, n), |_| rng.below(3) != 0);
                let j = json!(m.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>());
                (Mask::Explicit(m), j)
            }
        };
        let scale = match rng.below(5) {
            0 => Some(0.0),
            1 => Some(-rng.unit() * 3.0),
            2 => Some(rng.unit() * 100.0),
            _ => None,
        };
        let overrides = if rng.below(4) == 0 {
            vec![QueryOverride {
                token: rng.below(n as u64) as usize,
                dim: rng.below(d_k as u64) as usize,
                value: rng.value(),
            }]
        } else {
            vec![]
        };
        // Word order: none, sinusoidal or learned positions added, or rotary.
        let (positions, rope) = match rng.below(4) {
            0 => (Some(core::positions::sinusoidal(n, d)), None),
            1 => (Some(rng.matrix(n, d)), None),
            2 => (None, Some(core::positions::Rope::new(n, d_k, 10000.0))),
            _ => (None, None),
        };
        // One case in five is a head given as its q, k and v (a real model's), with no added
        // positions (it has no embeddings for them).
        let qkv = if positions.is_none() && rng.below(5) == 0 {
            Qkv::Given(Given {
                q: rng.matrix(n, d_k),
                k: rng.matrix(n, d_k),
                v: rng.matrix(n, d_v),
            })
        } else {
            Qkv::Projected(Projection {
                embeddings: rng.matrix(n, d),
                w_q: rng.matrix(d_k, d),
                w_k: rng.matrix(d_k, d),
                w_v: rng.matrix(d_v, d),
            })
        };
        let input = AttentionInput {
            qkv,
            mask,
            scale,
            query_overrides: overrides.clone(),
            positions,
            rope,
        };
        let Ok(r) = input.compute() else { continue };
        // More heads on the same words, each with its own weights (and rotary tables), then W_O.
        let heads = rng.below(8) as usize;
        let mut more = Vec::new();
        for _ in 0..heads {
            let d_k = 1 + rng.below(6) as usize;
            let d_v = 1 + rng.below(4) as usize;
            if input.projection().is_none() {
                break;
            }
            let head = AttentionInput {
                query_overrides: vec![],
                rope: input
                    .rope
                    .as_ref()
                    .map(|_| core::positions::Rope::new(n, d_k, 10000.0)),
                ..input.with_weights(
                    &rng.matrix(d_k, d),
                    &rng.matrix(d_k, d),
                    &rng.matrix(d_v, d),
                )
            };
            if let Ok(result) = head.compute() {
                more.push((head, result));
            }
        }
        let outputs: Vec<_> = std::iter::once(r.output.view())
            .chain(more.iter().map(|(_, h)| h.output.view()))
            .collect();
        let concat = core::positions::concat(&outputs);
        let d_out = 1 + rng.below(4) as usize;
        let w_o = rng.matrix(d_out, concat.ncols());
        let combined = core::positions::combine(&concat, &w_o);
        kinds_seen[0] += usize::from(!more.is_empty());
        kinds_seen[1] += usize::from(input.positions.is_some());
        kinds_seen[2] += usize::from(input.rope.is_some());
        kinds_seen[3] += usize::from(input.projection().is_none());
        let input_json = |i: &AttentionInput| {
            let (embeddings, w_q, w_k, w_v, given) = match &i.qkv {
                Qkv::Projected(p) => (
                    Some(rows(&p.embeddings)),
                    Some(rows(&p.w_q)),
                    Some(rows(&p.w_k)),
                    Some(rows(&p.w_v)),
                    None,
                ),
                Qkv::Given(g) => (
                    None,
                    None,
                    None,
                    None,
                    Some(json!({"q": rows(&g.q), "k": rows(&g.k), "v": rows(&g.v)})),
                ),
            };
            json!({
                "embeddings": embeddings, "w_q": w_q, "w_k": w_k, "w_v": w_v, "given": given,
                "mask": mask_json, "scale": i.scale,
                "query_overrides": i.query_overrides.iter().map(|o| json!([o.token, o.dim, o.value])).collect::<Vec<_>>(),
                "positions": i.positions.as_ref().map(rows),
                "rope": i.rope.as_ref().map(|r| json!({"base": r.base, "cos": rows(&r.cos), "sin": rows(&r.sin)})),
            })
        };
        masks_seen[match input.mask {
            Mask::None => 0,
            Mask::Causal => 1,
            Mask::Explicit(_) => 2,
        }] += 1;
        let formatted: Vec<Value> = r
            .weights
            .iter()
            .chain(r.output.iter())
            .chain(r.q.iter())
            .take(40)
            .map(|x| json!([x, fmt(*x)]))
            .collect();
        // The pencil rule on this case's totals: row sums, output sums, a dot product, a quotient.
        let n = r.weights.nrows();
        let mut pencils = Vec::new();
        for i in 0..n.min(4) {
            let row = r.score_row(i);
            let exps = core::exps(&row);
            let total = exps.iter().fold(0.0, |s, e| s + e);
            let weights: Vec<f64> = (0..n).filter_map(|j| r.weight(i, j)).collect();
            let sum = r.weights.row(i).iter().fold(0.0, |s, w| s + w);
            pencils.push(json!([
                "sum",
                sum,
                weights,
                pencil::sum(sum, weights.iter().copied())
            ]));
            pencils.push(json!([
                "sum",
                total,
                exps,
                pencil::sum(total, exps.iter().copied())
            ]));
            for c in 0..r.v.ncols().min(2) {
                let terms: Vec<f64> = (0..n).map(|j| r.weighted_value(i, j, c)).collect();
                pencils.push(json!([
                    "sum",
                    r.output[[i, c]],
                    terms,
                    pencil::sum(r.output[[i, c]], terms.iter().copied())
                ]));
            }
            let pairs: Vec<(f64, f64)> = (0..r.q.ncols())
                .map(|d| (r.q[[i, d]], r.k[[0, d]]))
                .collect();
            let exact = core::dot(r.q.row(i), r.k.row(0));
            pencils.push(json!([
                "products",
                exact,
                pairs,
                pencil::sum_of_products(exact, pairs.iter().copied())
            ]));
            if total > 0.0 {
                pencils.push(json!([
                    "quotient",
                    r.weights[[i, 0]],
                    [exps[0], total],
                    pencil::quotient(r.weights[[i, 0]], exps[0], total)
                ]));
            }
        }
        let case = json!({
            "input": input_json(&input),
            "heads": more.iter().map(|(i, h)| json!({
                "input": input_json(i),
                "output": { "q": rows(&h.q), "k": rows(&h.k), "weights": rows(&h.weights), "output": rows(&h.output) },
            })).collect::<Vec<_>>(),
            "w_o": rows(&w_o),
            "combined": rows(&combined),
            "output": {
                "q": rows(&r.q), "k": rows(&r.k), "v": rows(&r.v), "dots": opt_rows(&r.dots), "scores": opt_rows(&r.scores),
                "weights": rows(&r.weights), "output": rows(&r.output), "scale": r.scale, "formatted": formatted,
                "pencil": pencils,
                "exps": (0..n).map(|i| core::exps(&r.score_row(i))).collect::<Vec<_>>(),
            },
        });
        writeln!(file, "{case}").unwrap();
        written += 1;
    }
    // The formatter on its own: ties, huge numbers, negative zero, and random doubles.
    let mut specials = vec![
        0.125,
        0.375,
        -0.625,
        2.675,
        1.005,
        -0.0,
        -0.001,
        1e15,
        999999999999999.9,
        1.125e18,
        1.135e18,
        1e300,
        -2.5e15,
        4503599627370497.5,
    ];
    specials.extend(
        (0..5000)
            .map(|_| f64::from_bits(rng.next()))
            .filter(|x| x.is_finite()),
    );
    specials.extend((0..5000).map(|_| (rng.below(200_000) as f64 - 100_000.0) / 8.0));
    let format_case =
        json!({ "format": specials.iter().map(|x| json!([x, fmt(*x)])).collect::<Vec<_>>() });
    writeln!(file, "{format_case}").unwrap();
    file.flush().unwrap();
    assert!(
        masks_seen.iter().all(|&m| m > 1000),
        "every mask is well represented: {masks_seen:?}"
    );
    assert!(
        kinds_seen[0] > 4000
            && kinds_seen[1] > 3000
            && kinds_seen[2] > 1500
            && kinds_seen[3] > 1000,
        "several heads, added and rotary positions, and given heads are well represented: {kinds_seen:?}"
    );

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/js/consistency.js");
    let out = Command::new("node")
        .arg(script)
        .arg(&path)
        .output()
        .expect("node runs (install Node.js)");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "JS and Rust disagree:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("10000 cases"), "{stdout}");
}
