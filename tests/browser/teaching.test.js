// The book teaches: totals a reader can check with a pencil, on every figure, before and after
// every control moves; cell text readable in all five themes; nothing cut off or too small on a
// phone; captions that follow the figure; controls beside the figure on a wide screen; step
// buttons that reproduce the figures the prose walks through.
"use strict";
const test = require("node:test");
const fs = require("node:fs");
const path = require("node:path");
const assert = require("node:assert/strict");
const { launch, pages, fileUrl, BOOK } = require("./helpers.js");

let browser;
test.before(async () => { browser = await launch(); });
test.after(async () => { await browser.close(); });

const THEMES = ["light", "rust", "coal", "navy", "ayu"];

// Runs in the page: every total of every widget, redone by hand from the numbers shown beside
// it, independently of attention.js. A total must read "x" when the shown operands give x, and
// "≈ x" when they do not. Returns [number of totals checked, problems].
function pencilProblems() {
  const H = (s) => {
    const m = /^(-?)(\d+)\.(\d\d)$/.exec(s);
    if (!m) return null;
    const v = BigInt(m[2]) * 100n + BigInt(m[3]);
    return m[1] ? -v : v;
  };
  // Ten-thousandths to hundredths, halves to even: a reader's rounding in the book's rule.
  const round = (x) => {
    const r = ((x % 100n) + 100n) % 100n, q = (x - r) / 100n;
    return r > 50n || (r === 50n && ((q % 2n) + 2n) % 2n === 1n) ? q + 1n : q;
  };
  const quotient = (a, b) => {
    if (a === null || b === null || b <= 0n || a < 0n) return null;
    const num = a * 100n, q = num / b, r = num % b;
    return 2n * r > b || (2n * r === b && q % 2n === 1n) ? q + 1n : q;
  };
  const strip = (t) => t.replace(/^≈ /, "");
  const problems = [];
  let checked = 0;
  const judge = (el, byHand, where) => {
    checked++;
    const t = el.textContent.trim();
    const approx = t.startsWith("≈ ");
    const shown = H(strip(t));
    const reproduces = byHand !== null && shown !== null && byHand === shown;
    if (reproduces === approx) problems.push(`${where}: shows "${t}", by hand ${byHand === null ? "?" : byHand}`);
  };
  const sum = (els) => els.map((e) => strip(e.textContent)).filter((t) => t !== "⨯").reduce((acc, t) => (acc === null || H(t) === null ? null : acc + H(t)), 0n);
  document.querySelectorAll(".attention-widget").forEach((w, wi) => {
    const where = (b) => `widget ${wi + 1} [${b}]`;
    const inWidget = (b) => w.querySelector(`[data-b="${b}"]`);
    const text = (el) => (el ? strip(el.textContent) : null);
    w.querySelectorAll("[data-b]").forEach((el) => {
      const b = el.getAttribute("data-b"), p = b.split(" "), table = el.closest("table");
      switch (p[0]) {
        // The weights of the table's own result (a "before" column reads another: data-r).
        case "wsum": judge(el, sum([...table.querySelectorAll('[data-b^="w f "]:not([data-r])')]), where(b)); break;
        case "esum": judge(el, sum([...table.querySelectorAll('[data-b^="ex f "]')]), where(b)); break;
        case "osum": judge(el, sum([...table.querySelectorAll(`[data-b^="wv f "]`)].filter((e) => e.getAttribute("data-b").split(" ")[3] === p[2])), where(b)); break;
        case "wv": {
          const w = H(text(table.querySelector(`[data-b="weights f ${p[2]}"]`))), v = H(text(table.querySelector(`[data-b="v ${p[2]} ${p[3]}"]`)));
          judge(el, w === null || v === null ? null : round(w * v), where(b));
          break;
        }
        case "rsum": judge(el, sum([table.querySelector(`[data-b="x f ${p[2]}"]`), table.querySelector(`[data-b="output f ${p[2]}"]`)]), where(b)); break;
        case "wc": {
          if (el.textContent === "⨯") break;
          // After (the row's weight) minus before (the cell bound to the same weight of the result it is set against).
          const row = el.closest("tr"), after = H(text(row.querySelector(`td[data-b="w f ${p[2]}"]:not([data-r])`)));
          const was = H(text(row.querySelector(`td[data-b="w f ${p[2]}"][data-r="${el.getAttribute("data-against")}"]`)));
          judge(el, after === null || was === null ? null : after - was, where(b));
          break;
        }
        case "ss": {
          if (el.textContent === "⨯") break;
          const dot = H(text(table.querySelector(`[data-b="dots f ${p[2]}"]`))), scale = H(text(table.querySelector('caption [data-b="scale"]')));
          judge(el, dot === null || scale === null ? null : round(dot * scale), where(b));
          break;
        }
        case "sm": {
          if (el.textContent === "⨯") break;
          const s = H(text(table.querySelector(`[data-b="scores f ${p[2]}"]`))), max = H(text(table.querySelector('[data-b="smax f"]')));
          judge(el, s === null || max === null ? null : s - max, where(b));
          break;
        }
        case "sw": {
          const ex = H(text(table.querySelector(`[data-b="ex f ${p[2]}"]`))), total = H(text(table.querySelector('[data-b="esum f"]')));
          if (total === 0n) break;
          judge(el, quotient(ex, total), where(b));
          break;
        }
        case "md": {
          let acc = 0n;
          for (let d = 0; ; d++) {
            const q = inWidget(`q ${p[1]} ${d}`), k = inWidget(`k ${p[2]} ${d}`);
            if (!q || !k) break;
            const a = H(text(q)), c = H(text(k));
            acc = acc === null || a === null || c === null ? null : acc + a * c;
          }
          judge(el, acc === null ? null : round(acc), where(b));
          break;
        }
      }
    });
    // Projections, read as a reader reads them: "… = w×x + w×x = p + p = total".
    w.querySelectorAll(".attention-equations li").forEach((li, n) => {
      const parts = li.textContent.split(" = ");
      const pairs = parts[2].split(" + ").map((t) => t.split("×").map(H));
      const products = [...li.querySelectorAll('[data-b^="qt"], [data-b^="kt"], [data-b^="vt"]')];
      products.forEach((el, i) => judge(el, round(pairs[i][0] * pairs[i][1]), `widget ${wi + 1} equation ${n + 1} term ${i + 1}`));
      judge(li.querySelector("strong"), sum(products), `widget ${wi + 1} equation ${n + 1} total`);
    });
  });
  return [checked, problems];
}

