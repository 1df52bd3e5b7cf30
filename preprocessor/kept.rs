//! Results kept on disk between builds: a model's run on a text, a training run.
//!
//! Each is filed under a key made of what decides its numbers (the model's checksum and the
//! text; the training settings) and the fingerprint of the code that computed them, so editing
//! that code — not only bumping the version — sets every kept result aside. A file is the bytes,
//! then a seal (the CRC-32 of the key and the bytes, in hex) on its last line: a result cut short,
//! damaged or filed under another key fails its seal and is computed again. The seal guards
//! against accidents, not against someone who can write to the cache (who could as well write a
//! matching SHA-256: the key is no secret); a CRC-32 is far cheaper to check, and a seal at the end
//! lets the bytes be used where they were read. Files are written whole and renamed into place: a
//! build never reads half a file, and two builds at once only write the same bytes twice. A file
//! that cannot be read is computed again, never an error; nothing but a regular file of a sane
//! size is read at all.
//!
//! Every edit of the code sets the kept results aside, so the folder would only grow: a file read
//! is marked used (its modification time), and keeping a new one removes the files unused for
//! 30 days, and the least recently used beyond 256.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// FNV-1a over the sources whose code decides a kept result's numbers.
const fn fingerprint(sources: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut s = 0;
    while s < sources.len() {
        let bytes = sources[s];
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        s += 1;
    }
    hash
}

/// The core, the model reader and the two blocks that keep results.
pub const CODE: u64 = fingerprint(&[
    include_bytes!("core/mod.rs"),
    include_bytes!("core/bert.rs"),
    include_bytes!("core/positions.rs"),
    include_bytes!("core/training.rs"),
    include_bytes!("pretrained.rs"),
    include_bytes!("block/kind/pretrained.rs"),
    include_bytes!("block/kind/trained.rs"),
    include_bytes!("kept.rs"),
]);

/// Where kept results live: beside the cached models (`ATTENTION_BOOK_CACHE` moves both).
pub fn folder() -> PathBuf {
    crate::pretrained::cache_root().join("runs")
}

/// A seal's length: a CRC-32 in hex (`{:08x}`).
const SEAL: usize = 8;

/// No kept result comes near this; a bigger file is not one (and is not read into memory).
const MAX_BYTES: u64 = 64 << 20;

/// A kept result unused this long is removed when another is kept.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// The most kept results the folder holds: beyond, the least recently used go.
const MOST_FILES: usize = 256;
/// A partial file this old was left by a build that stopped, not being written.
const PARTIAL_LEFT: Duration = Duration::from_secs(3600);

/// One kept result: its file, and the key its seal is made with.
pub struct Kept {
    pub file: PathBuf,
    key: String,
}

impl Kept {
    /// The result of `kind` decided by `what`.
    pub fn new(kind: &str, what: &str) -> Kept {
        use sha2::Digest;
        let key = format!("{CODE:016x}\0{kind}\0{what}");
        let digest = sha2::Sha256::digest(key.as_bytes());
        let name: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        // The kind names the file only as far as it is a plain name (book.toml's model names are
        // checked to be): nothing in it can lead out of the folder.
        let kind: String = kind
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(64)
            .collect();
        Kept {
            file: folder().join(format!("{kind}-{name}.kept")),
            key,
        }
    }

    /// The CRC-32 of the key and the bytes, as 8 hex digits: a file whose bytes were cut, flipped
    /// or written for another key does not carry its own seal.
    fn seal(&self, bytes: &[u8]) -> String {
        let mut h = crc32fast::Hasher::new();
        h.update(self.key.as_bytes());
        h.update(&[0]);
        h.update(bytes);
        format!("{:08x}", h.finalize())
    }

    /// The kept bytes, if the file is a regular file of a sane size whose seal holds; else
    /// `None`, and the result is computed again.
    pub fn read(&self) -> Option<Vec<u8>> {
        use std::io::Read;
        // A pipe, a device or a folder where the file should be is not read (it could block or
        // never end), nor is a file too big to be a kept result.
        let meta = std::fs::metadata(&self.file).ok()?;
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
        std::fs::File::open(&self.file)
            .ok()?
            .take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        // The bytes, a newline, the seal.
        let body = bytes.len().checked_sub(SEAL + 1)?;
        if bytes[body] != b'\n' || bytes[body + 1..] != *self.seal(&bytes[..body]).as_bytes() {
            return None;
        }
        bytes.truncate(body);
        // Used: the folder's tidying keeps the results in use (a read-only cache stays as it is).
        let _ = std::fs::File::options()
            .append(true)
            .open(&self.file)
            .and_then(|f| f.set_modified(SystemTime::now()));
        Some(bytes)
    }

