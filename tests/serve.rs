//! `serve` end to end: it serves the built book on localhost, rebuilds when a chapter changes,
//! tells open pages to reload over mdBook's live-reload WebSocket, and keeps serving (with the error on stderr) when an edit breaks
//! a block. Bounded waits, loopback only.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> Option<String> {
    get_with(port, path, "")
}

/// A GET with extra header lines (each ending in `\r\n`).
fn get_with(port: u16, path: &str, headers: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// Polls until `ok` holds, for at most `limit`.
fn wait_for(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Opens the WebSocket a page of build `generation` opens, past its handshake.
fn reload_socket(port: u16, generation: u64) -> BufReader<TcpStream> {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        socket,
        "GET /__attention/reload/{generation} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut socket = BufReader::new(socket);
    let mut status = String::new();
    socket.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 101"), "{status}");
    let mut line = String::new();
    while socket.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    socket
}

/// One unmasked text frame of "reload" from the server: 0x81, its length, then the text.
fn next_frame(socket: &mut BufReader<TcpStream>) -> [u8; 8] {
    let mut frame = [0u8; 8];
    socket.read_exact(&mut frame).unwrap();
    frame
}

/// Starts `serve` on a book and waits until it answers.
fn serve(book: &std::path::Path, port: u16) -> Server {
    let server = Server(
        Command::new(BIN)
            .args(["serve", "-n", "127.0.0.1", "-p", &port.to_string()])
            .arg(book)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(
        wait_for(Duration::from_secs(30), || get(port, "/widgets.html")
            .is_some_and(|r| r.starts_with("HTTP/1.1 200"))),
        "the server answers"
    );
    server
}

#[test]
fn serve_rebuilds_on_a_chapter_edit_and_tells_the_page_to_reload() {
    let book = common::copy_fixture("mini");
    let port = free_port();
    let _server = serve(book.path(), port);
    let page = get(port, "/widgets.html").unwrap();
    assert!(page.contains("class=\"attention-widget\""));
    // mdBook's own live-reload script, pointed at our endpoint.
    assert!(
        page.contains("\"__attention/reload/0\"") && page.contains("new WebSocket(wsAddress)"),
        "pages listen for rebuilds"
    );

    // Open the WebSocket a page of the first build opens, then edit a chapter.
    let mut socket = reload_socket(port, 0);
    std::fs::write(
        book.path().join("src/plain.md"),
        "# Plain\n\nEdited while serving.\n",
    )
    .unwrap();
    assert_eq!(
        &next_frame(&mut socket),
        b"\x81\x06reload",
        "the page is told to reload"
    );
    assert!(wait_for(Duration::from_secs(20), || get(
        port,
        "/plain.html"
    )
    .is_some_and(|r| r.contains("Edited while serving."))));
    let page = get(port, "/plain.html").unwrap();
    assert!(
        page.contains("\"__attention/reload/1\""),
        "the new pages name their build"
    );
    // A reload always gets the current build: never "not modified" (two builds within one
    // second share their files' times), never kept by the browser.
    let again = get_with(
        port,
        "/plain.html",
        "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\nIf-None-Match: *\r\n",
    )
    .unwrap();
    assert!(again.starts_with("HTTP/1.1 200"), "{}", &again[..40]);
    assert!(
        again
            .to_ascii_lowercase()
            .contains("cache-control: no-store")
    );
    // A page of the first build that connects only now (it was still loading when the second
    // build finished) is told at once, not after a build that may never come.
    let mut late = reload_socket(port, 0);
    assert_eq!(
        &next_frame(&mut late),
        b"\x81\x06reload",
        "a late page reloads"
    );

    // A broken block does not stop the server; fixing it brings the book back.
    std::fs::write(
        book.path().join("src/plain.md"),
        "# Plain\n\n```attention\ntokns = 1\n```\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        get(port, "/widgets.html")
            .unwrap()
            .starts_with("HTTP/1.1 200"),
        "still serving"
    );
    std::fs::write(book.path().join("src/plain.md"), "# Plain\n\nFixed.\n").unwrap();
    assert!(wait_for(Duration::from_secs(20), || get(
        port,
        "/plain.html"
    )
    .is_some_and(|r| r.contains("Fixed."))));
}

#[test]
fn serve_keeps_serving_a_book_with_a_page_that_is_not_utf8_and_never_exposes_half_a_build() {
    let book = common::copy_fixture("mini");
    // A hand-written page that is not UTF-8, copied to the output as it is.
    std::fs::write(
        book.path().join("src/legacy.html"),
        b"<html><body>caf\xe9</body></html>".as_slice(),
    )
    .unwrap();
    let port = free_port();
    let _server = serve(book.path(), port);
    // While chapters are edited and rebuilt, every request gets a whole page with its script.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let editor = {
        let (stop, path) = (stop.clone(), book.path().join("src/plain.md"));
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 40 {
                std::fs::write(&path, format!("# Plain\n\nEdit {i}.\n")).unwrap();
                std::thread::sleep(Duration::from_millis(60));
                i += 1;
            }
        })
    };
    // Six clients at once, 100 requests each, while the edits land.
    let clients: Vec<_> = (0..6)
        .map(|_| {
            std::thread::spawn(move || {
                let mut whole = 0;
                for _ in 0..100 {
                    let page = get(port, "/widgets.html").expect("an answer");
                    assert!(
                        page.starts_with("HTTP/1.1 200"),
                        "{}",
                        &page[..page.len().min(80)]
                    );
                    assert!(
                        page.contains("__attention/reload") && page.contains("</html>"),
                        "a whole page, with its script"
                    );
                    whole += 1;
                }
                whole
            })
        })
        .collect();
    let answered: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    editor.join().unwrap();
    assert_eq!(answered, 600);
}

/// No other site's page reads the book's problems: a WebSocket or a file asked for with a
/// foreign `Origin` or `Host` (DNS rebinding) is refused; the author's own page is answered.
#[test]
fn serve_answers_only_pages_of_its_own_address() {
    let book = common::copy_fixture("mini");
    let port = free_port();
    let _server = serve(book.path(), port);
    let ask = |path: &str, host: &str, origin: Option<&str>| {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\n{origin}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut status = String::new();
        BufReader::new(stream).read_line(&mut status).unwrap();
        status
    };
    let own = format!("127.0.0.1:{port}");
    let own_page = format!("http://127.0.0.1:{port}");
    assert!(ask("/__attention/problems", &own, Some(&own_page)).starts_with("HTTP/1.1 101"));
    for (host, origin) in [
        (own.as_str(), Some("http://evil.example")),
        ("evil.example", None),
        ("evil.example", Some("http://evil.example")),
    ] {
        for path in [
            "/__attention/problems",
            "/__attention/reload/0",
            "/widgets.html",
        ] {
            let status = ask(path, host, origin);
            assert!(
                status.starts_with("HTTP/1.1 403"),
                "{path} {host} {origin:?}: {status}"
            );
        }
    }
}
