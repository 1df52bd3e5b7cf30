//! Whole-book figures, as ratios taken in one run (`cargo bench --bench book`):
//! - this book built in-process, against the same book with its attention blocks left as plain
//!   code blocks (what preprocessing adds);
//! - the in-process build against mdbook-driver running our binary through the protocol, as the
//!   stock `mdbook build` does;
//! - growth with the number of tokens: time per block, page bytes, HTML bytes per heatmap cell;
//! - a chapter edit under `serve`: rebuild time plus the watcher's debounce.
//!
//! It also leaves a built 5- and 64-token book in target/bench-books/ for the browser figures
//! (tests/browser/bench.js).

use mdbook_attention::examples::Examples;
use mdbook_attention::{chapter, cli, serve};
use mdbook_driver::MDBook;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../common/mod.rs"]
mod common;
use common::{ROOT, copy_book_into as copy_book, synthetic_block as block};
const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");
const RUNS: usize = 9;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Alternates the builders so that machine noise falls on all of them alike.
/// A named way to build a book.
type Builder<'a> = (&'a str, Box<dyn FnMut()>);

fn race(builders: &mut [Builder]) -> Vec<Duration> {
    let mut times = vec![Vec::new(); builders.len()];
    for _ in 0..RUNS {
        for (i, (_, build)) in builders.iter_mut().enumerate() {
            let start = Instant::now();
            build();
            times[i].push(start.elapsed());
        }
    }
    times.into_iter().map(median).collect()
}

