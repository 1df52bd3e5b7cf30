// Reads the data of widgets on a real model's heads (tests/model.rs) and recomputes each head with
// the widget's scripts (theme/attention/) as the page does: its q, k and v as the model made them
// (givenInputs), then the same attention as every widget. Every weight, score
// and output must be the core's within 1e-12 relative, every displayed string the same, and the
// weights those the layers view embeds for that head (the model's own, drawn only, to 1e-8: the
// block computes from the head's queries, keys and values to nine digits) showing the same.
"use strict";
const fs = require("fs");
const path = require("path");
const attention = require("./load.js")();

const widgets = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let compared = 0;
const failures = [];
const fail = (m) => { if (failures.length < 20) failures.push(m); };
function agree(got, want, where) {
  compared++;
  if (got === null || want === null) {
    if (got !== want) fail(`${where}: js ${got} vs rust ${want}`);
    return;
  }
  const close = Math.abs(got - want) <= 1e-12 * Math.max(Math.abs(got), Math.abs(want));
  if (!close || attention.fmt(got) !== attention.fmt(want)) fail(`${where}: js ${got} vs rust ${want}`);
}
widgets.forEach(({ data, attention: all }, w) => {
  const where = `widget ${w} (layer ${data.model.layer + 1}, head ${data.model.head + 1}, "${data.text}")`;
  if (!data.given || data.embeddings || data.w_q) fail(`${where}: a model widget carries its head's q, k, v and no inputs of its own`);
  const r = attention.compute({
    given: attention.givenInputs(data), mask: data.mask,
    scale: data.scale_is_default ? null : data.scale, query_overrides: data.query_overrides,
    positions: null, rope: null,
  });
  for (const field of ["q", "k", "v", "scores", "weights", "output"]) {
    data[field].forEach((row, i) => row.forEach((want, j) => agree(r[field][i][j], want, `${where} ${field}[${i}][${j}]`)));
  }
  all[data.model.layer][data.model.head].forEach((row, i) => row.forEach((want, j) => {
    compared++;
    const got = r.weights[i][j];
    if (Math.abs(got - want) > 1e-8 || attention.fmt(got) !== attention.fmt(want)) fail(`${where} attention[${i}][${j}]: js ${got} vs the model's ${want}`);
  }));
});
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`model widgets: ${compared} numbers of ${widgets.length} heads agree, every displayed string the same`);
