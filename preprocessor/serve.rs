//! `serve`: build, serve the book on localhost, rebuild on change, and reload open pages.
//!
//! Files come from tower-http's `ServeDir`; changes from `notify`, batched by
//! notify-debouncer-mini, and from a look at the sources every second (a save whose events were
//! missed is built all the same). Pages reload through mdBook's own machinery: the book is built with
//! `output.html.live-reload-endpoint`, so mdBook's page template opens a WebSocket there, and
//! the server sends "reload" on it after every rebuild; no page is rewritten. The endpoint names
//! the build the page came from (`__attention/reload/3`), so a page that was still reloading when
//! a newer build finished (a save written in two parts builds twice) is told at once, rather than
//! waiting on a build that will never come. Every build goes
//! to a fresh folder, and the server switches to it only once it is complete, so a request
//! during a rebuild gets the whole old book or the whole new one, never half of each.

use anyhow::Context;
use axum::Router;
use axum::extract::Path as UrlPath;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::routing::get;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Where pages listen for rebuilds (mdBook writes the script; the path has no leading `/`),
/// followed by `/` and the number of the build the page belongs to.
pub const RELOAD_ENDPOINT: &str = "__attention/reload";
/// Where `theme/attention/serve.js`, on a served page, hears the problems of a save that did not
/// build (and that they are gone), as `{"problems": TEXT}`; an empty text means none.
pub const PROBLEMS_ENDPOINT: &str = "__attention/problems";
/// The names a page on this machine reaches a loopback server by.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// The host part of a `Host` header or of an origin's authority (`localhost:3000` → `localhost`,
/// `[::1]:3000` → `[::1]`), lowercased.
fn host_name(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if authority.starts_with('[') {
        return authority
            .split_inclusive(']')
            .next()
            .unwrap_or("")
            .to_string();
    }
    authority.split(':').next().unwrap_or("").to_string()
}

/// Whether a request may be answered: its `Host` is a name this server is reached by (a page
/// on a rebound DNS name — `evil.example` resolving to 127.0.0.1 — is not), and an `Origin`,
/// when the browser sends one (always, for a WebSocket), is the same host: no other site's page
/// may read the book's problems with their source lines.
pub fn request_allowed(bound: &str, host: Option<&str>, origin: Option<&str>) -> bool {
    let bound = host_name(bound);
    let bound = if bound.contains(':') && !bound.starts_with('[') {
        format!("[{bound}]")
    } else {
        bound
    };
    // Bound to every interface the author chose to share the book: any name may reach it,
    // but a page of another origin still may not.
    let any_name = bound == "0.0.0.0" || bound == "[::]";
    let Some(host) = host.map(host_name) else {
        return false;
    };
    let known = any_name || LOOPBACK_NAMES.contains(&host.as_str()) || host == bound;
    let same_origin = origin.is_none_or(|o| {
        o.strip_prefix("http://")
            .or_else(|| o.strip_prefix("https://"))
            .is_some_and(|rest| host_name(rest.split('/').next().unwrap_or("")) == host)
    });
    known && same_origin
}

/// Changes closer together than this make one rebuild (an editor saves in several writes).
const DEBOUNCE: Duration = Duration::from_millis(50);
/// How often the sources are compared even when the watcher reports nothing.
const LOOK_AGAIN: Duration = Duration::from_secs(1);

/// Builds the book into a fresh folder under `base`, its pages listening for the builds after
/// build number `generation`.
pub fn build_for_serving(
    book_dir: &Path,
    base: &Path,
    generation: u64,
) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(base)
        .with_context(|| format!("cannot make a build folder in {}", base.display()))?;
    let mut book = crate::mdbook::load(book_dir, Some(dir.path()))?;
    book.config
        .set(
            "output.html.live-reload-endpoint",
            format!("{RELOAD_ENDPOINT}/{generation}"),
        )
        .context("cannot set the live-reload endpoint")?;
    with_overlay(&mut book.config)?;
    book.build()?;
    crate::mdbook::unpublish_examples(&book)?;
    Ok(dir)
}

