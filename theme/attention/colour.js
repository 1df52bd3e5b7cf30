// colour.js — the heatmap's one colour scale (preprocessor/render/heatmap.rs): a cell's
// opacity is the square root of its weight, and the strong ones take the light text.
var attentionBook = typeof attentionBook === "object" && attentionBook ? attentionBook : {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt;

  var STRONG_OPACITY = 0.7;
  function opacity(weight) { return fmt(weight === null ? 0 : Math.sqrt(Math.max(weight, 0))); }
  function cellClass(weight) {
    if (weight === null) return "masked";
    return Number(opacity(weight)) > STRONG_OPACITY ? "strong" : "";
  }
  // The weight of a result behind a heatmap binding; null if masked.
  function weightIn(r, i, j) { return r.scores[i][j] === null ? null : r.weights[i][j]; }
  // A heatmap cell's accessible name (render/heatmap.rs, cell_name).
  function cellName(from, to, shown) { return from + " \u2192 " + to + ": " + (shown === ns.MASKED ? "masked" : shown); }

  ns.opacity = opacity; ns.cellClass = cellClass; ns.weightIn = weightIn; ns.cellName = cellName;
})(attentionBook);
