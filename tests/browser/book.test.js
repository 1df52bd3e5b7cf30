// The built book in real Chromium: every page, the tutorial's experiment, the keyboard, print,
// themes and a phone-sized screen. Run by tests/run-all.sh after the book is built.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { BOOK, launch, pages, fileUrl, openWatched, widgetReadings } = require("./helpers.js");

let browser;
test.before(async () => { browser = await launch(); });
test.after(async () => { await browser.close(); });

test("every page loads from disk with no console error and no request outside the book", async () => {
  const context = await browser.newContext();
  for (const p of pages()) {
    const { page, problems } = await openWatched(context, fileUrl(p));
    await page.waitForTimeout(50);
    assert.deepEqual(problems, [], `${p}: ${problems.join("; ")}`);
    await page.close();
  }
  await context.close();
});

test("every page served over http loads with no console error and no request outside the book", async () => {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".png": "image/png", ".json": "application/json" };
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(BOOK, rel.endsWith("/") ? rel + "index.html" : rel);
    if (!file.startsWith(BOOK) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const context = await browser.newContext();
  try {
    for (const p of pages()) {
      const { page, problems } = await openWatched(context, base + p);
      await page.waitForTimeout(50);
      assert.deepEqual(problems, [], `${p}: ${problems.join("; ")}`);
      await page.close();
    }
  } finally {
    await context.close();
    server.close();
  }
});

// The book, and a fixture with a block for every key a block may hold (tests/fixtures/every-key):
// whatever the build wrote — every number, caption, slider value and cell's accessible name — the
// script must leave as it is until the reader moves something.
const EVERY_KEY = process.env.EVERY_KEY_DIR && path.resolve(process.env.EVERY_KEY_DIR);
for (const [name, book, least] of [["the book", BOOK, 13], ["the every-key fixture", EVERY_KEY, 12]]) {
  test(`every widget of ${name} reads and sounds the same before and after the script runs`, { skip: !book && "EVERY_KEY_DIR is not set (tests/run-all.sh sets it)" }, async () => {
    const off = await browser.newContext({ javaScriptEnabled: false });
    const on = await browser.newContext();
    let widgets = 0;
    for (const p of pages(book).filter((p) => p !== "print.html")) {
      const a = await off.newPage();
      await a.goto(fileUrl(p, book));
      const before = await widgetReadings(a);
      const b = await on.newPage();
      const problems = [];
      b.on("pageerror", (e) => problems.push(e.message));
      await b.goto(fileUrl(p, book));
      const hydrated = await b.$$eval(".attention-widget", (ws) => ws.filter((w) => w.attentionWidget).length);
      const after = await widgetReadings(b);
      assert.deepEqual(problems, [], `${p}: script errors`);
      assert.equal(hydrated, before.length, `${p}: every widget hydrates`);
      for (let w = 0; w < before.length; w++) {
        assert.equal(after[w].text, before[w].text, `${p}, widget ${w + 1}: its text changed when the script ran`);
        const gone = before[w].said.filter((x) => !after[w].said.includes(x));
        assert.deepEqual(gone, [], `${p}, widget ${w + 1}: names or values the script rewrote`);
      }
      widgets += before.length;
      await a.close();
      await b.close();
    }
    assert.ok(widgets >= least, `${name} has widgets (${widgets})`);
    await off.close();
    await on.close();
  });
}

/** The widget with a given build-time JSON field value. */
async function widgetHandle(page, index) {
  return (await page.$$(".attention-widget"))[index];
}

test("the experiment: raising Q_cat[1] to 1.0 raises the weight on black to the core's number", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const [live, raised] = await page.$$(".attention-widget");
  const weightOnBlack = (w) => w.$eval("[data-b='w f 1']", (e) => e.textContent);
  const before = await weightOnBlack(live);
  const slider = await live.$("input[data-kind='q'][data-dim='0']");
  assert.equal(await slider.getAttribute("aria-label"), "Query of cat, dimension 1");
  await slider.evaluate((s) => { s.value = "1"; s.dispatchEvent(new Event("input", { bubbles: true })); });
  const after = await weightOnBlack(live);
  assert.ok(Number(after) > Number(before), `${after} > ${before}`);
  // The build computed the same experiment in the block with set_query = { 1 = 1.0 }.
  assert.equal(after, await weightOnBlack(raised));
  for (const b of ["dots f 0", "ss f 3", "w f 4", "wsum f"]) {
    assert.equal(await live.$eval(`[data-b='${b}']`, (e) => e.textContent), await raised.$eval(`[data-b='${b}']`, (e) => e.textContent), b);
  }
  await page.close();
});