async function assertPencilTrue(page, label) {
  const [checked, problems] = await page.evaluate(pencilProblems);
  assert.deepEqual(problems, [], `${label}: ${problems.slice(0, 8).join("; ")}`);
  return checked;
}

test("pencil rule: every total on every page, as built, matches its shown terms or says ≈", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  let total = 0;
  for (const p of pages()) {
    const page = await context.newPage();
    await page.goto(fileUrl(p));
    total += await assertPencilTrue(page, p);
    await page.close();
  }
  assert.ok(total > 100, `totals were checked (${total})`);
  await context.close();
});

test("pencil rule: every total stays true while every control of every widget moves", async () => {
  const context = await browser.newContext();
  let moves = 0;
  for (const p of pages().filter((p) => p !== "print.html")) {
    const page = await context.newPage();
    await page.goto(fileUrl(p));
    await assertPencilTrue(page, `${p} hydrated`);
    const sliders = await page.$$(".attention-widget input[type='range']");
    for (const [i, s] of sliders.entries()) {
      for (const v of ["-1.37", "0.83", "1.99"]) {
        await s.evaluate((el, v) => { el.value = v; el.dispatchEvent(new Event("input", { bubbles: true })); }, v);
        moves++;
        await assertPencilTrue(page, `${p} slider ${i} at ${v}`);
      }
    }
    for (const mask of await page.$$(".attention-widget .attention-mask")) {
      await mask.evaluate((el) => { el.value = "causal"; el.dispatchEvent(new Event("change", { bubbles: true })); });
      await assertPencilTrue(page, `${p} causal`);
    }
    for (const button of await page.$$(".attention-step")) {
      await button.evaluate((e) => e.click());
      await assertPencilTrue(page, `${p} step ${await button.textContent()}`);
    }
    for (const row of (await page.$$(".attention-widget tr[data-token] > th")).slice(0, 6)) {
      await row.evaluate((e) => e.click());
      await assertPencilTrue(page, `${p} after following another word`);
    }
    await page.close();
  }
  assert.ok(moves > 20, `controls moved (${moves})`);
  await context.close();
});

test("pencil rule: a heatmap tooltip's dot product adds up or says ≈", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const cells = await page.$$(".attention-widget td[data-c]");
  let seen = 0;
  for (const cell of cells.slice(0, 25)) {
    await cell.focus();
    const tip = await page.$eval(".attention-tip", (e) => e.textContent);
    const m = /weight (\d+\.\d\d); q·k = (.*?) (= |≈ )(-?\d+\.\d\d), × (\d+\.\d\d) (= |≈ )(-?\d+\.\d\d)$/.exec(tip);
    assert.ok(m, `a tooltip in the book's number format: ${tip}`);
    const H = (s) => Math.round(Number(s) * 100);
    const byHand = m[2].split(" + ").reduce((acc, t) => { const [a, b] = t.split("×").map(H); return acc + a * b; }, 0);
    const rounded = (x) => { const q = Math.floor(x / 100), r = x - q * 100; return r > 50 || (r === 50 && q % 2 !== 0) ? q + 1 : q; };
    assert.equal(rounded(byHand) !== H(m[4]), m[3] === "≈ ", `q·k in "${tip}"`);
    const scaled = rounded(H(m[4]) * H(m[5]));
    assert.equal(scaled !== H(m[7]), m[6] === "≈ ", `× scale in "${tip}"`);
    seen++;
  }
  assert.ok(seen >= 25);
  await page.close();
});

test("a tooltip never covers the heatmap it describes", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const cell = await page.$(".attention-widget td[data-c='w 2 1']");
  await cell.focus();
  const [tip, box] = await page.evaluate(() => [
    document.querySelector(".attention-tip").getBoundingClientRect().toJSON(),
    document.activeElement.closest(".attention-heatmap-box").getBoundingClientRect().toJSON(),
  ]);
  assert.ok(tip.top >= box.bottom, `tip top ${tip.top} below the heatmap (${box.bottom})`);
  await page.close();
});

