//! Shared by the integration tests and benches: copies of books in temporary folders, and
//! synthetic attention blocks. Each test crate uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// xorshift64*: small, seeded, the same cases every run. Each test adds the draws it needs.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// This repository's book (book.toml, src/, theme/), copied into `to`.
pub fn copy_book_into(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(Path::new(ROOT).join("book.toml"), to.join("book.toml")).unwrap();
    for sub in ["src", "theme"] {
        copy_dir(&Path::new(ROOT).join(sub), &to.join(sub));
    }
}

/// This repository's book in a temporary folder.
pub fn copy_book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_book_into(dir.path());
    dir
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(ROOT).join("tests/fixtures").join(name)
}

/// A fixture book in a temporary folder, adopted as any book adopts the widgets: `install`
/// writes the scripts and the stylesheet and lists them in its book.toml.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), dir.path());
    mdbook_attention::install::install(dir.path()).unwrap();
    dir
}

/// A book that is not ours: a comment to keep, its own stylesheet, one attention block.
pub fn someone_elses_book(book_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), book_toml).unwrap();
    std::fs::write(dir.path().join("custom.css"), "body { }\n").unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/SUMMARY.md"),
        "# Summary\n\n- [One](one.md)\n",
    )
    .unwrap();
    let block = "```attention\ntokens = [\"x\", \"y\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\nw_q = [[1.0, 0.0]]\nw_k = [[1.0, 0.0]]\nw_v = [[1.0, 2.0]]\nshow = [\"heatmap\", \"controls\"]\n```\n";
    std::fs::write(dir.path().join("src/one.md"), format!("# One\n\n{block}")).unwrap();
    dir
}

/// A block of `n` tokens and `d` dimensions with the given `show` list (written inside `[…]`).
pub fn synthetic_block(n: usize, d: usize, show: &str) -> String {
    let row = |seed: usize| {
        let cells: Vec<String> = (0..d)
            .map(|j| format!("{:.2}", ((seed * 7 + j * 3) % 19) as f64 / 10.0 - 0.9))
            .collect();
        format!("[{}]", cells.join(", "))
    };
    let rows = |count: usize, seed: usize| {
        (0..count)
            .map(|i| row(i + seed))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tokens = (0..n)
        .map(|i| format!("\"t{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "```attention\ntokens = [{tokens}]\nembeddings = [{}]\nw_q = [{}]\nw_k = [{}]\nw_v = [{}]\nshow = [{show}]\n```\n",
        rows(n, 0),
        rows(d, 5),
        rows(d, 9),
        rows(d, 13)
    )
}

/// A block of `heads` heads on `n` tokens of `d` dimensions, with sinusoidal positions and a
/// `w_o` back to `d` dimensions: the multi-head figures of the benches.
#[allow(dead_code)]
pub fn synthetic_heads_block(n: usize, d: usize, heads: usize, show: &str) -> String {
    let row = |seed: usize, width: usize| {
        let cells: Vec<String> = (0..width)
            .map(|j| format!("{:.2}", ((seed * 7 + j * 3) % 19) as f64 / 10.0 - 0.9))
            .collect();
        format!("[{}]", cells.join(", "))
    };
    let rows = |count: usize, seed: usize, width: usize| {
        (0..count)
            .map(|i| row(i + seed, width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let per_head = (d / heads).max(1);
    let tokens = (0..n)
        .map(|i| format!("\"t{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let heads_toml: Vec<String> = (0..heads)
        .map(|h| {
            format!(
                "  {{ w_q = [{}], w_k = [{}], w_v = [{}] }},",
                rows(per_head, 5 + h, d),
                rows(per_head, 9 + h, d),
                rows(per_head, 13 + h, d)
            )
        })
        .collect();
    format!(
        "```attention\ntokens = [{tokens}]\nembeddings = [{}]\npositions = \"sinusoidal\"\nheads = [\n{}\n]\nw_o = [{}]\nshow = [{show}]\n```\n",
        rows(n, 0, d),
        heads_toml.join("\n"),
        rows(d, 17, heads * per_head)
    )
}

/// The embedded data of the first widget of a processed chapter (its data contract).
pub fn widget_data(html: &str) -> serde_json::Value {
    let start = html.find("class=\"attention-data\">").expect("a widget") + 23;
    let end = start + html[start..].find("</script>").expect("its data ends");
    serde_json::from_str(&html[start..end]).expect("the data is JSON")
}

/// Runs `tests/js/NAME` under node on `input` written as JSON; it must succeed. Returns what it
/// printed.
pub fn node_check(name: &str, input: &serde_json::Value) -> String {
    let path = std::env::temp_dir().join(format!("attention-{name}-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(input).unwrap()).unwrap();
    let out = std::process::Command::new("node")
        .arg(Path::new(ROOT).join("tests/js").join(name))
        .arg(&path)
        .output()
        .expect("node runs");
    let _ = std::fs::remove_file(&path);
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    said
}
