// views/compare.js — the compare view (render/heatmap.rs): the same words under two masks, the
// weights that changed outlined and counted in words.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt, weightIn = ns.weightIn;

  // How many weights the mask changed, as shown: render/heatmap.rs, `compare_summary`.
  function compareSummary(shown, against) {
    var n = shown.weights.length, open = 0, moved = 0;
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        var w = weightIn(shown, i, j);
        if (w === null) continue;
        open++;
        if (fmt(w) !== fmt(weightIn(against, i, j))) moved++;
      }
    }
    return "Outlined: " + moved + " of the " + open + " weights a word may still give changed under the mask; the cells marked \u2A2F are the ones it hides.";
  }

  ns.compareSummary = compareSummary;
})(attentionBook);
