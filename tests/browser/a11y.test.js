// Accessibility you can measure: axe-core (WCAG 2.1 A and AA) on every page with a widget, in all
// five themes, as loaded and after the controls move; the heatmap as an ARIA grid; changes
// announced; forced colours; 200 % zoom and 320-pixel reflow.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { BOOK, launch, pages, fileUrl } = require("./helpers.js");

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const THEMES = ["light", "rust", "coal", "navy", "ayu"];
const withWidgets = () => pages().filter((p) => p !== "print.html" && fs.readFileSync(path.join(BOOK, p), "utf8").includes('class="attention-widget"'));

let browser;
test.before(async () => { browser = await launch(); });
test.after(async () => { await browser.close(); });

/** Runs axe on the page: [violations inside widgets, violations elsewhere], each "impact rule target". */
async function audit(page) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    const inside = [], outside = [];
    for (const v of r.violations) {
      for (const n of v.nodes) {
        const el = document.querySelector(n.target[0]);
        (el && el.closest(".attention-widget") ? inside : outside).push(`${v.impact} ${v.id} ${n.target.join(" ")}`);
      }
    }
    return [inside, outside];
  });
}

/** Moves every control of the page once, then focuses a heatmap cell. */
async function interact(page) {
  for (const s of await page.$$(".attention-widget input[type='range']")) {
    await s.evaluate((el) => { el.value = String(Math.min(+el.max, 1.4)); el.dispatchEvent(new Event("input", { bubbles: true })); });
  }
  for (const m of await page.$$(".attention-widget .attention-mask")) {
    await m.evaluate((el) => { el.value = "causal"; el.dispatchEvent(new Event("change", { bubbles: true })); });
  }
  const row = await page.$(".attention-widget tr[data-token='1'] > th");
  if (row) await row.evaluate((el) => el.click());
  const cell = await page.$(".attention-widget td[data-c][tabindex='0']");
  if (cell) await cell.focus();
  await page.waitForTimeout(300);
}

test("axe: no serious or critical violation inside any widget, in all five themes, before and after interaction", async () => {
  const elsewhere = new Map();
  for (const theme of THEMES) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript((t) => localStorage.setItem("mdbook-theme", t), theme);
    for (const p of withWidgets()) {
      const page = await context.newPage();
      await page.goto(fileUrl(p));
      for (const when of ["as loaded", "after interaction"]) {
        if (when === "after interaction") await interact(page);
        const [inside, outside] = await audit(page);
        const bad = inside.filter((v) => /^(serious|critical) /.test(v));
        assert.deepEqual(bad, [], `${theme} ${p} ${when}: ${bad.slice(0, 5).join("; ")}`);
        for (const v of outside) { const rule = v.split(" ").slice(0, 2).join(" "); elsewhere.set(rule, (elsewhere.get(rule) || 0) + 1); }
      }
      await page.close();
    }
    await context.close();
  }
  // Outside the widgets, mdBook's own theme: printed, not failed (see the README).
  if (elsewhere.size) console.log("outside widgets (mdBook's theme):", Object.fromEntries(elsewhere));
});

