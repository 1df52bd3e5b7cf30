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

/** Every chapter page of the built book (or of another built book), as file paths. */
function pages(book = BOOK) {
  return fs.readdirSync(book).filter((f) => f.endsWith(".html") && f !== "404.html" && f !== "toc.html").sort();
}

function fileUrl(page, book = BOOK) {
  return "file://" + path.join(book, page);
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

/**
 * Everything of every widget a reader can read, seen or heard: its text, and each element's
 * accessible name and value (a slider's number, a cell's "cat → black: 0.64"), in document order.
 */
function widgetReadings(page) {
  return page.$$eval(".attention-widget", (ws) => ws.map((w) => {
    const said = [];
    for (const el of w.querySelectorAll("*")) {
      for (const a of ["aria-label", "aria-valuetext", "aria-valuenow", "title"]) {
        if (el.hasAttribute(a)) said.push(`${el.tagName}[${a}]=${el.getAttribute(a)}`);
      }
      if (el.tagName === "INPUT" || el.tagName === "SELECT") said.push(`${el.tagName}.value=${el.value}`);
    }
    return { text: w.textContent, said };
  }));
}

module.exports = { BOOK, launch, pages, fileUrl, openWatched, widgetTexts, widgetReadings };
