// Browser figures (a benchmark, not a test): asset size, slider latency for 5 and 64 tokens in
// headless Chromium, and each chapter's page weight. Run after `cargo bench --bench book`, which
// builds target/bench-books/, and after building the book into target/test-book:
//   node tests/browser/bench.js
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");
const { launch } = require("./helpers.js");

const ROOT = path.resolve(__dirname, "../..");
const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function sliderLatency(browser, tokens) {
  const page = await browser.newPage();
  const dir = typeof tokens === "string" ? tokens : `tokens-${tokens}`;
  await page.goto("file://" + path.join(ROOT, `target/bench-books/${dir}/w.html`));
  const times = await page.evaluate(() => {
    const input = document.querySelector(".attention-widget input[data-kind='q'][data-dim='0']");
    const out = { script: [], layout: [] };
    for (let i = 0; i < 300; i++) {
      input.value = String(-1 + (i % 200) / 100);
      const start = performance.now();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      const scripted = performance.now();
      document.body.getBoundingClientRect(); // force style and layout
      const laid = performance.now();
      out.script.push(scripted - start);
      out.layout.push(laid - start);
    }
    return out;
  });
  await page.close();
  return times;
}

// The training slider of the book's chapter: one stop per event, back and forth.
async function trainingLatency(browser) {
  const page = await browser.newPage();
  await page.goto("file://" + path.join(ROOT, "target/test-book/learning.html"));
  const times = await page.evaluate(() => {
    const input = document.querySelector(".attention-training-step");
    const stops = +input.max + 1, out = { script: [], layout: [] };
    for (let i = 0; i < 300; i++) {
      input.value = String(i % stops);
      const start = performance.now();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      const scripted = performance.now();
      document.body.getBoundingClientRect(); // force style and layout
      out.script.push(scripted - start);
      out.layout.push(performance.now() - start);
    }
    return out;
  });
  await page.close();
  return times;
}

(async () => {
  // Every script the book loads (book.toml's additional-js, the order of assets.rs) and the CSS.
  const files = require("../js/load.js").scripts().concat(["theme/attention.css"]).map((f) => path.join(ROOT, f));
  const raw = files.reduce((t, f) => t + fs.statSync(f).size, 0), zipped = files.reduce((t, f) => t + gz(f), 0);
  console.log("## Assets\n");
  console.log(`theme/attention/*.js + attention.css (${files.length} files): ${raw} bytes, ${zipped} bytes gzipped, each file on its own (budget 24,576)\n`);
  const browser = await launch();
  if (fs.existsSync(path.join(ROOT, "target/bench-books"))) {
  console.log("## Slider latency (recompute and redraw per input event, 300 events)\n");
  console.log("| tokens | median ms | p95 ms | mean ms | median ms incl. style+layout | p95 ms incl. style+layout | mean ms incl. style+layout |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const n of [5, 64, "heads-4x5", "heads-8x64"]) {
    const t = await sliderLatency(browser, n);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`| ${n} | ${percentile(t.script, 0.5).toFixed(2)} | ${percentile(t.script, 0.95).toFixed(2)} | ${mean(t.script).toFixed(3)} | ${percentile(t.layout, 0.5).toFixed(2)} | ${percentile(t.layout, 0.95).toFixed(2)} | ${mean(t.layout).toFixed(3)} |`);
  }
  if (fs.existsSync(path.join(ROOT, "target/test-book/learning.html"))) {
    const t = await trainingLatency(browser);
    console.log(`\nTraining slider (learning.html, 300 steps): median ${percentile(t.script, 0.5).toFixed(2)} ms, p95 ${percentile(t.script, 0.95).toFixed(2)} ms; with style and layout, median ${percentile(t.layout, 0.5).toFixed(2)} ms (budget 2 ms)`);
  }
  }
  const book = path.join(ROOT, "target/test-book");
  if (fs.existsSync(book)) {
    console.log("\n## Each chapter: elements and HTML (the shared assets are cached; budget 2,000 elements and 400 KB)\n");
    console.log("| page | elements | HTML bytes | gzipped |");
    console.log("|---|---:|---:|---:|");
    const page = await browser.newPage();
    for (const f of fs.readdirSync(book).filter((f) => f.endsWith(".html") && !["404.html", "toc.html", "index.html", "print.html"].includes(f)).sort()) {
      const file = path.join(book, f);
      await page.goto("file://" + file);
      const elements = await page.evaluate(() => document.getElementsByTagName("*").length);
      console.log(`| ${f} | ${elements} | ${fs.statSync(file).size} | ${gz(file)} |`);
    }
    await page.close();
    // The heaviest chapter loaded as a slow phone would: the CPU slowed 4×, from disk, until
    // every widget is alive (median of 5).
    const loads = [];
    for (let run = 0; run < 5; run++) {
      const slow = await browser.newPage();
      const cdp = await slow.context().newCDPSession(slow);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      const start = Date.now();
      await slow.goto("file://" + path.join(book, "real-attention.html"), { waitUntil: "load" });
      await slow.waitForFunction(() => Array.prototype.every.call(document.querySelectorAll(".attention-widget"), (w) => w.attentionWidget));
      loads.push(Date.now() - start);
      await slow.close();
    }
    console.log(`\nreal-attention.html with the CPU slowed 4×, from navigation until every widget is alive: median ${percentile(loads, 0.5)} ms (${loads.join(", ")})`);
  }
  await browser.close();
})();
