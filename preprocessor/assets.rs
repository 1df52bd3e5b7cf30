//! The widgets' JavaScript and CSS, embedded from this repository's `theme/` (one source of
//! truth), and their version, which `install` records in a book and the preprocessor checks.

/// The one ordered list of the widget's scripts, each embedded: `(path under theme/, text)`.
/// Classic scripts that each add to one namespace, so a page loads them in this order (the
/// book's `additional-js`, `install` and the asset version all read this list).
macro_rules! scripts {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../theme/", $name)))),*]
    };
}
pub const SCRIPTS: &[(&str, &str)] = scripts![
    "attention/core.js",
    "attention/format.js",
    "attention/bindings.js",
    "attention/widget.js",
    "attention/views/compare.js",
    "attention/views/order.js",
    "attention/views/layers.js",
    "attention/views/decode.js",
    "attention/start.js",
];
/// The overlay of `mdbook-attention serve` (a save that did not build, shown over the page):
/// written by `install` beside the others, loaded only by the pages `serve` builds, so a
/// published book carries none of it.
pub const SERVE_SCRIPT: (&str, &str) = (
    "attention/serve.js",
    include_str!("../theme/attention/serve.js"),
);
pub const ASSET_CSS: &str = include_str!("../theme/attention.css");
/// The stylesheet's path under theme/.
pub const STYLESHEET: &str = "attention.css";
/// Where `install` puts the assets, relative to the book's root.
pub const ASSET_DIR: &str = "theme";
/// What books adopted before the script had rooms list in `additional-js`: `install` takes it
/// out (the file stays, unread).
pub const OLD_SCRIPT: &str = "attention.js";

/// The version of the embedded assets: the crate version and a hash of their bytes.
pub fn asset_version() -> String {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = SCRIPTS
        .iter()
        .chain([&SERVE_SCRIPT])
        .flat_map(|(name, text)| name.bytes().chain(text.bytes()))
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