// Runs in the page: each heatmap number against its own cell's colour, composited on the page.
function cellContrasts() {
  const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bg = rgb(getComputedStyle(document.documentElement).backgroundColor);
  const out = [];
  document.querySelectorAll(".attention-heatmap:not(.attention-heatmap-quiet) td[data-c]").forEach((td) => {
    // The cell's colour is its theme hue mixed with transparency: composited on the page.
    // Chromium writes a colour-mix as `color(srgb r g b / a)`, each from 0 to 1.
    const style = getComputedStyle(td), parts = style.backgroundColor.match(/[\d.]+(e-?\d+)?/g).map(Number);
    const srgb = style.backgroundColor.startsWith("color(srgb");
    const fill = parts.slice(0, 3).map((c) => (srgb ? c * 255 : c));
    const a = parts.length > 3 ? parts[3] : 1;
    const under = bg.map((c, i) => c * (1 - a) + fill[i] * a);
    out.push([td.getAttribute("data-c"), td.textContent, ratio(rgb(style.color), under)]);
  });
  return out;
}

test("heatmap numbers keep 4.5:1 against their cells in all five themes, before and after the controls move", async () => {
  for (const theme of THEMES) {
    const context = await browser.newContext();
    await context.addInitScript((t) => localStorage.setItem("mdbook-theme", t), theme);
    const page = await context.newPage();
    for (const p of ["attention-matrix.html", "experiment.html"]) {
      await page.goto(fileUrl(p));
      const check = async (when) => {
        const cells = await page.evaluate(cellContrasts);
        assert.ok(cells.length >= 25, `${theme} ${p}: cells measured`);
        const low = cells.filter((c) => c[2] < 4.5);
        assert.deepEqual(low, [], `${theme} ${p} ${when}: ${low.slice(0, 5).map((c) => `${c[0]} "${c[1]}" ${c[2].toFixed(2)}`).join("; ")}`);
      };
      await check("as built");
      for (const v of ["1.3", "0.4", "-0.7", "2"]) {
        for (const s of (await page.$$(".attention-widget input[data-kind='q']")).slice(0, 3)) {
          await s.evaluate((el, v) => { el.value = v; el.dispatchEvent(new Event("input", { bubbles: true })); }, v);
        }
        // Measured once the colour has settled (a 120 ms transition eases it in).
        await page.waitForTimeout(300);
        await check(`after moving the query to ${v}`);
      }
    }
    await context.close();
  }
});

test("on a 375-pixel phone: nothing cut off without a scroll cue, no text under 11 px", async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  for (const p of pages().filter((p) => p !== "print.html")) {
    const page = await context.newPage();
    await page.goto(fileUrl(p));
    const problems = await page.evaluate(() => {
      const out = [];
      const main = document.querySelector("main");
      for (const el of main.querySelectorAll("*")) {
        const style = getComputedStyle(el);
        // Text kept for screen readers only is clipped on purpose.
        if (el.closest(".attention-sr")) continue;
        if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
          const scrolls = style.overflowX === "auto" || style.overflowX === "scroll";
          if (style.overflowX === "hidden" || style.overflowX === "clip") out.push(`${el.tagName}.${el.className} clips its content`);
          else if (scrolls && !/gradient/.test(style.backgroundImage) && !el.closest("pre")) out.push(`${el.tagName}.${el.className} scrolls with no cue`);
        }
        const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!ownText || el.closest("[hidden], details:not([open]) > :not(summary)") || el.getClientRects().length === 0) continue;
        let size = parseFloat(style.fontSize);
        // The scale of an SVG element's text, turned or not: the length of its x axis on screen.
        if (el instanceof SVGElement && el.getScreenCTM()) size *= Math.hypot(el.getScreenCTM().a, el.getScreenCTM().b);
        if (size < 11) out.push(`${el.tagName} "${el.textContent.trim().slice(0, 20)}" is ${size.toFixed(1)} px`);
      }
      return out;
    });
    assert.deepEqual(problems, [], `${p}: ${problems.slice(0, 6).join("; ")}`);
    await page.close();
  }
  await context.close();
});

test("captions and the state line follow the figure, and the way back restores it", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("scaled-dot-product.html"));
  const scores = await page.$("[data-view='scores']");
  const root = await scores.evaluateHandle((e) => e.closest(".attention-widget"));
  // What a reader sees and hears: the text, the picked-out rows, the state line, the labels.
  const snapshot = () => root.evaluate((w) => JSON.stringify([
    w.textContent,
    [...w.querySelectorAll(".focus")].map((e) => e.getAttribute("data-token")),
    w.querySelector(".attention-state").hidden,
    [...w.querySelectorAll("[aria-label]")].map((e) => e.getAttribute("aria-label")),
  ]));
  const original = await snapshot();
  const caption = () => root.evaluate((w) => w.querySelector("[data-view='scores'] caption").textContent);
  assert.match(await caption(), /^The query of cat against every key/);
  await root.evaluate((w) => w.querySelector("tr[data-token='1'] > th").click());
  assert.match(await caption(), /^The query of black against every key/);
  const region = await root.evaluate((w) => w.querySelector("[data-view='scores'] .attention-scroll").getAttribute("aria-label"));
  assert.equal(region, await caption(), "the table's region is named by its caption");
  const state = await root.evaluate((w) => { const s = w.querySelector(".attention-state"); return [s.hidden, s.textContent]; });
  assert.equal(state[0], false, "the state line shows");
  assert.match(state[1], /following “black”, not “cat”/);
  await root.evaluate((w) => w.querySelector(".attention-back").click());
  assert.equal(await snapshot(), original, "back to the figure the text describes");
  // In a widget with controls, the scale shows in the caption.
  await page.goto(fileUrl("experiment.html"));
  const live = await page.$(".attention-widget:has(.attention-control-panel)");
  await live.$eval(".attention-scale-mode", (s) => { s.value = "custom"; s.dispatchEvent(new Event("change", { bubbles: true })); });
  await live.$eval(".attention-scale", (s) => { s.value = "4"; s.dispatchEvent(new Event("input", { bubbles: true })); });
  assert.match(await live.$eval("[data-view='scores'] caption", (c) => c.textContent), /times the scale 4\.00/);
  assert.match(await live.$eval(".attention-state", (s) => s.textContent), /scale 4\.00/);
  await page.close();
});