test("sliders are real ARIA sliders: arrows, Page Up/Down, Home/End; moving back restores the widget", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await widgetHandle(page, 0);
  // The widget's DOM with each element's attributes in name order: what the state is, not the
  // order in which the script happened to set attributes.
  const canonical = () => live.evaluate((root) => {
    const walk = (n) => n.nodeType === 3 ? n.data : n.nodeType !== 1 ? "" :
      "<" + n.localName + [...n.attributes].map((a) => ` ${a.name}="${a.value}"`).sort().join("") + ">" +
      [...n.childNodes].map(walk).join("") + "</" + n.localName + ">";
    return walk(root);
  });
  const original = await canonical();
  const slider = await live.$("input[data-kind='q'][data-dim='0']");
  assert.equal(await slider.evaluate((s) => s.type), "range");
  await slider.focus();
  const q = () => live.$eval("output[data-b='q f 0']", (e) => e.textContent);
  await page.keyboard.press("ArrowRight");
  assert.equal(await q(), "0.42");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await q(), "0.41");
  await page.keyboard.press("End");
  assert.equal(await q(), "2.00");
  await page.keyboard.press("Home");
  assert.equal(await q(), "-2.00");
  await page.keyboard.press("PageUp");
  assert.notEqual(await q(), "-2.00");
  // Back to the start: the query is set, not projected, so use Reset, then compare everything.
  await live.$eval(".attention-reset", (b) => b.click());
  await page.evaluate(() => document.activeElement.blur());
  assert.equal(await canonical(), original);
  await page.close();
});

test("moving a slider and moving it back restores the widget exactly", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await widgetHandle(page, 0);
  const set = (v) => live.$eval("input[data-kind='x'][data-dim='1']", (s, v) => { s.value = v; s.dispatchEvent(new Event("input", { bubbles: true })); }, v);
  const original = await live.evaluate((w) => w.textContent);
  await set("1.5");
  assert.notEqual(await live.evaluate((w) => w.textContent), original);
  await set("0.8");
  assert.equal(await live.evaluate((w) => w.textContent), original);
  await page.close();
});

test("keyboard and clicks change the focus token; cells tell their exact value", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await widgetHandle(page, 0);
  const rowHeader = await live.$("tr[data-token='1'] > th");
  await rowHeader.focus();
  await page.keyboard.press("Enter");
  assert.equal(await live.$eval("legend span", (e) => e.textContent), "black");
  assert.equal(await live.$eval("input[data-kind='q'][data-dim='0']", (e) => e.getAttribute("aria-label")), "Query of black, dimension 1");
  await live.$eval("tr[data-token='3'] > th", (e) => e.click());
  assert.equal(await live.$eval("legend span", (e) => e.textContent), "ate");
  const cell = await live.$("td[data-c='w 2 1']");
  await cell.focus();
  const tip = await page.$eval(".attention-tip", (e) => e.textContent);
  const exact = await live.$eval("script.attention-data", (e) => JSON.parse(e.textContent).weights[2][1]);
  // The book's number format, not a raw float.
  assert.ok(tip.startsWith(`cat → black: weight ${exact.toFixed(2)}; q·k = `), tip);
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("data-c")), "w 2 2");
  // Enter on a cell follows the word of its row.
  await page.keyboard.press("Enter");
  assert.equal(await live.$eval("legend span", (e) => e.textContent), "cat");
  await page.close();
});

test("the mask and scale controls recompute; causal masks the future", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await widgetHandle(page, 0);
  await live.$eval(".attention-mask", (s) => { s.value = "causal"; s.dispatchEvent(new Event("change", { bubbles: true })); });
  assert.equal(await live.$eval("[data-b='w f 3']", (e) => e.textContent), "⨯");
  assert.match(await live.$eval("td[data-c='w 0 1']", (e) => e.getAttribute("class")), /masked/);
  assert.equal(await live.$eval("td[data-c='w 0 1']", (e) => e.textContent), "⨯");
  await live.$eval(".attention-scale-mode", (s) => { s.value = "one"; s.dispatchEvent(new Event("change", { bubbles: true })); });
  assert.equal(await live.$eval("output[data-b='scale']", (e) => e.textContent), "1.00");
  await page.close();
});

