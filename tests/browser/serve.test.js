// `mdbook-attention serve` as an author uses it: break a chapter while its page is open, see the
// problems over the last good page (in light and navy), hide them with Escape, fix the chapter,
// and get the figure back with the overlay gone. A built book never opens the connection.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const net = require("node:net");
const { spawn, execFileSync } = require("node:child_process");
const { launch, fileUrl } = require("./helpers.js");

const ROOT = path.resolve(__dirname, "../..");
const BIN = process.env.ATTENTION_BIN || path.join(ROOT, "target/release/mdbook-attention");

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

// `explain` adds what the page and the server said, so a failure on CI can be read from its log.
async function until(what, ok, ms = 30000, explain = async () => "") {
  const start = Date.now();
  for (;;) {
    const value = await ok();
    if (value) return value;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}\n${await explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser;
test.before(async () => { browser = await launch(); });
test.after(async () => { await browser.close(); });

test("a save that does not build shows its problems over the page until the next good build", async () => {
  const book = fs.mkdtempSync(path.join(os.tmpdir(), "attention-serve-"));
  fs.cpSync(path.join(ROOT, "tests/fixtures/mini"), book, { recursive: true });
  execFileSync(BIN, ["install", book], { stdio: "ignore" });
  const port = await freePort();
  const server = spawn(BIN, ["serve", book, "-n", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (d) => { stderr += d; });
  const page = await browser.newPage();
  try {
    const url = `http://127.0.0.1:${port}/widgets.html`;
    await until("the server", async () => { try { return (await fetch(url)).ok; } catch { return false; } });
    await page.goto(url);
    await page.waitForSelector(".attention-widget");
    assert.equal(await page.$(".attention-problems"), null, "no overlay while the book builds");

    const chapter = path.join(book, "src/widgets.md");
    const good = fs.readFileSync(chapter, "utf8");
    fs.writeFileSync(chapter, good + "\n```attention\nexample = \"pair\"\nshow = [\"heatmapp\"]\n```\n");
    const box = await page.waitForSelector(".attention-problems:not([hidden])", { timeout: 30000 });
    const text = await box.textContent();
    assert.match(text, /Your last save was not built/);
    assert.match(text, /error: unknown view `heatmapp`/);
    assert.match(text, /--> src\/widgets\.md:\d+:9/, "the same file:line as the terminal");
    assert.doesNotMatch(text, /\u001b\[/, "no terminal colour codes");
    // The terminal says it too (its pipe may reach this process after the page's socket).
    await until("the terminal to say it", async () => stderr.includes("unknown view `heatmapp`"), 10000);
    // The last good page stays under it, its figure alive.
    assert.ok(await page.$(".attention-widget table.attention-heatmap"));
    assert.equal(await page.evaluate(() => document.activeElement.className), "attention-problems", "focus moves to the dialog");
    assert.equal(await box.getAttribute("role"), "alertdialog");

    // Readable in a dark theme: text and background apart.
    await page.evaluate(() => { document.documentElement.className = "navy js"; });
    const colours = await box.evaluate((b) => { const s = getComputedStyle(b); return [s.color, s.backgroundColor]; });
    assert.notEqual(colours[0], colours[1]);

    await page.keyboard.press("Escape");
    assert.equal(await box.isHidden(), true, "Escape hides it");

    // A page opened now (after the failed save) is told too.
    const second = await browser.newPage();
    await second.goto(url);
    await second.waitForSelector(".attention-problems:not([hidden])", { timeout: 10000 });
    await second.close();

    // Fixed, saved in two writes as some editors do (the first, a chapter cut short, builds
    // too): the page ends on the last build, with the figure and without the overlay, even when
    // that build finished while the page was still reloading from the first.
    fs.writeFileSync(chapter, good.slice(0, good.indexOf("```attention")));
    await new Promise((r) => setTimeout(r, 150));
    fs.writeFileSync(chapter, good);
    await until("the overlay to go", async () => {
      try { return (await page.$(".attention-problems")) === null && (await page.$(".attention-widget table.attention-heatmap")) !== null; } catch { return false; }
    }, 30000, async () => {
      const shown = await page.evaluate(() => {
        const box = document.querySelector(".attention-problems");
        const build = (document.documentElement.innerHTML.match(/__attention\/reload\/\d+/) || ["no build number"])[0];
        const figure = document.querySelector(".attention-widget table.attention-heatmap") ? "a heatmap" : "no heatmap";
        return `page ${location.href} (${build}), ${document.readyState}, ${figure}; overlay: ${box ? (box.hidden ? "hidden: " : "shown: ") + box.textContent : "none"}`;
      }).catch((e) => `page unreadable: ${e.message}`);
      return `${shown}\nserver said:\n${stderr}`;
    });
  } finally {
    await page.close();
    server.kill();
    fs.rmSync(book, { recursive: true, force: true });
  }
});

test("a built book never asks for problems", async () => {
  const page = await browser.newPage();
  const asked = [];
  page.on("websocket", (ws) => asked.push(ws.url()));
  await page.goto(fileUrl("introduction.html"));
  await page.waitForTimeout(200);
  assert.deepEqual(asked, []);
  assert.equal(await page.$(".attention-problems"), null);
  await page.close();
});
