//! `install`: adopt the widgets in any mdBook, and `archive`: one file of the built book that
//! opens from disk anywhere.
//!
//! `install` edits book.toml with toml_edit, so comments and order survive, and running it twice
//! changes nothing the second time. The JS and CSS it writes are the ones in this repository's
//! `theme/`, embedded in the binary: one source of truth.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, value};

pub use crate::assets::{
    ASSET_CSS, ASSET_DIR, OLD_SCRIPT, SCRIPTS, SERVE_SCRIPT, STYLESHEET, asset_version,
};

/// What `install` did, for the message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Installed {
    pub changed_config: bool,
    pub wrote_assets: bool,
}

/// Adds the preprocessor and the assets to a book; idempotent. Everything is checked before
/// anything is written; each file is written whole (a temporary file renamed over it), the
/// assets before book.toml, so a failure never leaves a config that names missing files; and
/// nothing is written through a symbolic link that leads out of the book.
pub fn install(book_dir: &Path) -> anyhow::Result<Installed> {
    let config_path = book_dir.join("book.toml");
    let text = std::fs::read_to_string(&config_path).with_context(|| {
        format!(
            "cannot read {} — pass the folder of an mdBook",
            config_path.display()
        )
    })?;
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", config_path.display()))?;
    let css = format!("{ASSET_DIR}/{STYLESHEET}");
    let scripts: Vec<String> = SCRIPTS
        .iter()
        .map(|(name, _)| format!("{ASSET_DIR}/{name}"))
        .collect();

    let pre = table_at(&mut doc, &["preprocessor", "attention"])?;
    if !pre.contains_key("after") {
        let mut after = Array::new();
        after.push("links");
        pre.insert("after", value(after));
    }
    let version = asset_version();
    if pre.get("assets-version").and_then(Item::as_str) != Some(version.as_str()) {
        pre.insert("assets-version", value(version));
    }
    let html = table_at(&mut doc, &["output", "html"])?;
    set_scripts(html, &scripts)?;
    add_to_list(html, "additional-css", &css)?;
    let mut new_text = doc.to_string();
    if text.contains("\r\n") {
        // A CRLF book.toml stays CRLF.
        new_text = new_text.replace("\r\n", "\n").replace('\n', "\r\n");
    }

    // Check every path first.
    let book = book_dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", book_dir.display()))?;
    let dir = book_dir.join(ASSET_DIR);
    match std::fs::metadata(&dir) {
        Ok(m) if !m.is_dir() => bail!(
            "{} is a file, but install puts the widget assets in a folder of that name — move the file away",
            dir.display()
        ),
        Ok(_) => ensure_inside(&book, &dir)?,
        Err(_) => {}
    }
    let mut assets: Vec<(PathBuf, &str)> = SCRIPTS
        .iter()
        .zip(&scripts)
        .map(|((_, text), path)| (book_dir.join(path), *text))
        .collect();
    // The serve overlay is written but not listed: `serve` adds it to the pages it builds.
    assets.push((
        book_dir.join(format!("{ASSET_DIR}/{}", SERVE_SCRIPT.0)),
        SERVE_SCRIPT.1,
    ));
    assets.push((book_dir.join(&css), ASSET_CSS));
    for (path, _) in &assets {
        // The folders on the way (theme/attention/views) must lead nowhere outside either.
        for folder in path.ancestors().skip(1).take_while(|f| f.starts_with(&dir)) {
            match std::fs::symlink_metadata(folder) {
                Ok(m) if m.file_type().is_symlink() => ensure_inside(&book, folder)?,
                Ok(m) if !m.is_dir() => bail!(
                    "{} is a file, but install puts widget scripts in a folder of that name — move the file away",
                    folder.display()
                ),
                _ => {}
            }
        }
        if let Ok(m) = std::fs::symlink_metadata(path) {
            if m.is_dir() {
                bail!(
                    "{} is a folder — install needs to write a file there",
                    path.display()
                );
            }
            if m.file_type().is_symlink() {
                ensure_inside(&book, path)?;
            }
        }
    }

    // Then write: assets first, book.toml last.
    let mut done = Installed::default();
    for (path, content) in &assets {
        let folder = path.parent().unwrap_or(&dir);
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        if std::fs::read_to_string(path).ok().as_deref() != Some(*content) {
            write_whole(path, content)?;
            done.wrote_assets = true;
        }
    }
    if new_text != text {
        write_whole(&config_path, &new_text)?;
        done.changed_config = true;
    }
    Ok(done)
}

