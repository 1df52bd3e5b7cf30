//! Criterion benchmarks: the core at several sizes, one block through parse → compute → render,
//! a chapter of 1,000 blocks, and a 1 MB chapter with no block. `cargo bench --bench core`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mdbook_attention::core::{AttentionInput, Mask, Projection, Qkv};
use mdbook_attention::examples::Examples;
use mdbook_attention::{chapter, markdown};
use ndarray::Array2;
use std::hint::black_box;

fn input(n: usize, d: usize) -> AttentionInput {
    let m = |r: usize, c: usize, seed: usize| {
        Array2::from_shape_fn((r, c), |(i, j)| {
            (((i * 31 + j * 17 + seed) % 23) as f64 - 11.0) / 10.0
        })
    };
    AttentionInput {
        qkv: Qkv::Projected(Projection {
            embeddings: m(n, d, 1),
            w_q: m(d, d, 2),
            w_k: m(d, d, 3),
            w_v: m(d, d, 4),
        }),
        mask: Mask::Causal,
        scale: None,
        query_overrides: vec![],
        positions: None,
        rope: None,
    }
}

const FIVE_TOKEN_BLOCK: &str = "```attention\ntokens = [\"The\", \"black\", \"cat\", \"ate\", \"fish\"]\nembeddings = [[0.1, 0.1, 0.1], [0.85, 0.24, 0.28], [0.2, 0.8, 0.1], [0.1, 0.2, 0.9], [0.1, 0.7, 0.4]]\nw_q = [[1.0, 0.2, 0.5], [0.1, 0.9, 0.1], [0.2, 0.1, 0.8]]\nw_k = [[0.8, 1.1, 0.2], [0.9, 0.1, 0.1], [0.1, 0.3, 0.9]]\nw_v = [[0.6, 0.9, 1.1], [0.4, 0.2, 0.7], [0.9, 0.3, 0.5]]\nshow = [\"heatmap\"]\n```\n";

#[path = "../common/mod.rs"]
mod common;

fn core(c: &mut Criterion) {
    let mut group = c.benchmark_group("core");
    for d in [3, 64] {
        for n in [5, 16, 64, 256] {
            let x = input(n, d);
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new(format!("d{d}"), n), &x, |b, x| {
                b.iter(|| black_box(x.compute().unwrap()))
            });
        }
    }
    group.finish();
}

fn blocks(c: &mut Criterion) {
    let examples = Examples::default();
    let mut group = c.benchmark_group("block");
    group.throughput(Throughput::Elements(1));
    group.bench_function("five tokens: parse, compute, render", |b| {
        b.iter(|| chapter::process(black_box(FIVE_TOKEN_BLOCK), "b.md", &examples).unwrap())
    });
    let big = common::synthetic_block(
        64,
        3,
        "\"embeddings\", \"qkv\", \"scores\", \"output\", \"heatmap\", \"controls\"",
    );
    group.bench_function("64 tokens, every view", |b| {
        b.iter(|| chapter::process(black_box(&big), "b.md", &examples).unwrap())
    });
    let heads = common::synthetic_heads_block(
        64,
        8,
        8,
        "\"embeddings\", \"positions\", \"qkv\", \"scores\", \"output\", \"heads\", \"combine\", \"heatmap\", \"controls\"",
    );
    group.bench_function("8 heads × 64 tokens, every view", |b| {
        b.iter(|| chapter::process(black_box(&heads), "b.md", &examples).unwrap())
    });
    group.finish();

    let book: String = (0..1000)
        .map(|i| format!("Paragraph {i}.\n\n{FIVE_TOKEN_BLOCK}\n"))
        .collect();
    let mut group = c.benchmark_group("chapter");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000 five-token blocks", |b| {
        b.iter(|| chapter::process(black_box(&book), "b.md", &examples).unwrap())
    });
    let plain: String =
        "Some *prose* with `code`, [links](x.md) and a | table | row.\n\n".repeat(1_000_000 / 64);
    group.throughput(Throughput::Bytes(plain.len() as u64));
    group.bench_function("1 MB chapter, no block", |b| {
        b.iter(|| markdown::find(black_box(&plain)))
    });
    group.finish();
}

fn training(c: &mut Criterion) {
    use mdbook_attention::core::training::{TrainingConfig, train};
    let mut group = c.benchmark_group("training");
    group.sample_size(20);
    group.bench_function("the book's run: 100 steps of Adam on 240 sentences", |b| {
        b.iter(|| train(black_box(&TrainingConfig::default())).unwrap())
    });
    group.finish();
}

/// The real model, when it has been fetched (`mdbook-attention model fetch`).
fn model(c: &mut Criterion) {
    use mdbook_attention::core::bert::forward;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(folder) = mdbook_attention::mdbook::models_of(root)
        .ok()
        .and_then(|m| m.get("minilm").map(|s| s.folder("minilm", root)))
        .filter(|f| f.join("model.safetensors").is_file())
    else {
        eprintln!("the model is not fetched: no model figures");
        return;
    };
    let model = mdbook_attention::pretrained::Model::load(&folder).unwrap();
    // Sixteen word pieces, [CLS] and [SEP] included.
    let text = "The black cat ate the fish because it was very hungry after the day";
    let (tokens, ids) = model.tokenize(text).unwrap();
    assert_eq!(tokens.len(), 16, "{tokens:?}");
    let mut group = c.benchmark_group("model");
    group.sample_size(20);
    group.bench_function("all-MiniLM-L6-v2: 16 word pieces through 6 layers", |b| {
        b.iter(|| forward(&model.weights, black_box(&ids)).unwrap())
    });
    group.bench_function("all-MiniLM-L6-v2: read the folder (cold start)", |b| {
        b.iter(|| mdbook_attention::pretrained::Model::load(black_box(&folder)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, core, blocks, training, model);
criterion_main!(benches);