    /// Keeps `bytes` under their seal, or quietly does not (a read-only cache only costs time;
    /// a result too big to be read back is not kept at all).
    pub fn keep(&self, bytes: &[u8]) {
        if (bytes.len() + SEAL + 1) as u64 <= MAX_BYTES
            && self
                .file
                .parent()
                .is_some_and(|parent| std::fs::create_dir_all(parent).is_ok())
        {
            let mut sealed = Vec::with_capacity(bytes.len() + SEAL + 1);
            sealed.extend_from_slice(bytes);
            sealed.push(b'\n');
            sealed.extend_from_slice(self.seal(bytes).as_bytes());
            let partial = self
                .file
                .with_extension(format!("{}.part", std::process::id()));
            if std::fs::write(&partial, sealed).is_ok() {
                if std::fs::rename(&partial, &self.file).is_err() {
                    let _ = std::fs::remove_file(&partial);
                } else if let Some(folder) = self.file.parent() {
                    tidy(folder, SystemTime::now());
                }
            }
        }
    }
}

/// Removes from `folder` the kept results unused for [`UNUSED_FOR`], the least recently used
/// beyond [`MOST_FILES`], and partial files left by a build that stopped. Nothing else there is
/// touched (only regular files named as this module names them), and a file that cannot be
/// removed stays.
fn tidy(folder: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut results: Vec<(SystemTime, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Not followed: a link is no file of ours.
        let Ok(meta) = entry.metadata() else { continue };
        let Ok(modified) = meta.modified() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let unused = now.duration_since(modified).unwrap_or_default();
        if name.ends_with(".part") {
            if unused > PARTIAL_LEFT {
                let _ = std::fs::remove_file(&path);
            }
        } else if name.ends_with(".kept") {
            results.push((modified, path));
        }
    }
    results.sort();
    let beyond = results.len().saturating_sub(MOST_FILES);
    for (i, (modified, path)) in results.iter().enumerate() {
        if i < beyond || now.duration_since(*modified).unwrap_or_default() > UNUSED_FOR {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sealed_regular_file_of_a_sane_size_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let kept = |name: &str, key: &str| Kept {
            file: dir.path().join(name),
            key: key.into(),
        };
        let a = kept("a.kept", "a");
        a.keep(b"{\"x\": 1}");
        assert_eq!(a.read().as_deref(), Some(&b"{\"x\": 1}"[..]));
        // Another key's file, damaged bytes, a cut file, no seal at all.
        assert!(kept("a.kept", "b").read().is_none());
        let sealed = std::fs::read(&a.file).unwrap();
        for bad in [
            [b"{\"x\": 2", &sealed[7..]].concat(),
            sealed[..sealed.len() - 3].to_vec(),
            sealed[3..].to_vec(),
            b"{\"x\": 1}".to_vec(),
        ] {
            std::fs::write(&a.file, bad).unwrap();
            assert!(a.read().is_none());
        }
        // A folder, a file too big to be a result (sparse: nothing is written), a pipe.
        let folder = kept("folder.kept", "f");
        std::fs::create_dir(&folder.file).unwrap();
        assert!(folder.read().is_none());
        let big = kept("big.kept", "b");
        std::fs::File::create(&big.file)
            .unwrap()
            .set_len(MAX_BYTES + 1)
            .unwrap();
        assert!(big.read().is_none());
        #[cfg(unix)]
        {
            let pipe = kept("pipe.kept", "p");
            let made = std::process::Command::new("mkfifo")
                .arg(&pipe.file)
                .status();
            if made.is_ok_and(|s| s.success()) {
                assert!(pipe.read().is_none(), "a pipe is never opened");
            }
        }
    }

    #[test]
    fn the_folder_keeps_what_is_used_and_drops_what_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let day = Duration::from_secs(24 * 3600);
        let file = |name: &str, age: Duration| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"x").unwrap();
            std::fs::File::options()
                .append(true)
                .open(&path)
                .unwrap()
                .set_modified(now - age)
                .unwrap();
            path
        };
        let stale = file("minilm-old.kept", 40 * day);
        let fresh = file("minilm-new.kept", day);
        let left = file("minilm-x.123-0.part", 2 * day);
        let writing = file("minilm-y.123-1.part", Duration::from_secs(5));
        let theirs = file("notes.txt", 400 * day);
        tidy(dir.path(), now);
        assert!(!stale.exists() && !left.exists());
        assert!(fresh.exists() && writing.exists() && theirs.exists());
        // Beyond the most, the least recently used go first.
        let many: Vec<PathBuf> = (0..MOST_FILES + 2)
            .map(|i| file(&format!("r-{i}.kept"), Duration::from_secs(1000 - i as u64)))
            .collect();
        tidy(dir.path(), now);
        let left_of: Vec<bool> = many.iter().map(|p| p.exists()).collect();
        // 259 results: the three least recently used go — `fresh` (a day old) and the two oldest.
        assert_eq!(left_of.iter().filter(|e| **e).count(), MOST_FILES);
        assert!(!fresh.exists() && !left_of[0] && !left_of[1] && left_of[2]);
        // Reading a kept result marks it used.
        let used = Kept {
            file: dir.path().join("used.kept"),
            key: "k".into(),
        };
        used.keep(b"1");
        std::fs::File::options()
            .append(true)
            .open(&used.file)
            .unwrap()
            .set_modified(now - 40 * day)
            .unwrap();
        assert!(used.read().is_some());
        tidy(dir.path(), SystemTime::now());
        assert!(used.file.exists(), "read just now, so kept");
    }
}