test("on a 375-pixel phone every slider, while in view, has the heatmap it moves on screen too", async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await page.$(".attention-widget:has(.attention-control-panel)");
  const sliders = await live.$$("input[type='range']");
  assert.ok(sliders.length >= 4, "the live figure has sliders");
  for (const slider of sliders) {
    await slider.evaluate((s) => s.scrollIntoView({ block: "center" }));
    await page.waitForTimeout(50);
    const [heat, box] = await Promise.all([
      live.evaluate((w) => w.querySelector(".attention-heatmap-box").getBoundingClientRect().toJSON()),
      slider.evaluate((s) => s.getBoundingClientRect().toJSON()),
    ]);
    assert.ok(heat.top >= -1 && heat.bottom <= 800, `the heatmap is on screen (${heat.top}–${heat.bottom})`);
    assert.ok(box.top >= heat.bottom - 1, `the slider is not under the heatmap (${box.top} < ${heat.bottom})`);
  }
  await context.close();
});

test("at 1280×800 the controls and the heatmap they move are on screen together", async () => {
  for (const sidebar of ["visible", "hidden"]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((s) => localStorage.setItem("mdbook-sidebar", s), sidebar);
    const page = await context.newPage();
    await page.goto(fileUrl("experiment.html"));
    const live = await page.$(".attention-widget:has(.attention-control-panel)");
    await live.evaluate((w) => { w.scrollIntoView({ block: "start" }); window.scrollBy(0, -60); });
    await page.waitForTimeout(100);
    const [heat, slider] = await live.evaluate((w) => [
      w.querySelector(".attention-heatmap-box").getBoundingClientRect().toJSON(),
      w.querySelector("input[data-kind='q']").getBoundingClientRect().toJSON(),
    ]);
    for (const [name, box] of [["heatmap", heat], ["first query slider", slider]]) {
      assert.ok(box.top >= 0 && box.bottom <= 800, `sidebar ${sidebar}: ${name} at ${box.top}–${box.bottom}`);
    }
    assert.ok(slider.left > heat.right, `sidebar ${sidebar}: the controls sit beside the figure`);
    await context.close();
  }
});

test("each step button reproduces the figure the chapter computes for that step", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await page.$(".attention-widget:has(.attention-step)");
  assert.ok(live, "the experiment has step buttons");
  const statics = await page.$$eval(".attention-widget", (ws) => ws.map((w) => {
    const d = JSON.parse(w.querySelector("script.attention-data").textContent);
    return { overrides: JSON.stringify(d.query_overrides), weights: [...w.querySelectorAll("[data-b^='w f ']:not([data-r])")].map((e) => e.textContent) };
  }));
  const buttons = await live.$$(".attention-step");
  assert.ok(buttons.length >= 2);
  for (const button of buttons) {
    await button.click();
    assert.equal(await button.getAttribute("aria-pressed"), "true");
    const overrides = await live.evaluate((w) => JSON.stringify(w.attentionWidget.state.query_overrides));
    const twin = statics.find((s) => s.overrides === overrides && s.weights.length);
    assert.ok(twin, `a figure in the chapter computes the step "${await button.textContent()}"`);
    const shown = await live.$$eval("[data-b^='w f ']:not([data-r])", (es) => es.map((e) => e.textContent));
    assert.deepEqual(shown.slice(0, twin.weights.length), twin.weights);
  }
  await page.close();
});

test("the head picker opens any head in full, and its sliders move that head only", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("many-heads.html"));
  const widget = await page.$(".attention-widget:has(.attention-head)");
  assert.ok(widget, "a figure with a head picker");
  // The figure answers a question: as a reader does, open the answer first.
  const answer = await widget.evaluateHandle((w) => w.closest("details.attention-answer"));
  if (await answer.evaluate((d) => d !== null)) {
    assert.equal(await answer.evaluate((d) => d.open), false, "the answer waits behind its summary");
    await answer.evaluate((d) => d.querySelector("summary").click());
  }
  const panel = (k) => `[data-view='heads'] .attention-heatmap-panel[data-r='${k}']`;
  // The focus row of a head's map, and the weight column of the step-by-step table.
  const mapRow = (k) => widget.$$eval(`${panel(k)} td[data-c]`, (ts) => {
    const focus = document.querySelector(".attention-focus").value;
    return ts.filter((t) => t.getAttribute("data-c").split(" ")[1] === focus).map((t) => t.textContent);
  });
  const steps = () => widget.$$eval("[data-view='scores'] td[data-b^='w f']", (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(await steps(), await mapRow(0), "head 1 at first");
  // Keyboard: the picker is a select; arrows choose the next head.
  await widget.$eval(".attention-head", (s) => s.focus());
  await page.keyboard.press("ArrowDown");
  assert.equal(await widget.$eval(".attention-head", (s) => s.value), "1");
  assert.deepEqual(await steps(), await mapRow(1), "the table follows head 2");
  assert.match(await widget.$eval(".attention-state-text", (s) => s.textContent), /following head 2, not head 1/);
  // A query slider now moves head 2's query: head 2's map changes, head 1's does not.
  const head1 = await mapRow(0), head2 = await mapRow(1);
  const slider = await widget.$("input[data-kind='q'][data-dim='0']");
  await slider.evaluate((s) => { s.value = String(+s.value + 1.5); s.dispatchEvent(new Event("input", { bubbles: true })); });
  assert.deepEqual(await mapRow(0), head1);
  assert.notDeepEqual(await mapRow(1), head2);
  assert.deepEqual(await steps(), await mapRow(1));
  // Head 2 has one query dimension: the others' sliders are hidden.
  assert.equal(await widget.$eval("input[data-kind='q'][data-dim='1']", (s) => s.closest("label").hidden), true);
  // Reset brings back the figure the text describes.
  await widget.$eval(".attention-reset", (b) => b.click());
  assert.equal(await widget.$eval(".attention-head", (s) => s.value), "0");
  assert.deepEqual(await steps(), head1);
  await page.close();
});

