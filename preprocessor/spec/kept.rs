//! Results kept on disk between builds: a model's run on a text, a training run.
//!
//! Each is filed under a key made of what decides its numbers (the model's checksum and the
//! text; the training settings) and the fingerprint of the code that computed them, so editing
//! that code — not only bumping the version — sets every kept result aside. Files are written
//! whole and renamed into place: a build never reads half a file, and two builds at once only
//! write the same bytes twice. A file that cannot be read is computed again, never an error.

use std::path::PathBuf;

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
    include_bytes!("../core/mod.rs"),
    include_bytes!("../core/bert.rs"),
    include_bytes!("../core/positions.rs"),
    include_bytes!("../core/training.rs"),
    include_bytes!("../model.rs"),
    include_bytes!("model.rs"),
    include_bytes!("training.rs"),
    include_bytes!("kept.rs"),
]);

/// Where kept results live: beside the cached models (`ATTENTION_BOOK_CACHE` moves both).
pub fn folder() -> PathBuf {
    crate::model::cache_root().join("runs")
}

/// The file for a result of `kind` decided by `what`.
pub fn file(kind: &str, what: &str, extension: &str) -> PathBuf {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{CODE:016x}\0{what}").as_bytes());
    let key: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    folder().join(format!("{kind}-{key}.{extension}"))
}

/// Keeps `bytes` at `file`, or quietly does not (a read-only cache only costs time).
pub fn keep(file: &std::path::Path, bytes: &[u8]) {
    if std::fs::create_dir_all(folder()).is_ok() {
        let partial = file.with_extension(format!("{}.part", std::process::id()));
        if std::fs::write(&partial, bytes).is_ok() && std::fs::rename(&partial, file).is_err() {
            let _ = std::fs::remove_file(&partial);
        }
    }
}