test("the heatmap is a table a screen reader walks as a grid: each weight one cell under its column's header and beside its row's", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await page.$(".attention-widget:has(.attention-control-panel)");
  const grid = await live.evaluate((w) => {
    const table = w.querySelector("table.attention-heatmap");
    const rows = [...table.rows];
    const headersOf = (td) => [td.parentNode.querySelector("th[scope='row']").textContent, rows[0].cells[td.cellIndex].textContent, td.textContent];
    return {
      role: table.getAttribute("role"), label: table.getAttribute("aria-label"),
      rows: rows.length,
      columnheaders: rows[0].querySelectorAll("th[scope='col']").length,
      corner: rows[0].querySelector(".attention-corner").getAttribute("aria-hidden"),
      readonly: table.getAttribute("aria-readonly"),
      rowheaders: rows.slice(1).map((r) => r.querySelectorAll("th[scope='row']").length),
      cells: rows.slice(1).map((r) => r.querySelectorAll("td[data-c]").length),
      catBlack: headersOf(table.querySelector("[data-c='w 2 1']")),
      // One element per weight: the cells, their rows and headers, nothing drawn beside them.
      elements: table.querySelectorAll("*").length,
      drawn: w.querySelectorAll(".attention-heatmap-panel svg, .attention-heatmap-panel details").length,
    };
  });
  assert.equal(grid.role, "grid");
  assert.ok(grid.label.startsWith("Attention weights"));
  assert.equal(grid.rows, 6);
  assert.equal(grid.columnheaders, 5);
  assert.deepEqual(grid.rowheaders, [1, 1, 1, 1, 1]);
  assert.deepEqual(grid.cells, [5, 5, 5, 5, 5]);
  assert.deepEqual(grid.catBlack, ["cat", "black", "0.64"]);
  // The corner's words are for the eye: read as a header, they would name the row headers.
  assert.equal(grid.corner, "true");
  assert.equal(grid.readonly, "true");
  // 25 cells, the corner and 5 column headers, 5 row headers, 6 rows, thead and tbody.
  assert.equal(grid.elements, 25 + 6 + 5 + 6 + 2, "one element per weight, besides the headers");
  assert.equal(grid.drawn, 0);
  // The accessibility tree Chromium builds: a grid named by its title, header cells, and cells
  // read as their numbers (a screen reader adds the row's and column's headers).
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send("Accessibility.getFullAXTree");
  const roles = nodes.filter((n) => !n.ignored).map((n) => [n.role && n.role.value, n.name && n.name.value]);
  assert.ok(roles.some(([r, name]) => r === "grid" && name.startsWith("Attention weights")), "a grid named by its title");
  assert.ok(roles.some(([r, name]) => r === "gridcell" && name === "0.64"), "a cell read as its weight");
  assert.ok(roles.some(([r, name]) => r === "rowheader" && name === "cat"));
  assert.ok(roles.some(([r, name]) => r === "columnheader" && name === "black"));
  // The numbers follow the figure.
  await live.$eval(".attention-step", (b) => b.click());
  const [after, expected] = await live.evaluate((w) => [
    w.querySelector("[data-c='w 2 1']").textContent,
    window.attentionBook.fmt(w.attentionWidget.results[0].weights[2][1]),
  ]);
  assert.equal(after, expected);
  // A masked cell is named "masked" (⨯ reads as nothing useful), and is a weight again after.
  const mask = (value) => live.$eval(".attention-mask", (s, value) => { s.value = value; s.dispatchEvent(new Event("change", { bubbles: true })); }, value);
  const nameOf = () => live.$eval("td[data-c='w 0 1']", (e) => [e.getAttribute("aria-label"), e.textContent]);
  await mask("causal");
  assert.deepEqual(await nameOf(), ["masked", "⨯"]);
  await mask("none");
  assert.equal((await nameOf())[0], null);
  // Keyboard: one tab stop, arrows move, the focus ring shows on the cell.
  const cell = await live.$("td[data-c='w 0 0']");
  await cell.focus();
  await page.keyboard.press("ArrowDown");
  const [focused, ring] = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return [document.activeElement.getAttribute("data-c"), [style.outlineStyle, style.outlineWidth]];
  });
  assert.equal(focused, "w 1 0");
  assert.deepEqual(ring, ["solid", "3px"]);
  await page.close();
});