test("the training slider walks through the kept steps by keyboard, each map the core's, and back", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("learning.html"));
  const widget = await page.$(".attention-widget:has(.attention-training-step)");
  assert.ok(widget, "a figure with a training slider");
  const data = await widget.$eval("script.attention-data", (s) => JSON.parse(s.textContent));
  const snaps = data.training.snapshots;
  // What the map shows, row by row, and what the core computed for a step, formatted alike.
  const shown = () => widget.$$eval("[data-view='learning'] td[data-c^='w ']", (ts) => ts.map((t) => t.textContent));
  const expected = (k) => page.evaluate((w) => w.flat().map((x) => window.attentionBook.fmt(x)), snaps[k].weights);
  const slider = await widget.$(".attention-training-step");
  assert.equal(await slider.isVisible(), true);
  assert.deepEqual(await shown(), await expected(snaps.length - 1), "the trained weights at first");
  await slider.focus();
  await page.keyboard.press("Home");
  assert.deepEqual(await shown(), await expected(0), "Home: before training");
  assert.equal(await slider.getAttribute("aria-valuetext"), `step 0 of ${snaps[snaps.length - 1].step}: before training`);
  assert.match(await widget.$eval(".attention-training-readout", (o) => o.textContent), /^step 0 · loss \d\.\d\d$/);
  assert.match(await widget.$eval(".attention-state-text", (s) => s.textContent), /weights after step 0, not after training/);
  for (let k = 1; k < snaps.length; k++) {
    await page.keyboard.press("ArrowRight");
    assert.deepEqual(await shown(), await expected(k), `step ${snaps[k].step}`);
  }
  await page.keyboard.press("Home");
  await widget.$eval(".attention-back", (b) => b.click());
  assert.deepEqual(await shown(), await expected(snaps.length - 1), "the way back: the trained figure");
  assert.equal(await slider.evaluate((s) => s.value), String(snaps.length - 1));
  await page.close();
});

test("a real model's layers view opens any head in full, by keyboard, with the core's weights", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("real-attention.html"));
  const widget = await page.$(".attention-widget:has(.attention-head-picker)");
  assert.ok(widget, "a figure with a head picker");
  const data = await widget.$eval("script.attention-data", (s) => JSON.parse(s.textContent));
  const shown = () => widget.$$eval(".attention-picked td", (tds) => tds.map((t) => t.textContent));
  const expected = (l, h) => page.evaluate((w) => w.flat().map((x) => window.attentionBook.fmt(x)), data.attention[l][h]);
  // At first, the block's own head.
  assert.deepEqual(await shown(), await expected(data.model.layer, data.model.head));
  const [layer, head] = await widget.$$(".attention-head-picker select");
  await layer.focus();
  await page.keyboard.press("End");
  await head.focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  assert.deepEqual(await shown(), await expected(5, 2), "layer 6, head 3");
  // The picked head is outlined in the grid as well, beside the block's own.
  const box = (sel) => widget.$eval(sel, (r) => [+r.getAttribute("x"), +r.getAttribute("y"), r.getAttribute("visibility")]);
  const [ox, oy] = await box(".attention-layers-own");
  const [px, py, shownBox] = await box(".attention-layers-picked");
  const step = await widget.$eval(".attention-layers-own", (r) => +r.getAttribute("data-step-x"));
  assert.deepEqual([px - ox, py - oy, shownBox], [(2 - data.model.head) * step, (5 - data.model.layer) * step, "visible"]);
  assert.match(await widget.$eval("table.attention-picked caption", (c) => c.textContent), /^Layer 6, head 3:/);
  assert.match(await widget.$eval("table.attention-picked", (t) => t.closest("[role=region]").getAttribute("aria-label")), /^Layer 6, head 3:/);
  // The focus follows across heads: pick another word in the heatmap, and every head's row of it is
  // outlined and the table says where each head sends its attention, from the core's weights.
  const strongest = () => widget.$$eval("table.attention-strongest tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
  const expectedStrongest = (f) => page.evaluate(({ a, tokens, f }) => a[0].map((_, h) => a.map((layer) => {
    const row = layer[h][f];
    const best = row.indexOf(Math.max(...row));
    return tokens[best] + " " + window.attentionBook.fmt(row[best]);
  })), { a: data.attention, tokens: data.tokens, f });
  assert.deepEqual(await strongest(), await expectedStrongest(data.focus), "as built");
  for (const f of [data.tokens.length - 1, 0, 2]) {
    await (await widget.$(`table.attention-heatmap th[scope="row"][data-token="${f}"]`)).click();
    assert.deepEqual(await strongest(), await expectedStrongest(f), `focus on ${data.tokens[f]}`);
    assert.ok((await widget.$eval("table.attention-strongest caption", (c) => c.textContent)).includes(`“${data.tokens[f]}”`));
    const shift = await widget.$eval(".attention-layers-focus", (p) => p.getAttribute("transform"));
    const cell = await widget.$eval(".attention-layers-focus", (p) => +p.getAttribute("data-cell"));
    assert.equal(shift, `translate(0 ${f * cell})`);
  }
  await page.close();
});

