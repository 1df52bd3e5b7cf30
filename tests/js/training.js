// Reads the data of trained widgets (tests/training.rs) and, for every kept step, recomputes the
// attention with the widget's scripts (theme/attention/) from that step's weights, as the
// training slider does: every
// weight must be the core's within 1e-12 relative (Math.exp and Rust's exp may differ in the last
// bit) and every displayed string the same.
"use strict";
const fs = require("fs");
const path = require("path");
const attention = require("./load.js")();

const widgets = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let compared = 0;
const failures = [];
widgets.forEach((data, w) => {
  data.training.snapshots.forEach((snap) => {
    const r = attention.compute({
      embeddings: data.embeddings, positions: data.positions || null, rope: data.rope || null,
      w_q: snap.w_q, w_k: snap.w_k, w_v: snap.w_v, mask: data.mask,
      scale: data.scale_is_default ? null : data.scale, query_overrides: [],
    });
    snap.weights.forEach((row, i) => row.forEach((want, j) => {
      compared++;
      const got = r.weights[i][j];
      const close = Math.abs(got - want) <= 1e-12 * Math.max(Math.abs(got), Math.abs(want));
      if (!close || attention.fmt(got) !== attention.fmt(want)) {
        failures.push(`widget ${w} step ${snap.step} weight[${i}][${j}]: js ${got} vs rust ${want}`);
      }
    }));
  });
});
if (failures.length) {
  console.error(failures.slice(0, 20).join("\n"));
  process.exit(1);
}
console.log(`training slider: ${compared} weights of ${widgets.length} runs agree, every displayed string the same`);