/// Adds the serve overlay's script beside the widgets' own (where the book lists
/// `…attention/start.js`, the overlay is `…attention/serve.js`): only served pages load it.
fn with_overlay(config: &mut mdbook_driver::config::Config) -> anyhow::Result<()> {
    let key = "output.html.additional-js";
    let mut scripts: Vec<String> = config.get(key).ok().flatten().unwrap_or_default();
    let start = crate::assets::SCRIPTS.last().map_or("", |(name, _)| name);
    let overlay = scripts
        .iter()
        .find_map(|s| s.strip_suffix(start))
        .map(|dir| format!("{dir}{}", crate::assets::SERVE_SCRIPT.0));
    if let Some(overlay) = overlay
        && !scripts.contains(&overlay)
    {
        scripts.push(overlay);
        config
            .set(key, scripts)
            .context("cannot add the serve overlay's script")?;
    }
    Ok(())
}

/// Text without ANSI colour sequences (`ESC [ … m`).
fn without_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every source file of the book with its size and modification time: a rebuild is due when
/// this changes. Watchers also report files being read (a build reads every chapter), which
/// must not start the next build.
fn sources(root: &Path, out: &Path) -> BTreeMap<PathBuf, (u64, Option<SystemTime>)> {
    let mut found = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !is_source(&path, out) {
                continue;
            }
            match entry.metadata() {
                Ok(m) if m.is_dir() => folders.push(path),
                Ok(m) => {
                    found.insert(path, (m.len(), m.modified().ok()));
                }
                Err(_) => {}
            }
        }
    }
    found
}

/// Whether a path belongs to the book's sources: not the output, not target/ or .git/.
fn is_source(path: &Path, out: &Path) -> bool {
    !path.starts_with(out)
        && !path
            .components()
            .any(|c| c.as_os_str() == "target" || c.as_os_str() == ".git")
}

pub fn serve(
    book_dir: &Path,
    dest_dir: Option<&Path>,
    host: &str,
    port: u16,
    open: bool,
) -> anyhow::Result<()> {
    let book_dir = book_dir
        .canonicalize()
        .with_context(|| format!("cannot find the book folder {}", book_dir.display()))?;
    // Builds live in their own folder: `-d` if given, else a temporary one.
    let scratch = tempfile::tempdir()?;
    let base = match dest_dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.canonicalize()?
        }
        None => scratch.path().to_path_buf(),
    };
    let first = build_for_serving(&book_dir, &base, 0)?;
    let current = Arc::new(RwLock::new(first.path().to_path_buf()));
    let runtime = tokio::runtime::Runtime::new()?;
    // The number of the build being served; pages of an older one reload.
    let (generation_tx, generation_rx) = tokio::sync::watch::channel(0u64);
    let (problems_tx, problems_rx) = tokio::sync::watch::channel(String::new());

    // Watch chapters, theme and book.toml; rebuild on a plain thread.
    let (change_tx, change_rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, change_tx)?;
    debouncer
        .watcher()
        .watch(&book_dir, RecursiveMode::Recursive)
        .context("cannot watch the book folder")?;
    let (rebuild_dir, rebuild_base, rebuild_current) =
        (book_dir.clone(), base.clone(), current.clone());
    std::thread::spawn(move || {
        // The folder being served, and the one before it (kept until no request can still be
        // reading it: one more rebuild later).
        let mut serving = first;
        let mut retired: Vec<tempfile::TempDir> = Vec::new();
        let mut built_from = sources(&rebuild_dir, &rebuild_base);
        loop {
            // A change the watcher reports, or a look every second all the same: a save whose
            // events were missed or merged (an editor's, a network drive's) is still built.
            if let Err(std::sync::mpsc::RecvTimeoutError::Disconnected) =
                change_rx.recv_timeout(LOOK_AGAIN)
            {
                break;
            }
            let now = sources(&rebuild_dir, &rebuild_base);
            if now == built_from {
                continue;
            }
            built_from = now;
            let started = std::time::Instant::now();
            let next = *generation_tx.borrow() + 1;
            match build_for_serving(&rebuild_dir, &rebuild_base, next) {
                Ok(fresh) => {
                    if let Ok(mut path) = rebuild_current.write() {
                        *path = fresh.path().to_path_buf();
                    }
                    retired.push(std::mem::replace(&mut serving, fresh));
                    if retired.len() > 1 {
                        retired.remove(0);
                    }
                    eprintln!("rebuilt in {} ms", started.elapsed().as_millis());
                    problems_tx.send_replace(String::new());
                    generation_tx.send_replace(next);
                }
                Err(e) => {
                    let report = format!("{e:#}");
                    eprintln!("{report}");
                    // The page shows the same words as the terminal, without its colours.
                    problems_tx.send_replace(without_colour(&report));
                }
            }
        }
    });

    // mdBook's page script reloads on the text "reload": at once if a newer build than the
    // page's is served already, else when the next one is.
    let reloads = move |UrlPath(page_generation): UrlPath<u64>, upgrade: WebSocketUpgrade| {
        let mut served = generation_rx.clone();
        std::future::ready(upgrade.on_upgrade(move |mut socket| async move {
            let newer =
                *served.borrow_and_update() != page_generation || served.changed().await.is_ok();
            if newer {
                let _ = socket.send(Message::text("reload")).await;
            }
        }))
    };
    // The problems now, then each change; a page that opens after a failed save sees them too.
    let problems = move |upgrade: WebSocketUpgrade| {
        let mut latest = problems_rx.clone();
        std::future::ready(upgrade.on_upgrade(move |mut socket| async move {
            loop {
                let text = latest.borrow_and_update().clone();
                let message = serde_json::json!({ "problems": text }).to_string();
                if socket.send(Message::text(message)).await.is_err()
                    || latest.changed().await.is_err()
                {
                    break;
                }
            }
        }))
    };
    // Each request reads whichever complete build is current when it arrives.
    let files = tower::service_fn(move |request: axum::extract::Request| {
        let dir = current
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        async move {
            let mut request = request;
            // Every answer is the current build, whole: no "not modified" from a file's time,
            // which two builds within one second share, so a reload after the second would keep
            // the first's page.
            for conditional in [
                axum::http::header::IF_MODIFIED_SINCE,
                axum::http::header::IF_NONE_MATCH,
            ] {
                request.headers_mut().remove(conditional);
            }
            let mut response = ServeDir::new(dir).oneshot(request).await?;
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let bound = host.to_string();
    let guard = move |request: axum::extract::Request, next: axum::middleware::Next| {
        let header = |name: axum::http::HeaderName| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let allowed = request_allowed(
            &bound,
            header(axum::http::header::HOST).as_deref(),
            header(axum::http::header::ORIGIN).as_deref(),
        );
        async move {
            if allowed {
                next.run(request).await
            } else {
                axum::response::IntoResponse::into_response((
                    axum::http::StatusCode::FORBIDDEN,
                    "this server answers only pages of its own address\n",
                ))
            }
        }
    };
    let app = Router::new()
        .route(&format!("/{RELOAD_ENDPOINT}/{{generation}}"), get(reloads))
        .route(&format!("/{PROBLEMS_ENDPOINT}"), get(problems))
        .fallback_service(files)
        .layer(axum::middleware::from_fn(guard));
    let address = format!("{host}:{port}");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .with_context(|| {
                format!("cannot listen on {address} — is another server using the port? try -p")
            })?;
        let url = format!("http://{address}/");
        eprintln!("serving {} at {url} (Ctrl-C stops)", book_dir.display());
        if open && let Err(e) = opener::open_browser(&url) {
            eprintln!("cannot open a browser ({e}); open {url} yourself");
        }
        axum::serve(listener, app)
            .await
            .context("the server stopped")
    })
}

