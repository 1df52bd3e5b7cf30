//! The widgets' JavaScript and CSS, embedded from this repository's `theme/` (one source of
//! truth), and their version, which `install` records in a book and the preprocessor checks.

pub const ASSET_JS: &str = include_str!("../theme/attention.js");
pub const ASSET_CSS: &str = include_str!("../theme/attention.css");
/// Where `install` puts the assets, relative to the book's root.
pub const ASSET_DIR: &str = "theme";

/// The version of the embedded assets: the crate version and a hash of their bytes.
pub fn asset_version() -> String {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = ASSET_JS
        .bytes()
        .chain(ASSET_CSS.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    format!(
        "{}+{:012x}",
        env!("CARGO_PKG_VERSION"),
        hash & 0xffff_ffff_ffff
    )
}

/// Says so when a book's installed assets are older than this binary's.
pub fn stale_assets_warning(installed: Option<&str>) -> Option<String> {
    let installed = installed?;
    let current = asset_version();
    (installed != current).then(|| {
        format!("warning: this book's widget assets are version {installed}, but mdbook-attention has {current} — run `mdbook-attention install` in the book's folder to update them")
    })
}
