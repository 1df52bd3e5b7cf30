//! Other books adopt the widgets in one command; the built book packs into one archive.
//! (The stock-CLI build of an installed book is in install_stock.rs: it changes PATH.)

use mdbook_attention::install::{self, ASSET_CSS, Installed, SCRIPTS, SERVE_SCRIPT};
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
    // Every script, in the one order a page must load them.
    let listed: Vec<String> = SCRIPTS
        .iter()
        .map(|(name, _)| format!("\"theme/{name}\""))
        .collect();
    assert!(
        toml.contains(&format!("additional-js = [{}]", listed.join(", "))),
        "{toml}"
    );
    assert!(toml.contains(&format!(
        "assets-version = \"{}\"",
        install::asset_version()
    )));
    for (name, text) in SCRIPTS.iter().chain([&SERVE_SCRIPT]) {
        assert_eq!(
            std::fs::read_to_string(dir.path().join("theme").join(name)).unwrap(),
            *text
        );
    }
    // The serve overlay is on disk for `serve`, never in a published page's list.
    assert!(!toml.contains(SERVE_SCRIPT.0), "{toml}");
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

#[test]
fn install_checks_everything_before_it_writes_anything() {
    // `theme` is a file: an error naming it, and book.toml untouched.
    let dir = common::someone_elses_book(BOOK_TOML);
    std::fs::write(dir.path().join("theme"), "not a folder").unwrap();
    let err = format!("{:#}", install::install(dir.path()).unwrap_err());
    assert!(err.contains("theme is a file"), "{err}");
    assert!(
        err.contains(&dir.path().display().to_string()),
        "the path is named: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("book.toml")).unwrap(),
        BOOK_TOML,
        "nothing was written"
    );
}

#[cfg(unix)]
#[test]
fn install_never_writes_through_a_link_out_of_the_book() {
    let dir = common::someone_elses_book(BOOK_TOML);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("precious.js");
    std::fs::write(&victim, "keep me").unwrap();
    std::fs::create_dir_all(dir.path().join("theme")).unwrap();
    std::fs::create_dir_all(dir.path().join("theme/attention")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("theme/attention/core.js")).unwrap();
    let err = format!("{:#}", install::install(dir.path()).unwrap_err());
    assert!(err.contains("leads out of the book"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("book.toml")).unwrap(),
        BOOK_TOML
    );
    // A theme folder that is itself a link out of the book is refused too.
    let dir = common::someone_elses_book(BOOK_TOML);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("theme")).unwrap();
    let err = format!("{:#}", install::install(dir.path()).unwrap_err());
    assert!(err.contains("leads out of the book"), "{err}");
    assert!(!outside.path().join("attention.css").exists());
    // And so is a folder of scripts that leads out (theme/attention/views).
    let dir = common::someone_elses_book(BOOK_TOML);
    std::fs::create_dir_all(dir.path().join("theme/attention")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("theme/attention/views")).unwrap();
    let err = format!("{:#}", install::install(dir.path()).unwrap_err());
    assert!(err.contains("leads out of the book"), "{err}");
    assert!(
        std::fs::read_dir(outside.path())
            .unwrap()
            .all(|e| { e.unwrap().file_name() == "precious.js" })
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("book.toml")).unwrap(),
        BOOK_TOML
    );
}

/// A book adopted before the script had rooms lists `theme/attention.js`: install puts the
/// scripts where it stood, in order, and keeps the book's own scripts around them.
#[test]
fn install_replaces_the_single_script_of_an_older_install_in_place() {
    let dir = common::someone_elses_book(
        "[book]\ntitle = \"Old\"\n\n[output.html]\nadditional-js = [\"mine.js\", \"theme/attention.js\", \"theirs.js\"]\n",
    );
    install::install(dir.path()).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    let listed: Vec<String> = SCRIPTS
        .iter()
        .map(|(name, _)| format!("\"theme/{name}\""))
        .collect();
    assert!(
        toml.contains(&format!(
            "additional-js = [\"mine.js\", {}, \"theirs.js\"]",
            listed.join(", ")
        )),
        "{toml}"
    );
    assert!(!toml.contains("\"theme/attention.js\""), "{toml}");
}

/// The repository's own book loads the scripts exactly as `install` lists them (the browser
/// tests and tests/js/load.js read this book.toml's order).
#[test]
fn the_books_own_script_list_is_the_one_install_writes() {
    let toml =
        std::fs::read_to_string(std::path::Path::new(common::ROOT).join("book.toml")).unwrap();
    let doc: toml::Table = toml.parse().unwrap();
    let listed: Vec<&str> = doc["output"]["html"]["additional-js"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let scripts: Vec<String> = SCRIPTS
        .iter()
        .map(|(name, _)| format!("theme/{name}"))
        .collect();
    assert_eq!(listed, scripts);
    // Every script of the folder is in the list: none is forgotten by install or the hash.
    let mut on_disk = Vec::new();
    let mut folders = vec![std::path::Path::new(common::ROOT).join("theme/attention")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "js") {
                let root = std::path::Path::new(common::ROOT);
                on_disk.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    on_disk.sort();
    let mut sorted = scripts.clone();
    sorted.push(format!("theme/{}", SERVE_SCRIPT.0));
    sorted.sort();
    assert_eq!(
        on_disk, sorted,
        "every script is listed, or is the serve overlay"
    );
}

#[test]
fn install_keeps_a_crlf_book_toml_crlf() {
    let crlf = BOOK_TOML.replace('\n', "\r\n");
    let dir = common::someone_elses_book(&crlf);
    install::install(dir.path()).unwrap();
    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    assert!(toml.contains("[preprocessor.attention]\r\n"), "{toml:?}");
    assert_eq!(
        toml.matches('\n').count(),
        toml.matches("\r\n").count(),
        "{toml:?}"
    );
}

#[test]
fn archive_will_not_replace_a_file_unless_told_to() {
    let out_dir = tempfile::tempdir().unwrap();
    let existing = out_dir.path().join("book.tar.gz");
    std::fs::write(&existing, "mine").unwrap();
    let err = format!(
        "{:#}",
        install::archive(&common::fixture("mini"), &existing, false).unwrap_err()
    );
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "mine");
}

/// `install` writes book.toml and the theme files with the mode they had (a new file gets
/// rw-r--r--, not a temporary file's 0600).
#[cfg(unix)]
#[test]
fn install_keeps_each_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::someone_elses_book(BOOK_TOML);
    let config = dir.path().join("book.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o664)).unwrap();
    install::install(dir.path()).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&config), 0o664);
    assert_eq!(mode(&dir.path().join("theme/attention/core.js")), 0o644);
    assert_eq!(mode(&dir.path().join("theme/attention.css")), 0o644);
}

/// An archive that cannot be made leaves the one it would have replaced as it was.
#[test]
fn a_failed_archive_leaves_the_old_one() {
    let out_dir = tempfile::tempdir().unwrap();
    let existing = out_dir.path().join("book.tar.gz");
    std::fs::write(&existing, "the old archive").unwrap();
    let book = common::copy_fixture("mini");
    std::fs::write(
        book.path().join("src/plain.md"),
        "# Plain\n\n```attention\nexample = \"pair\"\nshow = [\"heatmapp\"]\n```\n",
    )
    .unwrap();
    let err = format!(
        "{:#}",
        install::archive(book.path(), &existing, true).unwrap_err()
    );
    assert!(err.contains("heatmapp"), "the whole reason is told: {err}");
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "the old archive"
    );
    let left: Vec<_> = std::fs::read_dir(out_dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left");
}
