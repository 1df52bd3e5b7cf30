//! Reading a file that a book names — its examples, an included file, a model's config,
//! tokenizer and weights — only if it is a regular file under a size a book can live with.
//!
//! A book is text an author may not have written (a pull request, a cloned repository), and git
//! carries symlinks: `examples.toml -> /dev/zero` would fill memory, a FIFO would hang the build.
//! Whatever the path resolves to is looked at before a byte is read, and never more than the limit
//! is read even if the file grows meanwhile.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// A chapter, an examples file or an included file: far more than any book holds.
pub const TEXT_LIMIT: u64 = 16 << 20;

/// A model's weights (all-MiniLM-L6-v2's are 90 MB; BERT-large's 1.3 GB).
pub const WEIGHTS_LIMIT: u64 = 4 << 30;

/// Why a file was not read, in words an author can act on.
fn refuse(path: &Path, why: &str) -> std::io::Error {
    std::io::Error::other(format!("{} {why}", path.display()))
}

/// A relative path as a book names it, tidied without touching the disk (`src/a/../b.md` →
/// `src/b.md`): how an include and a link name the same file.
pub fn tidy(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The bytes of `path`, if it resolves to a regular file of at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(refuse(
            path,
            "is not a regular file (a folder, a pipe or a device) — name a file",
        ));
    }
    if meta.len() > limit {
        return Err(refuse(
            path,
            &format!(
                "is {} bytes, over the {} bytes a book's file may have",
                meta.len(),
                limit
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(refuse(path, "grew past its size limit while it was read"));
    }
    Ok(bytes)
}

/// The text of `path` (UTF-8), as [`read_bytes`].
pub fn read_text(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|_| refuse(path, "is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regular_file_within_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        std::fs::write(&file, "x = 1\n").unwrap();
        assert_eq!(read_text(&file, 100).unwrap(), "x = 1\n");
        let e = read_text(&file, 3).unwrap_err().to_string();
        assert!(e.contains("over the 3 bytes"), "{e}");
        let e = read_text(dir.path(), 100).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        #[cfg(unix)]
        {
            // A symlink to a device, as git can carry: refused before a byte is read.
            let link = dir.path().join("z.toml");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let e = read_text(&link, TEXT_LIMIT).unwrap_err().to_string();
            assert!(e.contains("not a regular file"), "{e}");
            // A FIFO would block a plain read forever.
            let fifo = dir.path().join("f.toml");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let e = read_text(&fifo, TEXT_LIMIT).unwrap_err().to_string();
                assert!(e.contains("not a regular file"), "{e}");
            }
        }
        std::fs::write(&file, [0xff, 0xfe]).unwrap();
        assert!(
            read_text(&file, 100)
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
    }
}