test("print.html holds every widget, alive, with no errors", async () => {
  const context = await browser.newContext();
  const { page, problems } = await openWatched(context, fileUrl("print.html"));
  await page.waitForTimeout(300);
  const [count, alive] = await page.$$eval(".attention-widget", (ws) => [ws.length, ws.filter((w) => w.attentionWidget).length]);
  const perPage = pages().filter((p) => p !== "print.html" && p !== "index.html")
    .map((p) => fs.readFileSync(path.join(BOOK, p), "utf8").split('class="attention-widget"').length - 1)
    .reduce((a, b) => a + b, 0);
  assert.equal(count, perPage, "print.html has every chapter's widgets");
  assert.equal(alive, count);
  assert.deepEqual(problems, []);
  await context.close();
});

// A computed colour's red, green and blue from 0 to 255: `rgb(…)`, or the `color(srgb …)` of a
// colour-mix (components from 0 to 1).
function channels(colour) {
  const parts = colour.match(/\d+(\.\d+)?(e-?\d+)?/g).slice(0, 3).map(Number);
  return colour.startsWith("color(srgb") ? parts.map((c) => c * 255) : parts;
}

function luminance(rgb) {
  const [r, g, b] = channels(rgb).map((c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test("printed, every figure stays and no control is left on the paper", async () => {
  const context = await browser.newContext();
  for (const p of pages().filter((p) => fs.readFileSync(path.join(BOOK, p), "utf8").includes('class="attention-widget"'))) {
    const { page, problems } = await openWatched(context, fileUrl(p));
    await page.emulateMedia({ media: "print" });
    // (mdBook's copy button over a code block is there but unseen, as on every code block it prints.)
    const shown = (sel) => page.$$eval(sel, (els) => els.filter((e) => {
      const style = getComputedStyle(e.closest(".buttons") || e);
      return e.getClientRects().length > 0 && style.visibility !== "hidden" && style.opacity !== "0";
    }).length);
    assert.equal(await shown(".attention-widget button, .attention-widget select, .attention-widget input"), 0, `${p}: a control would print`);
    const hidden = await page.$$eval(".attention-widget svg, .attention-widget table", (els) => els.filter((e) => !e.closest("details") && e.getClientRects().length === 0).length);
    assert.equal(hidden, 0, `${p}: every figure outside a table alternative prints`);
    assert.deepEqual(problems, [], `${p}: ${problems.join("; ")}`);
    await page.close();
  }
  await context.close();
});

test("all five themes: readable text and a heatmap hue that stands out from the page", async () => {
  for (const theme of ["light", "rust", "coal", "navy", "ayu"]) {
    const context = await browser.newContext();
    await context.addInitScript((t) => localStorage.setItem("mdbook-theme", t), theme);
    const page = await context.newPage();
    await page.goto(fileUrl("attention-matrix.html"));
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains(localStorage.getItem("mdbook-theme"))), true);
    const c = await page.evaluate(() => {
      const bg = getComputedStyle(document.documentElement).backgroundColor;
      // A full-weight cell's own colour, and a heatmap's word labels.
      const probe = document.querySelector(".attention-heatmap td[data-c]:not(.masked)").cloneNode();
      probe.style.setProperty("--w", "1");
      document.querySelector(".attention-heatmap tbody tr").appendChild(probe);
      const fill = getComputedStyle(probe).backgroundColor;
      probe.remove();
      const text = document.querySelector(".attention-heatmap th[scope='row']");
      return { bg, fill, text: getComputedStyle(text).color };
    });
    assert.ok(contrast(c.text, c.bg) >= 4.5, `${theme}: label contrast ${contrast(c.text, c.bg)}`);
    assert.ok(contrast(c.fill, c.bg) >= 3, `${theme}: full-weight cell contrast ${contrast(c.fill, c.bg)}`);
    await context.close();
  }
});

test("on a 375-pixel screen no page is wider than the screen", async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  for (const p of pages()) {
    if (p === "print.html") continue;
    const page = await context.newPage();
    await page.goto(fileUrl(p));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${p} is ${width}px wide`);
    await page.close();
  }
  await context.close();
});

test("named results follow the widget's live inputs, each with its own mask", async () => {
  // A copy of the compare figure whose embedded inputs differ from what the build computed:
  // the script must redraw both named results (mask[bidirectional], mask[causal]) from the
  // changed inputs, each under its own mask, and outline exactly the cells that then differ.
  const html = fs.readFileSync(path.join(BOOK, "attention-matrix.html"), "utf8");
  const probe = path.join(BOOK, "named-results-probe.html");
  const changed = html.replace(/(<script type="application\/json" class="attention-data">)(.*?)(<\/script>)/g, (all, open, json, close) => {
    const data = JSON.parse(json);
    if (!data.results) return all;
    data.embeddings[0] = [0.9, -0.7, 0.3];
    data.scale = 0.9;
    data.scale_is_default = false;
    return open + JSON.stringify(data) + close;
  });
  assert.notEqual(changed, html, "the page has a widget with named results");
  fs.writeFileSync(probe, changed);
  const page = await browser.newPage();
  try {
    await page.goto(fileUrl("named-results-probe.html"));
    const report = await page.evaluate(() => {
      const api = window.attentionBook;
      const widget = [...document.querySelectorAll(".attention-widget")].find((w) => w.querySelector("[data-r]"));
      const data = JSON.parse(widget.querySelector("script.attention-data").textContent);
      const expected = data.results.map((named) => api.compute(Object.assign({}, data, named.input)));
      const wrong = [];
      let cells = 0;
      widget.querySelectorAll("[data-r]").forEach((panel) => {
        const r = expected[+panel.getAttribute("data-r") - 1];
        const shown = (i, j) => api.fmt(r.scores[i][j] === null ? null : r.weights[i][j]);
        const against = panel.getAttribute("data-against");
        panel.querySelectorAll("td[data-c]").forEach((t) => {
          const [, i, j] = t.getAttribute("data-c").split(" ").map(Number);
          cells++;
          if (t.textContent !== shown(i, j)) wrong.push(`${t.getAttribute("data-c")} in result ${panel.getAttribute("data-r")}: ${t.textContent} ≠ ${shown(i, j)}`);
          if (against === null) return;
          const other = expected[+against - 1];
          // Only a weight that is there can have moved: a masked cell (⨯) is never outlined.
          const differs = r.scores[i][j] !== null && shown(i, j) !== api.fmt(other.scores[i][j] === null ? null : other.weights[i][j]);
          if (t.classList.contains("changed") !== differs) wrong.push(`outline ${i} ${j}`);
          // Said in words too: a screen reader hears "0.23, changed".
          if ((t.getAttribute("aria-label") || "").endsWith(", changed") !== differs) wrong.push(`name ${i} ${j}: ${t.getAttribute("aria-label")}`);
        });
      });
      // The count in words is the number of cells outlined.
      const summary = widget.querySelector(".attention-compare-summary");
      const outlined = widget.querySelectorAll("td.changed").length;
      if (!summary || !summary.textContent.startsWith(`Outlined: ${outlined} of the `)) wrong.push(`summary "${summary && summary.textContent}" for ${outlined} outlined`);
      return { wrong, cells };
    });
    assert.ok(report.cells >= 50, `cells checked: ${report.cells}`);
    assert.deepEqual(report.wrong, []);
  } finally {
    await page.close();
    fs.rmSync(probe);
  }
});

test("a 'Predict first' answer waits behind its summary, and shows without script and on paper", async () => {
  const pagesWithAnswers = pages().filter((p) => fs.readFileSync(path.join(BOOK, p), "utf8").includes("class=\"attention-answer\""));
  assert.ok(pagesWithAnswers.length >= 2, `answers on ${pagesWithAnswers}`);
  const off = await browser.newContext({ javaScriptEnabled: false });
  for (const p of pagesWithAnswers.filter((p) => p !== "print.html")) {
    const page = await browser.newPage();
    await page.goto(fileUrl(p));
    // (A figure's numpy program is written closed: tests of its own, in teaching.test.js.)
    const states = await page.$$eval("details.attention-answer:not(.attention-reproduce)", (ds) => ds.map((d) => d.open));
    assert.ok(states.length > 0 && states.every((o) => o === false), `${p}: closed with script (${states})`);
    // Printed, each answer's figure is on the paper.
    await page.emulateMedia({ media: "print" });
    const printed = await page.$$eval("details.attention-answer", (ds) => ds.map((d) => {
      const inside = d.querySelector(".attention-widget, p");
      return inside ? inside.getBoundingClientRect().height > 0 : true;
    }));
    assert.ok(printed.every(Boolean), `${p}: every answer shows in print (${printed})`);
    await page.close();
    const plain = await off.newPage();
    await plain.goto(fileUrl(p));
    const open = await plain.$$eval("details.attention-answer:not(.attention-reproduce)", (ds) => ds.map((d) => d.open));
    assert.ok(open.every(Boolean), `${p}: open without script (${open})`);
    await plain.close();
  }
  await off.close();
});