test("changes are announced once, politely, after the control comes to rest", async () => {
  const page = await browser.newPage();
  await page.goto(fileUrl("experiment.html"));
  const live = await page.$(".attention-widget:has(.attention-control-panel)");
  const region = () => live.$eval(".attention-live", (e) => [e.getAttribute("aria-live"), e.textContent]);
  assert.deepEqual(await region(), ["polite", ""]);
  const slider = await live.$("input[data-kind='q'][data-dim='1']");
  for (const v of ["1.7", "1.2", "0.5", "0"]) {
    await slider.evaluate((el, v) => { el.value = v; el.dispatchEvent(new Event("input", { bubbles: true })); }, v);
  }
  assert.equal((await region())[1], "", "not on every tick");
  await page.waitForTimeout(800);
  const [, said] = await region();
  const expected = await live.evaluate((w) => {
    const r = w.attentionWidget.result, f = w.attentionWidget.state.focus, tokens = w.attentionWidget.data.tokens;
    let best = 0;
    r.weights[f].forEach((x, j) => { if (x > r.weights[f][best]) best = j; });
    return `“${tokens[f]}” now attends most to “${tokens[best]}”: ${window.attentionBook.fmt(r.weights[f][best])}.`;
  });
  assert.equal(said, expected);
  await page.close();
});

test("forced colours: heatmap numbers readable, changed cells and focus still marked", async () => {
  const context = await browser.newContext({ forcedColors: "active" });
  const page = await context.newPage();
  await page.goto(fileUrl("attention-matrix.html"));
  const result = await page.evaluate(() => {
    const rgb = (s) => s.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const low = [];
    document.querySelectorAll(".attention-heatmap td[data-c]").forEach((td) => {
      const style = getComputedStyle(td);
      const r = ratio(rgb(style.color), rgb(style.backgroundColor));
      if (r < 4.5) low.push(`${td.getAttribute("data-c")} ${r.toFixed(2)}`);
    });
    const changed = getComputedStyle(document.querySelector(".attention-heatmap td.changed"));
    return { low, cells: document.querySelectorAll(".attention-heatmap td[data-c]").length, changed: [changed.outlineStyle, changed.outlineWidth], forced: matchMedia("(forced-colors: active)").matches };
  });
  assert.equal(result.forced, true);
  assert.ok(result.cells >= 50, `cells checked: ${result.cells}`);
  assert.deepEqual(result.low, []);
  assert.deepEqual(result.changed, ["dashed", "3px"], "changed cells are told apart by a dashed outline, not colour alone");
  const cell = await page.$("td[data-c][tabindex='0']");
  await cell.focus();
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), "none");
  await context.close();
});

test("reflow and zoom: at 320 px and at 200 % zoom nothing is lost or overlapping", async () => {
  // 200 % zoom of a 1280-pixel window lays the page out in 640 CSS pixels.
  for (const width of [320, 640]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: width === 640 ? 2 : 1 });
    for (const p of withWidgets()) {
      const page = await context.newPage();
      await page.goto(fileUrl(p));
      const problems = await page.evaluate(() => {
        const out = [];
        if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`page is ${document.documentElement.scrollWidth}px wide`);
        for (const w of document.querySelectorAll(".attention-widget")) {
          // Every text of a widget is inside the widget or inside a scroll container of it.
          const box = w.getBoundingClientRect();
          for (const el of w.querySelectorAll("caption, legend, label, button, select, output, p, summary")) {
            const r = el.getBoundingClientRect();
            if (r.width && (r.left < box.left - 1 || r.right > box.right + 1) && !el.closest(".attention-scroll")) out.push(`${el.tagName} "${el.textContent.trim().slice(0, 20)}" sticks out of its widget`);
          }
          // Controls do not overlap each other.
          const boxes = [...w.querySelectorAll("input, select, button, output")].filter((e) => e.offsetParent).map((e) => [e, e.getBoundingClientRect()]);
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [a, b] = [boxes[i][1], boxes[j][1]];
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) out.push(`${boxes[i][0].tagName} overlaps ${boxes[j][0].tagName}`);
          }
        }
        return out;
      });
      assert.deepEqual(problems, [], `${width}px ${p}: ${problems.slice(0, 5).join("; ")}`);
      await page.close();
    }
    await context.close();
  }
});
