//! `serve`: build, serve the book on localhost, rebuild on change, and reload open pages.
//!
//! Files come from tower-http's `ServeDir`; changes from `notify`; each page gets a small
//! script that listens on a server-sent-event stream and reloads after every rebuild. Every
//! build goes to a fresh folder, and the server switches to it only once it is complete, so a
//! request during a rebuild gets the whole old book or the whole new one, never half of each.

use anyhow::Context;
use axum::Router;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tower::ServiceExt;
use tower_http::services::ServeDir;

const RELOAD_PATH: &str = "/__attention/reload";
/// Appended to each page while serving: reload when the server says the book was rebuilt.
const RELOAD_SCRIPT: &str = "<script>new EventSource('/__attention/reload').onmessage=function(){location.reload()}</script>";
/// Changes closer together than this make one rebuild (an editor saves in several writes).
const DEBOUNCE: Duration = Duration::from_millis(50);

/// Builds the book into a fresh folder under `base` and adds the reload script to every page.
pub fn build_for_serving(book_dir: &Path, base: &Path) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(base)
        .with_context(|| format!("cannot make a build folder in {}", base.display()))?;
    let out = crate::mdbook::build(book_dir, Some(dir.path()))?;
    add_reload_script(&out)?;
    Ok(dir)
}

/// Adds the reload script before `</body>` of every page. Pages are bytes: a page that is not
/// UTF-8 (copied from src/ as it is) gets the script all the same and nothing else changes.
fn add_reload_script(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            add_reload_script(&path)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            let html =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let Some(at) = html.windows(7).rposition(|w| w == b"</body>") else {
                continue;
            };
            let mut with = Vec::with_capacity(html.len() + RELOAD_SCRIPT.len());
            with.extend_from_slice(&html[..at]);
            with.extend_from_slice(RELOAD_SCRIPT.as_bytes());
            with.extend_from_slice(&html[at..]);
            std::fs::write(&path, with)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// Whether a changed path should trigger a rebuild: not the output, not the book's folder itself
/// (its entry list changes when a build replaces the output), not target/ or .git/.
fn is_source_change(path: &Path, root: &Path, out: &Path) -> bool {
    path != root
        && !path.starts_with(out)
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
    let first = build_for_serving(&book_dir, &base)?;
    let current = Arc::new(RwLock::new(first.path().to_path_buf()));
    let runtime = tokio::runtime::Runtime::new()?;
    let (reload_tx, _) = broadcast::channel::<()>(16);

    // Watch chapters, theme and book.toml; rebuild on a plain thread.
    let (change_tx, change_rx) = std::sync::mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading a file is no change: a build reads every chapter, and must not trigger the next.
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            for path in event.paths {
                let _ = change_tx.send(path);
            }
        }
    })?;
    watcher
        .watch(&book_dir, RecursiveMode::Recursive)
        .context("cannot watch the book folder")?;
    let rebuild_tx = reload_tx.clone();
    let (rebuild_dir, rebuild_base, rebuild_current) =
        (book_dir.clone(), base.clone(), current.clone());
    std::thread::spawn(move || {
        // The folder being served, and the one before it (kept until no request can still be
        // reading it: one more rebuild later).
        let mut serving = first;
        let mut retired: Vec<tempfile::TempDir> = Vec::new();
        while let Ok(first) = change_rx.recv() {
            let mut relevant = is_source_change(&first, &rebuild_dir, &rebuild_base);
            while let Ok(next) = change_rx.recv_timeout(DEBOUNCE) {
                relevant |= is_source_change(&next, &rebuild_dir, &rebuild_base);
            }
            if !relevant {
                continue;
            }
            let started = std::time::Instant::now();
            match build_for_serving(&rebuild_dir, &rebuild_base) {
                Ok(fresh) => {
                    if let Ok(mut path) = rebuild_current.write() {
                        *path = fresh.path().to_path_buf();
                    }
                    retired.push(std::mem::replace(&mut serving, fresh));
                    if retired.len() > 1 {
                        retired.remove(0);
                    }
                    eprintln!("rebuilt in {} ms", started.elapsed().as_millis());
                    let _ = rebuild_tx.send(());
                }
                Err(e) => eprintln!("{e:#}"),
            }
            // Drop the events our own build caused.
            while change_rx.recv_timeout(Duration::from_millis(10)).is_ok() {}
        }
    });

    let events = move || {
        let stream = BroadcastStream::new(reload_tx.subscribe())
            .map(|_| Ok::<_, Infallible>(Event::default().data("rebuilt")));
        Sse::new(stream).keep_alive(KeepAlive::default())
    };
    // Each request reads whichever complete build is current when it arrives.
    let files = tower::service_fn(move |request: axum::extract::Request| {
        let dir = current
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        async move { ServeDir::new(dir).oneshot(request).await }
    });
    let app = Router::new()
        .route(RELOAD_PATH, get(move || std::future::ready(events())))
        .fallback_service(files);
    let address = format!("{host}:{port}");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .with_context(|| {
                format!("cannot listen on {address} — is another server using the port? try -p")
            })?;
        let url = format!("http://{address}/");
        eprintln!("serving {} at {url} (Ctrl-C stops)", book_dir.display());
        if open {
            let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
        }
        axum::serve(listener, app)
            .await
            .context("the server stopped")
    })
}