/// Each widget of a preprocessed chapter cut to its `<script type="application/json">` elements.
fn widgets_cut_to_data(html: &str) -> String {
    const OPEN: &str = "<figure class=\"attention-widget\"";
    const DATA: &str = "<script type=\"application/json\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let end =
            start + rest[start..].find("</figure>").expect("a widget ends") + "</figure>".len();
        let mut widget = &rest[start..end];
        out.push_str("<figure class=\"attention-widget\">");
        while let Some(d) = widget.find(DATA) {
            let close = d + widget[d..].find("</script>").unwrap() + "</script>".len();
            out.push_str(&widget[d..close]);
            widget = &widget[close..];
        }
        out.push_str("</figure>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let with = scratch.path().join("with");
    let plain = scratch.path().join("plain");
    let protocol = scratch.path().join("protocol");
    for dir in [&with, &plain, &protocol] {
        copy_book(dir);
    }
    // The plain book: every attention block becomes a text block, inline values stay code.
    for entry in std::fs::read_dir(plain.join("src")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(
                &path,
                text.replace("```attention", "```text")
                    .replace("`attn: ", "`"),
            )
            .unwrap();
        }
    }
    let toml = std::fs::read_to_string(protocol.join("book.toml")).unwrap();
    let toml = toml
        .lines()
        .map(|l| {
            if l.starts_with("command = ") {
                format!("command = {BIN:?}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(protocol.join("book.toml"), toml).unwrap();

    let (mut examples, problems) =
        Examples::load(&with.join("src/examples.toml"), "src/examples.toml");
    // The book's models, as the build reads them from book.toml.
    examples.models = mdbook_attention::block::Models {
        sources: mdbook_attention::mdbook::models_of(&with).unwrap(),
        root: with.clone(),
        ..Default::default()
    };
    assert!(problems.is_empty());
    let chapters: Vec<(String, String)> = std::fs::read_dir(with.join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    // Where the difference goes: the same book with its chapters already preprocessed (mdBook
    // rendering our HTML, nothing computed), and with each widget cut to its embedded data (what
    // the data contract alone costs).
    let preprocessed = scratch.path().join("preprocessed");
    let data_only = scratch.path().join("data-only");
    for (dir, cut) in [(&preprocessed, false), (&data_only, true)] {
        copy_book(dir);
        for (name, text) in &chapters {
            let html = chapter::process(text, name, &examples).unwrap();
            let html = if cut {
                widgets_cut_to_data(&html)
            } else {
                html
            };
            let file = Path::new(name).file_name().unwrap();
            std::fs::write(dir.join("src").join(file), html).unwrap();
        }
    }
    let (w, p, q) = (with.clone(), plain.clone(), protocol.clone());
    let (wp, pp) = (with.clone(), plain.clone());
    let (sp, dp) = (preprocessed.clone(), data_only.clone());
    // A build as a reader runs it: a fresh process each time, so nothing a process keeps in
    // memory (a training run, a model's run) carries over; what is kept on disk does.
    let process = |dir: PathBuf| {
        move || {
            let status = std::process::Command::new(BIN)
                .arg("build")
                .arg(&dir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        }
    };
    let times = race(&mut [
        (
            "with widgets",
            Box::new(move || drop(cli::build(&w, None).unwrap())),
        ),
        (
            "blocks as plain code",
            Box::new(move || drop(cli::build(&p, None).unwrap())),
        ),
        (
            "through the protocol",
            Box::new(move || MDBook::load(&q).unwrap().build().unwrap()),
        ),
        ("with widgets, a process", Box::new(process(wp))),
        ("blocks as plain code, a process", Box::new(process(pp))),
        (
            "chapters already preprocessed, a process",
            Box::new(process(sp)),
        ),
        (
            "widgets cut to their data, a process",
            Box::new(process(dp)),
        ),
    ]);
    println!("## This book, built {RUNS} times each, medians\n");
    println!("| build | median ms | ratio |");
    println!("|---|---:|---:|");
    println!(
        "| blocks left as plain code blocks | {:.1} | 1.00 |",
        ms(times[1])
    );
    println!(
        "| `mdbook-attention build` (in-process) | {:.1} | {:.2} |",
        ms(times[0]),
        ms(times[0]) / ms(times[1])
    );
    println!(
        "| mdbook-driver running our binary by `command` (as stock `mdbook build`) | {:.1} | {:.2} |",
        ms(times[2]),
        ms(times[2]) / ms(times[1])
    );
    println!(
        "| as processes: `mdbook-attention build`, against blocks left as code | {:.1} / {:.1} | {:.2} |",
        ms(times[3]),
        ms(times[4]),
        ms(times[3]) / ms(times[4])
    );
    println!(
        "\nWhere the process build's difference goes: chapters already preprocessed (mdBook rendering \
         the widgets, nothing computed) {:.1} ms ({:.2}); widgets cut to their embedded data {:.1} ms \
         ({:.2}). So preprocessing costs {:.1} ms, the widgets' HTML in mdBook {:.1} ms, their data \
         {:.1} ms.",
        ms(times[5]),
        ms(times[5]) / ms(times[4]),
        ms(times[6]),
        ms(times[6]) / ms(times[4]),
        ms(times[3]) - ms(times[5]),
        ms(times[5]) - ms(times[6]),
        ms(times[6]) - ms(times[4]),
    );

    // Preprocessing alone, every chapter of the book.
    let pre = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                for (name, text) in &chapters {
                    chapter::process(text, name, &examples).unwrap();
                }
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "\nPreprocessing every chapter of this book alone: {:.2} ms median.\n",
        ms(pre)
    );

    println!("## Growth with the number of tokens (d = 3)\n");
    println!(
        "| tokens | views | preprocess one block, ms | widget HTML bytes | HTML bytes per heatmap cell |"
    );
    println!("|---:|---|---:|---:|---:|");
    let examples = Examples::default();
    for n in [5, 16, 64, 128] {
        for (label, show) in [
            ("heatmap", "\"heatmap\""),
            (
                "all",
                "\"embeddings\", \"projection\", \"qkv\", \"scores\", \"output\", \"heatmap\", \"controls\"",
            ),
        ] {
            let text = block(n, 3, show);
            let time = median(
                (0..RUNS)
                    .map(|_| {
                        let start = Instant::now();
                        let out = chapter::process(&text, "g.md", &examples).unwrap();
                        std::hint::black_box(out);
                        start.elapsed()
                    })
                    .collect(),
            );
            let heat = chapter::process(&block(n, 3, "\"heatmap\""), "g.md", &examples).unwrap();
            let html = chapter::process(&text, "g.md", &examples).unwrap();
            println!(
                "| {n} | {label} | {:.3} | {} | {:.0} |",
                ms(time),
                html.len(),
                heat.len() as f64 / (n * n) as f64
            );
        }
    }

    // A chapter edit under serve: the rebuild after the watcher's 50 ms debounce.
    let edit = median(
        (0..RUNS)
            .map(|i| {
                std::fs::write(
                    with.join("src/why-attention.md"),
                    format!("# Why attention\n\nEdit {i}.\n"),
                )
                .unwrap();
                let start = Instant::now();
                let scratch = tempfile::tempdir().unwrap();
                serve::build_for_serving(&with, scratch.path(), 0).unwrap();
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "\nA chapter edit under `serve`: rebuild {:.1} ms median, + 50 ms debounce = {:.1} ms to reload.\n",
        ms(edit),
        ms(edit) + 50.0
    );

    // Books for the browser figures: single heads of 5 and 64 tokens, then 4 heads on 5 tokens
    // and 8 on 64.
    let out = PathBuf::from(ROOT).join("target/bench-books");
    let figures = [5, 64].map(|n| {
        (
            format!("tokens-{n}"),
            block(n, 3, "\"scores\", \"heatmap\", \"controls\""),
        )
    });
    let heads = [(4, 5), (8, 64)].map(|(h, n)| {
        (
            format!("heads-{h}x{n}"),
            common::synthetic_heads_block(
                n,
                8,
                h,
                "\"scores\", \"heads\", \"combine\", \"controls\"",
            ),
        )
    });
    for (name, figure) in figures.into_iter().chain(heads) {
        let book = scratch.path().join(&name);
        std::fs::create_dir_all(book.join("src")).unwrap();
        std::fs::write(
            book.join("book.toml"),
            "[book]\ntitle = \"bench\"\n[preprocessor.attention]\n",
        )
        .unwrap();
        mdbook_attention::install::install(&book).unwrap();
        std::fs::write(book.join("src/SUMMARY.md"), "# S\n\n- [W](w.md)\n").unwrap();
        std::fs::write(book.join("src/w.md"), format!("# W\n\n{figure}")).unwrap();
        cli::build(&book, Some(&out.join(&name))).unwrap();
    }
    println!("Browser books written to {}", out.display());
}
