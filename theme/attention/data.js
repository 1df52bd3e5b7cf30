// data.js — the widget's embedded data (preprocessor/render/data.rs), read as the core's
// inputs.
var attentionBook = typeof attentionBook === "object" && attentionBook ? attentionBook : {};
(function (ns) {
  "use strict";

  // A head of a real model comes as its q, k and v (data.given, render/data.rs): its inputs are
  // the three side by side, picked out by identities, as the core builds them (block/kind/pretrained.rs).
  function givenInputs(data) {
    var dk = data.q[0].length, dv = data.v[0].length, width = 2 * dk + dv;
    var pick = function (from, count) {
      var rows = [];
      for (var i = 0; i < count; i++) {
        var row = [];
        for (var j = 0; j < width; j++) row.push(j === from + i ? 1 : 0);
        rows.push(row);
      }
      return rows;
    };
    // With queries set by hand, `q` holds the values set: the model's own come as `embeddings`.
    if (!data.embeddings) data.embeddings = data.q.map(function (q, t) { return q.concat(data.k[t], data.v[t]); });
    data.w_q = pick(0, dk); data.w_k = pick(dk, dk); data.w_v = pick(2 * dk, dv);
  }

  ns.givenInputs = givenInputs;
})(attentionBook);
