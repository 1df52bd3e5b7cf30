// Reads cases made by the Rust core (tests/consistency.rs) and recomputes each one with
// the widget's scripts (theme/attention/): every field must agree within 1e-12 relative, and
// every formatted number must be the same string.
"use strict";
const fs = require("fs");
const path = require("path");
const attention = require("./load.js")();

const TOLERANCE = 1e-12;
const cases = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map((l) => JSON.parse(l));
let failed = 0, compared = 0;
const failures = [];

// `size`: for a sum whose terms cancel, the sum of their sizes (a last-bit difference in a term
// is relative to that, not to what is left after cancelling).
function agree(a, b, size) {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b), size || 0);
}
function compare(name, got, want, where, sizes) {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return fail(`${where} ${name}: shape ${JSON.stringify(got && got.length)} vs ${want.length}`);
    want.forEach((w, i) => compare(name, got[i], w, `${where}[${i}]`, sizes && sizes[i]));
    return;
  }
  compared++;
  if (!agree(got, want, sizes)) fail(`${where} ${name}: js ${got} vs rust ${want}`);
}
function fail(msg) {
  failed++;
  if (failures.length < 20) failures.push(msg);
}

cases.forEach((c, n) => {
  if (c.format) {
    c.format.forEach(([x, want]) => {
      compared++;
      const got = attention.fmt(x);
      if (got !== want) fail(`format ${x}: js ${got} vs rust ${want}`);
    });
    return;
  }
  const r = attention.compute(c.input);
  const heads = c.heads.map((h, i) => {
    const hr = attention.compute(h.input);
    for (const field of ["q", "k", "weights", "output"]) compare(field, hr[field], h.output[field], `case ${n} head ${i + 2}`);
    return hr.output;
  });
  const outputs = [r.output].concat(heads);
  // W_O mixes the heads' outputs: each entry is a sum of products that may cancel.
  const concat = outputs[0].map((_, i) => [].concat(...outputs.map((o) => o[i])));
  const sizes = concat.map((row) => c.w_o.map((w) => row.reduce((s, x, j) => s + Math.abs(x * w[j]), 0)));
  compare("combined", attention.combineHeads(outputs, c.w_o).output, c.combined, `case ${n}`, sizes);
  for (const field of ["q", "k", "v", "dots", "scores", "weights", "output"]) compare(field, r[field], c.output[field], `case ${n}`);
  compare("scale", r.scale, c.output.scale, `case ${n}`);
  compare("exps", r.scores.map((row) => attention.exps(row)), c.output.exps, `case ${n}`);
  c.output.pencil.forEach(([kind, total, args, want]) => {
    compared++;
    const got = kind === "sum" ? attention.pencilSum(total, args)
      : kind === "products" ? attention.pencilSumOfProducts(total, args)
      : attention.pencilQuotient(total, args[0], args[1]);
    if (got !== want) fail(`case ${n} pencil ${kind} ${total} ${JSON.stringify(args)}: js ${got} vs rust ${want}`);
  });
  c.output.formatted.forEach(([x, want]) => {
    compared++;
    if (attention.fmt(x) !== want) fail(`case ${n} format ${x}: js ${attention.fmt(x)} vs rust ${want}`);
  });
});
failures.forEach((f) => console.error(f));
const cases_n = cases.filter((c) => !c.format).length;
console.log(`${cases_n} cases, ${compared} numbers compared`);
console.log(`${compared - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
