// Hostile tokens, dimension names and titles (tests/fixtures/hostile): shown literally, never
// run, before and after the script redraws the widget.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { launch, openWatched, widgetTexts } = require("./helpers.js");

const HOSTILE = path.resolve(process.env.HOSTILE_DIR || path.join(__dirname, "../../target/test-hostile"));

test("hostile text injects nothing and shows literally, with and without the script", async () => {
  const browser = await launch();
  try {
    const off = await browser.newContext({ javaScriptEnabled: false });
    const a = await off.newPage();
    await a.goto("file://" + path.join(HOSTILE, "hostile.html"));
    const before = await widgetTexts(a);

    const context = await browser.newContext();
    const { page, problems } = await openWatched(context, "file://" + path.join(HOSTILE, "hostile.html"));
    let dialogs = 0;
    page.on("dialog", (d) => { dialogs++; d.dismiss(); });
    await page.waitForTimeout(200);
    assert.deepEqual(await widgetTexts(page), before, "the script redraws the same text");
    const widget = await page.$(".attention-widget");
    // Interact: every token becomes the focus once, the mask flips, cells are hovered.
    const count = await widget.$$eval(".attention-focus option", (o) => o.length);
    for (let i = 0; i < count; i++) {
      await widget.$eval(".attention-focus", (s, i) => { s.value = String(i); s.dispatchEvent(new Event("change", { bubbles: true })); }, i);
      await widget.$eval("td[data-c]", (r) => r.dispatchEvent(new Event("pointerover", { bubbles: true })));
    }
    await widget.$eval(".attention-mask", (s) => { s.value = "causal"; s.dispatchEvent(new Event("change", { bubbles: true })); });
    const state = await page.evaluate(() => ({
      xss: window.__xss,
      imgs: document.querySelectorAll("main img").length,
      // Data and numpy programs, both inert text.
      scripts: [...document.querySelectorAll("main script")].every((s) => ["application/json", "text/x-python"].includes(s.type)),
      text: document.querySelector("main").textContent,
      tip: document.querySelector(".attention-tip").textContent,
    }));
    assert.equal(state.xss, undefined, "no injected script ran");
    assert.equal(dialogs, 0);
    assert.equal(state.imgs, 0, "no injected element");
    assert.ok(state.scripts);
    for (const literal of ["<script>window.__xss = 1</script>", "\"><img src=x onerror=\"window.__xss = 2\">", "a & b &amp; &lt;", "猫🐈‍⬛", "עִברִית"]) {
      assert.ok(state.text.includes(literal), `shows ${literal} literally`);
    }
    assert.ok(state.tip.includes("→"), "the tooltip names tokens as text");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test("tokens quoted in prose, tables, headings, links and alt text reach the page literally", async () => {
  const browser = await launch();
  try {
    for (const javaScriptEnabled of [false, true]) {
      const context = await browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      let dialogs = 0;
      page.on("dialog", (d) => { dialogs++; d.dismiss(); });
      await page.goto("file://" + path.join(HOSTILE, "quoted.html"));
      const state = await page.evaluate(() => {
        const main = document.querySelector("main");
        return {
          scriptLinks: main.querySelectorAll("a[href^='javascript']").length,
          images: [...main.querySelectorAll("img")].map((i) => i.getAttribute("src")),
          alts: [...main.querySelectorAll("img")].map((i) => i.getAttribute("alt")),
          markup: [...main.querySelectorAll("p em, p strong, p del, p code, p b, td em, td code, h2 em, h2 code")].map((e) => e.outerHTML),
          cells: [...main.querySelectorAll(".table-wrapper td")].map((td) => td.textContent),
          prose: [...main.querySelectorAll("p")].map((p) => p.textContent).join("\n"),
          heading: main.querySelector("h2").textContent,
        };
      });
      const label = javaScriptEnabled ? "with the script" : "without the script";
      assert.equal(state.scriptLinks, 0, `${label}: no javascript: link`);
      assert.ok(state.images.every((src) => src === "i.png"), `${label}: no image but the page's own: ${state.images}`);
      assert.ok(state.alts.every((a) => a === "alt [click](javascript:alert(1)) and `tick`"), `${label}: alt text is plain: ${state.alts}`);
      assert.deepEqual(state.markup, [], `${label}: no formatting made of tokens`);
      assert.deepEqual(state.cells, ["split?", "a|b", "after", "kept"], `${label}: a | in a token does not split a cell`);
      for (const token of ["[click](javascript:alert(1))", "![i](https://e.com/a.png)", "*x*", "`tick`", "__u__", "~~s~~", "end\\", "<b>bold</b>"]) {
        assert.ok(state.prose.includes(token), `${label}: prose shows ${token} literally`);
      }
      assert.equal(state.heading, "Heading *x*");
      assert.equal(dialogs, 0);
      await context.close();
    }
  } finally {
    await browser.close();
  }
});

test("print.html of the hostile book runs nothing and links nowhere, before and after interaction", async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    let dialogs = 0;
    page.on("dialog", (d) => { dialogs++; d.dismiss(); });
    await page.goto("file://" + path.join(HOSTILE, "print.html"));
    await page.waitForTimeout(200);
    for (const w of await page.$$(".attention-widget")) {
      const rows = await w.$$("tr[data-token] > th");
      for (const r of rows.slice(0, 4)) await r.evaluate((e) => e.click());
      const step = await w.$(".attention-back");
      if (step) await step.evaluate((e) => e.click());
    }
    const state = await page.evaluate(() => ({
      xss: window.__xss,
      scriptLinks: document.querySelectorAll("a[href^='javascript']").length,
      foreignImages: [...document.querySelectorAll("main img")].filter((i) => i.getAttribute("src") !== "i.png").length,
    }));
    assert.deepEqual(state, { xss: undefined, scriptLinks: 0, foreignImages: 0 });
    assert.equal(dialogs, 0);
    await context.close();
  } finally {
    await browser.close();
  }
});