test("the order view shuffles, goes back and switches the positions, by keyboard, matching the shuffled sentence computed afresh", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("word-order.html"));
  const widget = await page.$(".attention-widget:has(.attention-positions-on)");
  assert.ok(widget, "a figure with the order view and positions");
  const data = await widget.$eval("script.attention-data", (s) => JSON.parse(s.textContent));
  const view = await widget.$(".attention-view[data-view='order']");
  const panel = async (k) => (await view.$$(".attention-heatmap-panel"))[k];
  const cells = async (k) => (await panel(k)).$$eval("td[data-c^='w ']", (ts) => ts.map((t) => t.textContent));
  const heading = async () => (await panel(1)).$eval(".attention-heatmap-heading", (h) => h.textContent);
  const summary = () => view.$eval(".attention-order-summary", (p) => p.textContent);
  const back = await view.$(".attention-unshuffle");
  // The copy's map against the sentence written out in the shown order and computed afresh:
  // the words in that order, each with the positions row of its new place.
  const afresh = async (withPositions) => {
    const words = (await heading()).replace(/^Shuffled: “|”$/g, "").split(" ");
    const order = [], used = [];
    words.forEach((w) => { const i = data.tokens.findIndex((t, i) => t === w && !used[i]); used[i] = true; order.push(i); });
    return page.evaluate(({ data, order, withPositions }) => {
      const r = window.attentionBook.compute({
        embeddings: order.map((i) => data.embeddings[i]), w_q: data.w_q, w_k: data.w_k, w_v: data.w_v,
        positions: withPositions ? data.positions : null, mask: data.mask, scale: data.scale_is_default ? null : data.scale
      });
      const at = []; order.forEach((w, p) => { at[w] = p; });
      return data.tokens.flatMap((_, i) => data.tokens.map((_, j) => window.attentionBook.fmt(r.weights[at[i]][at[j]])));
    }, { data, order, withPositions });
  };
  const outlined = async () => (await panel(1)).$$eval("td.changed", (os) => os.length);
  const counted = async () => { const m = (await summary()).match(/^(\d+) of the/); return m ? +m[1] : 0; };
  const written = await summary();
  assert.equal(await heading(), "Shuffled: “fish ate cat”");
  assert.ok(await back.evaluate((b) => b.disabled), "already in the book's order");
  assert.deepEqual(await cells(1), await afresh(true), "the book's copy");
  assert.equal(await outlined(), await counted());
  for (let round = 0; round < 4; round++) {
    await (await view.$(".attention-shuffle")).focus();
    await page.keyboard.press(round % 2 ? "Enter" : "Space");
    assert.deepEqual(await cells(1), await afresh(true), `shuffle ${round + 1}: ${await heading()}`);
    assert.notEqual(await heading(), "Shuffled: “cat ate fish”", "a shuffle never shows the sentence as written");
    assert.equal(await outlined(), await counted(), "the outlines are the weights the summary counts");
  }
  // Positions off: any order gives the same weights, only moved.
  await (await view.$(".attention-positions-on")).focus();
  await page.keyboard.press("Space");
  assert.equal(await summary(), "Every weight is the same in both orders: moving the words only moved their rows and columns.");
  assert.deepEqual(await cells(1), await cells(0));
  assert.deepEqual(await cells(1), await afresh(false));
  // Shuffled (to an order other than the book's, which a shuffle may also land on) and back.
  do await (await view.$(".attention-shuffle")).click(); while (await heading() === "Shuffled: “fish ate cat”");
  assert.deepEqual(await cells(1), await cells(0), "shuffled without positions");
  await back.click();
  assert.equal(await heading(), "Shuffled: “fish ate cat”");
  assert.ok(await back.evaluate((b) => b.disabled));
  await (await view.$(".attention-positions-on")).click();
  assert.equal(await summary(), written, "back to the figure the prose describes");
  assert.deepEqual(await cells(1), await afresh(true));
  await page.close();
});

test("a heatmap turns long column words, so its cells stay square", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("learning.html"));
  const shape = await page.evaluate(() => {
    const table = [...document.querySelectorAll("table.attention-heatmap")].find((t) => t.textContent.includes("chased"));
    const header = [...table.rows[0].cells].find((c) => c.textContent === "chased");
    const cell = table.querySelector("td[data-c]").getBoundingClientRect();
    return { turned: getComputedStyle(header.querySelector("span")).writingMode, width: Math.round(cell.width), height: Math.round(cell.height) };
  });
  assert.equal(shape.turned, "vertical-rl");
  assert.ok(Math.abs(shape.width - shape.height) <= 2, `cell ${shape.width}×${shape.height}`);
  await page.close();
});