/// Refuses a path whose real location is outside the book.
fn ensure_inside(book: &Path, path: &Path) -> anyhow::Result<()> {
    match path.canonicalize() {
        Ok(real) if real.starts_with(book) => Ok(()),
        Ok(real) => bail!(
            "{} leads out of the book, to {} — install will not write there; replace the link with a file or folder",
            path.display(),
            real.display()
        ),
        Err(e) => bail!(
            "{} is a link that cannot be followed ({e}) — remove it and run install again",
            path.display()
        ),
    }
}

/// Writes a file whole: a temporary file beside it, renamed over it (which replaces a link
/// rather than writing through it), with the mode the file had — or, for a new file, the mode
/// a file written by an editor gets — never the temporary file's private 0600.
fn write_whole(path: &Path, content: &str) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, content.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    keep_mode(tmp.as_file(), path)?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Gives `file` the permissions of what is at `path` (not following a link), or rw-r--r--.
fn keep_mode(file: &std::fs::File, path: &Path) -> anyhow::Result<()> {
    let permissions = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => m.permissions(),
        _ => {
            #[cfg(unix)]
            {
                std::os::unix::fs::PermissionsExt::from_mode(0o644)
            }
            #[cfg(not(unix))]
            {
                file.metadata()?.permissions()
            }
        }
    };
    file.set_permissions(permissions)
        .with_context(|| format!("cannot set the mode of {}", path.display()))
}

/// The table at a dotted path, created (as a real `[a.b]` table) when missing.
fn table_at<'d>(doc: &'d mut DocumentMut, path: &[&str]) -> anyhow::Result<&'d mut Table> {
    let mut table = doc.as_table_mut();
    for key in path {
        let item = table.entry(key).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        let Some(t) = item.as_table_mut() else {
            bail!(
                "book.toml: `{}` is not a table — write it as [{}]",
                path.join("."),
                path.join(".")
            );
        };
        table = t;
    }
    table.set_implicit(false);
    Ok(table)
}

/// Puts the widget's scripts in `additional-js` in their order: where the first of ours (or
/// the single script of older installs) stood, every other entry kept where it was.
fn set_scripts(table: &mut Table, scripts: &[String]) -> anyhow::Result<()> {
    let key = "additional-js";
    let item = table.entry(key).or_insert_with(|| value(Array::new()));
    let Some(list) = item.as_array_mut() else {
        bail!(
            "book.toml: `{key}` in [output.html] is not a list — write it as {key} = [\"{}\"]",
            scripts[0]
        );
    };
    let old = format!("{ASSET_DIR}/{OLD_SCRIPT}");
    let ours = |v: &toml_edit::Value| {
        v.as_str()
            .is_some_and(|s| s == old || scripts.iter().any(|m| m == s))
    };
    let current: Vec<&str> = list
        .iter()
        .filter(|v| ours(v))
        .filter_map(|v| v.as_str())
        .collect();
    if current == scripts.iter().map(String::as_str).collect::<Vec<_>>() {
        return Ok(());
    }
    let at = list.iter().position(ours).unwrap_or(list.len());
    list.retain(|v| !ours(v));
    for (k, script) in scripts.iter().enumerate() {
        list.insert(at + k, script.as_str());
    }
    Ok(())
}

fn add_to_list(table: &mut Table, key: &str, entry: &str) -> anyhow::Result<()> {
    let item = table.entry(key).or_insert_with(|| value(Array::new()));
    let Some(list) = item.as_array_mut() else {
        bail!(
            "book.toml: `{key}` in [output.html] is not a list — write it as {key} = [\"{entry}\"]"
        );
    };
    if !list.iter().any(|v| v.as_str() == Some(entry)) {
        list.push(entry);
    }
    Ok(())
}

/// Builds a book and packs the result into one `.tar.gz` that opens from disk when unpacked.
/// An existing file is replaced only with `force`.
pub fn archive(book_dir: &Path, out: &Path, force: bool) -> anyhow::Result<PathBuf> {
    if out.exists() && !force {
        bail!(
            "{} already exists — choose another name with -o, or pass --force to replace it",
            out.display()
        );
    }
    let staging = tempfile::tempdir()?;
    let built = crate::mdbook::build(book_dir, Some(&staging.path().join("book")))?;
    // Packed beside its place and renamed over it at the end: an archive that fails half-way
    // leaves the old one as it was.
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    keep_mode(file.as_file(), out)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let top = out
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| {
            n.trim_end_matches(".tar.gz")
                .trim_end_matches(".tgz")
                .to_string()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "book".into());
    tar.append_dir_all(&top, &built)
        .with_context(|| format!("cannot pack {}", built.display()))?;
    tar.into_inner()?
        .finish()?
        .persist(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out.to_path_buf())
}
