// core.js — the browser's mirror of preprocessor/core: the same operations in the same order
// (sums left to right from zero), so the page recomputes what the build computed to the last
// digit shown.
//
// The widget's script is in rooms, one file each, loaded in the order assets.rs lists them
// (SCRIPTS); each adds to the one namespace `attentionBook` (a global `var`, so an element with
// that id cannot stand in for it). Classic scripts, no build step: the book works from file://,
// in print and without a server.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";

  function dot(a, b) {
    var sum = 0;
    for (var i = 0; i < a.length; i++) sum = sum + a[i] * b[i];
    return sum;
  }
  function project(x, w) {
    return x.map(function (row) { return w.map(function (wr) { return dot(row, wr); }); });
  }
  // Query i may attend to key j among nq queries and nk keys; a causal mask aligns the last
  // query with the last key (core/mod.rs, Mask::allows).
  function allows(mask, i, j, nq, nk) {
    if (mask === "none") return true;
    if (mask === "causal") return j + nq <= i + nk;
    return mask[i][j];
  }
  // The largest allowed score of a row (null when every entry is masked), and e^(score - max).
  function rowMax(scores) {
    var max = null;
    scores.forEach(function (s) { if (s !== null && (max === null || s > max)) max = s; });
    return max;
  }
  function exps(scores) {
    var max = rowMax(scores);
    if (max === null) max = 0;
    return scores.map(function (s) { return s === null ? 0 : Math.exp(s - max); });
  }
  function softmax(scores) {
    if (rowMax(scores) === null) return scores.map(function () { return 0; });
    var e = exps(scores);
    var total = 0;
    e.forEach(function (x) { total = total + x; });
    return e.map(function (x) { return x / total; });
  }
  // Attention from Q (n_q rows), K and V (n_k rows each); scale null means 1/sqrt(d_k).
  function attend(q, k, v, mask, scale) {
    var nq = q.length, nk = k.length;
    var s = scale === null ? 1 / Math.sqrt(q[0].length) : scale;
    var dots = [], scores = [], weights = [], output = [];
    for (var i = 0; i < nq; i++) {
      dots.push([]); scores.push([]);
      for (var j = 0; j < nk; j++) {
        var d = allows(mask, i, j, nq, nk) ? dot(q[i], k[j]) : null;
        dots[i].push(d);
        scores[i].push(d === null ? null : d * s);
      }
      weights.push(softmax(scores[i]));
    }
    for (var r = 0; r < nq; r++) {
      var row = [];
      for (var c = 0; c < v[0].length; c++) {
        var sum = 0;
        for (var t = 0; t < nk; t++) sum = sum + weights[r][t] * v[t][c];
        row.push(sum);
      }
      output.push(row);
    }
    return { q: q, k: k, v: v, scale: s, dots: dots, scores: scores, weights: weights, output: output };
  }
  // The whole computation: embeddings -> Q, K, V (query overrides applied) -> attention.
  // What is projected: the embeddings, plus the positions when the widget adds them.
  function inputs(input) {
    var p = input.positions;
    if (!p) return input.embeddings;
    return input.embeddings.map(function (row, i) { return row.map(function (e, j) { return e + p[i][j]; }); });
  }
  // Rotary positions: each pair (2i, 2i+1) of a row turned by the angle of its position, from
  // the cosines and sines the core computed (render/data.rs, RopeData).
  function rotate(m, rope) {
    return m.map(function (row, p) {
      var out = row.slice(), cos = rope.cos[p] || [], sin = rope.sin[p] || [];
      for (var i = 0; i < cos.length && 2 * i + 1 < row.length; i++) {
        var a = row[2 * i], b = row[2 * i + 1];
        out[2 * i] = a * cos[i] - b * sin[i];
        out[2 * i + 1] = a * sin[i] + b * cos[i];
      }
      return out;
    });
  }
  // A real model's head is given as its q, k and v (core's Qkv::Given): nothing is projected.
  function compute(input) {
    var x = null, q, k, v, g = input.given;
    if (g) {
      q = g.q.map(function (row) { return row.slice(); }); k = g.k; v = g.v;
    } else {
      x = inputs(input);
      q = project(x, input.w_q); k = project(x, input.w_k); v = project(x, input.w_v);
    }
    (input.query_overrides || []).forEach(function (o) { q[o[0]][o[1]] = o[2]; });
    if (input.rope) { q = rotate(q, input.rope); k = rotate(k, input.rope); }
    var r = attend(q, k, v, input.mask, input.scale);
    r.x = x;
    return r;
  }
  // Several heads: their outputs side by side, then W_O (core/positions.rs).
  function combineHeads(outputs, wO) {
    var concat = outputs[0].map(function (_, i) { return [].concat.apply([], outputs.map(function (o) { return o[i]; })); });
    return { concat: concat, output: wO ? project(concat, wO) : null };
  }

  ns.dot = dot; ns.project = project; ns.rowMax = rowMax; ns.exps = exps; ns.softmax = softmax;
  ns.attend = attend; ns.rotate = rotate; ns.compute = compute; ns.combineHeads = combineHeads;
})(attentionBook);