#[cfg(test)]
mod tests {
    use super::request_allowed;

    #[test]
    fn only_pages_of_the_servers_own_address_are_answered() {
        let ok = |bound, host, origin| request_allowed(bound, Some(host), origin);
        // The author's browser, by any loopback name, with or without an Origin.
        assert!(ok("localhost", "localhost:3000", None));
        assert!(ok(
            "localhost",
            "127.0.0.1:3000",
            Some("http://127.0.0.1:3000")
        ));
        assert!(ok("127.0.0.1", "[::1]:3000", Some("http://[::1]:3000")));
        // Another site's page opening the WebSocket, and DNS rebinding.
        assert!(!ok(
            "localhost",
            "localhost:3000",
            Some("http://evil.example")
        ));
        assert!(!ok("localhost", "evil.example:3000", None));
        assert!(!ok(
            "localhost",
            "evil.example:3000",
            Some("http://evil.example:3000")
        ));
        assert!(!ok("localhost", "localhost:3000", Some("null")));
        assert!(!request_allowed("localhost", None, None));
        // Shared on purpose: any name, still only its own pages.
        assert!(ok(
            "0.0.0.0",
            "192.168.1.5:3000",
            Some("http://192.168.1.5:3000")
        ));
        assert!(!ok(
            "0.0.0.0",
            "192.168.1.5:3000",
            Some("http://evil.example")
        ));
        assert!(ok("192.168.1.5", "192.168.1.5:3000", None));
    }
}