test("the decode view walks the sentence one token at a time, by keyboard and buttons, each step row t of the causal map, live", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("decoding.html"));
  const widget = await page.$(".attention-widget:has(.attention-decode)");
  assert.ok(widget, "a figure that writes its sentence");
  const data = await widget.$eval("script.attention-data", (s) => JSON.parse(s.textContent));
  const n = data.tokens.length;
  assert.equal(data.decode.length, n, "one step per token in the data");
  const slider = await widget.$(".attention-decode-slider");
  const fmt = (x) => page.evaluate((v) => window.attentionBook.fmt(v), x);
  // The step shown, the focus row of the map, and the step's weights as shown and as the map shows them.
  const state = () => widget.evaluate((w) => {
    const steps = [...w.querySelectorAll("section.attention-decode-step")];
    const visible = steps.filter((s) => !s.hidden).map((s) => +s.getAttribute("data-step"));
    const focus = w.querySelector("[data-view='heatmap'] tr.focus");
    const step = steps.find((s) => !s.hidden);
    const weights = [...step.querySelectorAll("td[data-b^='weights 0 ']")].map((c) => c.textContent);
    const row = [...focus.querySelectorAll("td[data-c]")].map((c) => c.textContent);
    return { visible, focusRow: +focus.getAttribute("data-row"), weights, row };
  });
  const check = async (t, why) => {
    const s = await state();
    assert.deepEqual(s.visible, [t], `${why}: only step ${t} shows`);
    assert.equal(s.focusRow, t - 1, `${why}: the map outlines row ${t}`);
    assert.deepEqual(s.weights, s.row.slice(0, t), `${why}: step ${t}'s weights are row ${t} of the map`);
    assert.ok(s.row.slice(t).every((x) => x === "\u2a2f"), `${why}: the rest of row ${t} is masked`);
    assert.equal(await slider.getAttribute("aria-valuetext"), `step ${t} of ${n}: \u201C${data.tokens[t - 1]}\u201D`);
  };
  assert.equal(await slider.isVisible(), true);
  await check(data.focus + 1, "at first, the focus token's step");
  await slider.focus();
  await page.keyboard.press("Home");
  await check(1, "Home");
  for (let t = 2; t <= n; t++) {
    await page.keyboard.press("ArrowRight");
    await check(t, "ArrowRight");
  }
  // At the last step "Next" says it has nowhere to go, and keeps the keyboard where it is.
  await widget.$eval(".attention-decode-next", (b) => b.focus());
  assert.equal(await widget.$eval(".attention-decode-next", (b) => b.getAttribute("aria-disabled")), "true", "no step after the last");
  await page.keyboard.press("Enter");
  await check(n, "Next at the last step");
  assert.equal(await page.evaluate(() => document.activeElement.className), "attention-decode-next", "the focus stays on the button");
  await widget.$eval(".attention-decode-prev", (b) => b.click());
  await check(n - 1, "Previous token");
  // Walking the steps is what the figure is for: it is not a change to undo.
  assert.equal(await widget.$eval(".attention-state", (s) => s.hidden), true, "no state line for the step");
  // A click on a row of the map shows that token's step.
  await widget.$eval("[data-view='heatmap'] th[data-token='1']", (th) => th.click());
  await check(2, "a click on the map's second row");
  // Every step as the browser computes it is the core's, and the cache is the block's keys and values.
  const results = await widget.evaluate((w) => w.attentionWidget.results.map((r) => ({ weights: r.weights, output: r.output, k: r.k })));
  const names = data.results.map((r) => r.name);
  for (const step of data.decode) {
    const r = results[1 + names.indexOf(`decode[${step.step}]`)];
    for (const [field, want] of [["weights", step.weights], ["output", step.output], ["k", step.k_cache]]) {
      r[field].forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(x - want[i][j]) <= 1e-12 * Math.max(1, Math.abs(x)), `step ${step.step} ${field}[${i}][${j}]`)));
    }
    assert.deepEqual(step.k_cache, data.k.slice(0, step.step), `step ${step.step}: the cache is the block's first ${step.step} keys`);
    assert.deepEqual(step.weights[0], data.weights[step.step - 1].slice(0, step.step), `step ${step.step}: row ${step.step} of the block's weights, to the bit`);
  }
  await page.close();
});

test("the decode view's steps follow the block's live inputs: each step row t of the live map", async () => {
  // A copy of the chapter whose embedded inputs differ from what the build computed: the steps
  // must come from the block as it now is, not from the numbers the build wrote.
  const html = fs.readFileSync(path.join(BOOK, "decoding.html"), "utf8");
  const probe = path.join(BOOK, "decode-probe.html");
  fs.writeFileSync(probe, html.replace(/(<script type="application\/json" class="attention-data">)(.*?)(<\/script>)/g, (all, open, json, close) => {
    const data = JSON.parse(json);
    if (!data.decode) return all;
    data.embeddings[1] = [0.1, 0.9, 0.7];
    return open + JSON.stringify(data) + close;
  }));
  const page = await browser.newPage();
  try {
    await page.goto(fileUrl("decode-probe.html"));
    const report = await page.evaluate(() => {
      const w = document.querySelector(".attention-widget:has(.attention-decode)").attentionWidget;
      const own = w.results[0], wrong = [];
      let moved = 0;
      w.named.forEach((named, k) => {
        if (!named.decode_step) return;
        const t = named.decode_step, r = w.results[k + 1];
        if (r.weights[0].some((x, j) => x !== own.weights[t - 1][j])) wrong.push(`step ${t} is not row ${t}`);
        const built = w.data.decode[t - 1].weights[0];
        if (r.weights[0].some((x, j) => x !== built[j])) moved++;
      });
      return { wrong, moved };
    });
    assert.deepEqual(report.wrong, []);
    assert.ok(report.moved >= 3, `the steps after "black" moved with it: ${report.moved}`);
  } finally {
    await page.close();
    fs.rmSync(probe);
  }
});

