//! An installed book builds the way the stock mdbook CLI does: mdbook-driver with no preprocessor
//! registered in-process, running `mdbook-attention` found on PATH. Alone in its file because it
//! changes PATH, which no other test may read meanwhile.

use mdbook_attention::install;
use mdbook_driver::MDBook;
use std::path::Path;
use std::process::Command;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");

#[test]
fn an_installed_book_builds_like_the_stock_cli_does_with_a_stale_asset_warning() {
    let dir = common::someone_elses_book("[book]\ntitle = \"Theirs\"\n");
    let status = Command::new(BIN)
        .arg("install")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());

    // The stock way: no preprocessor registered in-process, `mdbook-attention` found on PATH.
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // SAFETY: this file holds this one test, so no other thread reads the environment now.
    unsafe { std::env::set_var("PATH", path) };
    let book = MDBook::load(dir.path()).unwrap();
    book.build()
        .expect("the stock driver runs mdbook-attention from PATH");
    let page = std::fs::read_to_string(book.build_dir_for("html").join("one.html")).unwrap();
    assert!(page.contains("class=\"attention-widget\""));
    assert!(
        page.contains("theme/attention") && page.contains(".js"),
        "the script is included"
    );

    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    let version = install::asset_version();
    std::fs::write(
        dir.path().join("book.toml"),
        toml.replace(&version, "0.0.1+000000000000"),
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("build")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("widget assets are version 0.0.1+000000000000")
            && stderr.contains("mdbook-attention install"),
        "{stderr}"
    );
}
