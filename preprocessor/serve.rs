//! `serve`: build, serve the book on localhost, rebuild on change, and reload open pages.
//!
//! Files come from tower-http's `ServeDir`; changes from `notify`; each page gets a small
//! script that listens on a server-sent-event stream and reloads after every rebuild.

use crate::cli;
use anyhow::Context;
use axum::Router;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::services::ServeDir;

const RELOAD_PATH: &str = "/__attention/reload";
/// Appended to each page while serving: reload when the server says the book was rebuilt.
const RELOAD_SCRIPT: &str = "<script>new EventSource('/__attention/reload').onmessage=function(){location.reload()}</script>";
/// Changes closer together than this make one rebuild (an editor saves in several writes).
const DEBOUNCE: Duration = Duration::from_millis(50);

/// Builds the book and adds the reload script to every page.
pub fn build_for_serving(book_dir: &Path, dest_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let out = cli::build(book_dir, dest_dir)?;
    add_reload_script(&out)?;
    Ok(out)
}

fn add_reload_script(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            add_reload_script(&path)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&path)?;
            let html = match html.rfind("</body>") {
                Some(i) => format!("{}{RELOAD_SCRIPT}{}", &html[..i], &html[i..]),
                None => html,
            };
            std::fs::write(&path, html)?;
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
    let out = build_for_serving(&book_dir, dest_dir)?;
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
    let (rebuild_dir, rebuild_dest, rebuild_out) = (
        book_dir.clone(),
        dest_dir.map(Path::to_path_buf),
        out.clone(),
    );
    std::thread::spawn(move || {
        while let Ok(first) = change_rx.recv() {
            let mut relevant = is_source_change(&first, &rebuild_dir, &rebuild_out);
            while let Ok(next) = change_rx.recv_timeout(DEBOUNCE) {
                relevant |= is_source_change(&next, &rebuild_dir, &rebuild_out);
            }
            if !relevant {
                continue;
            }
            let started = std::time::Instant::now();
            match build_for_serving(&rebuild_dir, rebuild_dest.as_deref()) {
                Ok(_) => {
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
    let app = Router::new()
        .route(RELOAD_PATH, get(move || std::future::ready(events())))
        .fallback_service(ServeDir::new(&out));
    let address = format!("{host}:{port}");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .with_context(|| {
                format!("cannot listen on {address} — is another server using the port? try -p")
            })?;
        let url = format!("http://{address}/");
        eprintln!("serving {} at {url} (Ctrl-C stops)", out.display());
        if open {
            let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
        }
        axum::serve(listener, app)
            .await
            .context("the server stopped")
    })
}