test("without the script and on paper, the decode view shows every step", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(fileUrl("decoding.html"));
  const steps = await page.$$eval("section.attention-decode-step", (ss) => ss.map((s) => getComputedStyle(s).display !== "none"));
  assert.ok(steps.length >= 5 && steps.every(Boolean), "every step shows without the script");
  assert.equal(await page.$eval(".attention-decode-control", (c) => getComputedStyle(c).display), "none", "no control without the script");
  await context.close();
  const live = await browser.newPage();
  await live.goto(fileUrl("decoding.html"));
  await live.emulateMedia({ media: "print" });
  const printed = await live.$$eval("section.attention-decode-step", (ss) => ss.map((s) => getComputedStyle(s).display !== "none"));
  assert.ok(printed.every(Boolean), "every step is printed");
  assert.equal(await live.$eval(".attention-decode-control", (c) => getComputedStyle(c).display), "none", "no control on paper");
  await live.close();
});

test("a figure's numpy program: closed, the same text with and without the script, on paper, and its copy button says it copied", async () => {
  const withPrograms = pages().filter((p) => p !== "print.html" && fs.readFileSync(path.join(BOOK, p), "utf8").includes("attention-reproduce"));
  assert.ok(withPrograms.length >= 10, `programs on ${withPrograms}`);
  const off = await browser.newContext({ javaScriptEnabled: false });
  // Every chapter's programs (print.html holds them all again).
  for (const p of withPrograms) {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(fileUrl(p));
    const live = await page.$$eval("details.attention-reproduce", (ds) => ds.map((d) => [d.open, d.querySelector("code").textContent]));
    const plain = await off.newPage();
    await plain.goto(fileUrl(p));
    const still = await plain.$$eval("details.attention-reproduce", (ds) => ds.map((d) => [d.open, d.querySelector("code").textContent]));
    await plain.close();
    assert.deepEqual(live, still, `${p}: the same programs, closed, with and without the script`);
    assert.ok(live.every(([open, text]) => !open && text.includes("import numpy as np") && text.includes("show(")), p);
    // On paper the program is there to read.
    await page.emulateMedia({ media: "print" });
    const heights = await page.$$eval("details.attention-reproduce code", (cs) => cs.map((c) => c.getBoundingClientRect().height));
    assert.ok(heights.every((h) => h > 0), `${p}: printed (${heights})`);
    assert.deepEqual(errors, [], p);
    await page.close();
  }
  await off.close();
  // Copied from a book opened from disk, by mdBook's own copy button.
  const page = await browser.newPage();
  await page.goto(fileUrl(withPrograms[0]));
  const box = await page.$("details.attention-reproduce");
  await box.$eval("summary", (s) => s.click());
  assert.equal(await box.evaluate((d) => d.open), true);
  // mdBook shows its buttons over a code block the pointer is on.
  await (await box.$("pre")).hover();
  await (await box.$("button.clip-button")).click();
  await page.waitForFunction((d) => /Copied/.test(d.querySelector(".tooltiptext").textContent), box, { timeout: 5000 });
  await page.close();
});

test("attention between two sentences: the French words ask, the English answer, the lines cross, alike with and without the script", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(fileUrl("translation.html"));
  const widget = await page.$(".attention-widget");
  const grid = await widget.$eval("table.attention-heatmap", (t) => ({
    columns: Array.from(t.querySelectorAll("thead th")).map((th) => th.textContent.trim()).filter(Boolean),
    rows: Array.from(t.querySelectorAll("tbody tr")).map((tr) => [tr.querySelector("th").textContent.trim(), tr.querySelectorAll("td").length]),
  }));
  assert.deepEqual(grid.columns.slice(-5), ["The", "black", "cat", "ate", "fish"]);
  assert.deepEqual(grid.rows, [["Le", 5], ["chat", 5], ["noir", 5], ["a", 5], ["mangé", 5], ["du", 5], ["poisson", 5]]);
  // The crossing: "chat" looks most at "cat" and "noir" at "black", in the data and in the lines.
  const data = await widget.$eval("script.attention-data", (e) => JSON.parse(e.textContent));
  const best = (row) => row.indexOf(Math.max(...row));
  assert.deepEqual([best(data.weights[1]), best(data.weights[2])], [2, 1]);
  assert.deepEqual(data.source_tokens, ["The", "black", "cat", "ate", "fish"]);
  const picked = await widget.$$eval("svg.attention-lines line.focus", (ls) => ls.length);
  assert.equal(picked, 7, "each French word's strongest line picked out");
  // The keyboard follows a row as everywhere; the heatmap's numbers stay the build's.
  const before = await widget.$$eval("td[data-c]", (cs) => cs.map((c) => c.textContent));
  const row = await widget.$("th[data-token='1']");
  await row.focus();
  await page.keyboard.press("Enter");
  const after = await widget.$$eval("td[data-c]", (cs) => cs.map((c) => c.textContent));
  assert.deepEqual(after, before);
  assert.deepEqual(errors, []);
  const off = await browser.newContext({ javaScriptEnabled: false });
  const plain = await off.newPage();
  await plain.goto(fileUrl("translation.html"));
  assert.deepEqual(await plain.$$eval(".attention-widget td[data-c]", (cs) => cs.map((c) => c.textContent)).then((c) => c.slice(0, before.length)), before);
  await off.close();
  await page.close();
});
