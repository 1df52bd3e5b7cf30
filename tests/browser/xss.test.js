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
      await widget.$eval("rect[data-c]", (r) => r.dispatchEvent(new Event("pointerover", { bubbles: true })));
    }
    await widget.$eval(".attention-mask", (s) => { s.value = "causal"; s.dispatchEvent(new Event("change", { bubbles: true })); });
    const state = await page.evaluate(() => ({
      xss: window.__xss,
      imgs: document.querySelectorAll("main img").length,
      scripts: [...document.querySelectorAll("main script")].every((s) => s.type === "application/json"),
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
