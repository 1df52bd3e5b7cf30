// Shared by the browser tests: launch Debian's Chromium through playwright-core, list the
// built book's pages, and watch every page for console errors and outside requests.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const BOOK = path.resolve(process.env.BOOK_DIR || path.join(__dirname, "../../target/test-book"));
if (!fs.existsSync(path.join(BOOK, "index.html"))) {
  throw new Error(`no built book in ${BOOK}: run tests/run-all.sh, or build with \`cargo run --release -- build -d target/test-book\``);
}
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Every chapter page of the built book, as file paths. */
function pages() {
  return fs.readdirSync(BOOK).filter((f) => f.endsWith(".html") && f !== "404.html" && f !== "toc.html").sort();
}

function fileUrl(page) {
  return "file://" + path.join(BOOK, page);
}

/** Opens a page and records console errors, page errors and requests outside the book. */
async function openWatched(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  // The book is the folder of the page (every page of an mdBook sits at its root).
  const book = url.slice(0, url.lastIndexOf("/") + 1);
  page.on("request", (r) => {
    const u = r.url();
    if (!(u.startsWith(book) || u.startsWith("data:") || u.startsWith("about:"))) problems.push("outside request: " + u);
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, problems };
}

/** The textContent of every widget of a page. */
function widgetTexts(page) {
  return page.$$eval(".attention-widget", (ws) => ws.map((w) => w.textContent));
}

module.exports = { BOOK, launch, pages, fileUrl, openWatched, widgetTexts };
