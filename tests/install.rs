//! Other books adopt the widgets in one command; the built book packs into one archive.
//! (The stock-CLI build of an installed book is in install_stock.rs: it changes PATH.)

use mdbook_attention::install::{self, ASSET_CSS, ASSET_JS, Installed};
use std::process::Command;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");

const BOOK_TOML: &str = "# A book of someone else's.\n[book]\ntitle = \"Theirs\" # keep me\nsrc = \"src\"\n\n[output.html]\n# their own styles stay first\nadditional-css = [\"custom.css\"]\n";

#[test]
fn install_adopts_a_fresh_book_keeps_its_comments_and_is_idempotent() {
    let dir = common::someone_elses_book(BOOK_TOML);
    let first = install::install(dir.path()).unwrap();
    assert_eq!(
        first,
        Installed {
            changed_config: true,
            wrote_assets: true
        }
    );
    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    for kept in [
        "# A book of someone else's.",
        "title = \"Theirs\" # keep me",
        "# their own styles stay first",
    ] {
        assert!(toml.contains(kept), "lost {kept:?}:\n{toml}");
    }
    assert!(
        toml.contains("[preprocessor.attention]") && toml.contains("after = [\"links\"]"),
        "{toml}"
    );
    assert!(
        toml.contains("additional-css = [\"custom.css\", \"theme/attention.css\"]"),
        "{toml}"
    );
    assert!(
        toml.contains("additional-js = [\"theme/attention.js\"]"),
        "{toml}"
    );
    assert!(toml.contains(&format!(
        "assets-version = \"{}\"",
        install::asset_version()
    )));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("theme/attention.js")).unwrap(),
        ASSET_JS
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("theme/attention.css")).unwrap(),
        ASSET_CSS
    );

    let second = install::install(dir.path()).unwrap();
    assert_eq!(second, Installed::default());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("book.toml")).unwrap(),
        toml
    );
}

#[test]
fn archive_unpacks_to_a_book_that_opens_from_disk() {
    let dir = common::someone_elses_book(BOOK_TOML);
    install::install(dir.path()).unwrap();
    let out = dir.path().join("theirs.tar.gz");
    let status = Command::new(BIN)
        .arg("archive")
        .arg(dir.path())
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let unpack = tempfile::tempdir().unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(&out).unwrap(),
    ))
    .unpack(unpack.path())
    .unwrap();
    let root = unpack.path().join("theirs");
    let page = std::fs::read_to_string(root.join("one.html")).unwrap();
    assert!(page.contains("class=\"attention-widget\""));
    // Every asset the page names is inside the archive, by a relative path.
    for src in page
        .split("src=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
    {
        assert!(!src.starts_with("http") && !src.starts_with('/'), "{src}");
        assert!(
            root.join(src.split('?').next().unwrap()).exists(),
            "{src} is missing from the archive"
        );
    }
}
