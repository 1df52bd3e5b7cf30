// attention.js — brings the book's attention widgets to life.
//
// The first half mirrors preprocessor/core (same operations, same order: sums left to right
// from zero) and render/format.rs (the one number format). The second half hydrates every
// .attention-widget: it reads the embedded JSON, recomputes, and rewrites each element that
// carries a data-b binding ("q f 1": field, row, column; f = the focus token). No framework,
// no network, no ids, no inline script: it works from file://, in print.html and in any theme.
(function () {
  "use strict";

  // ---- the core, mirrored -------------------------------------------------------------------
  function dot(a, b) {
    var sum = 0;
    for (var i = 0; i < a.length; i++) sum = sum + a[i] * b[i];
    return sum;
  }
  function project(x, w) {
    return x.map(function (row) { return w.map(function (wr) { return dot(row, wr); }); });
  }
  function allows(mask, i, j) {
    if (mask === "none") return true;
    if (mask === "causal") return j <= i;
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
  // Attention from Q, K, V; scale null means 1/sqrt(d_k).
  function attend(q, k, v, mask, scale) {
    var n = q.length;
    var s = scale === null ? 1 / Math.sqrt(q[0].length) : scale;
    var dots = [], scores = [], weights = [], output = [];
    for (var i = 0; i < n; i++) {
      dots.push([]); scores.push([]);
      for (var j = 0; j < n; j++) {
        var d = allows(mask, i, j) ? dot(q[i], k[j]) : null;
        dots[i].push(d);
        scores[i].push(d === null ? null : d * s);
      }
      weights.push(softmax(scores[i]));
    }
    for (var r = 0; r < n; r++) {
      var row = [];
      for (var c = 0; c < v[0].length; c++) {
        var sum = 0;
        for (var t = 0; t < n; t++) sum = sum + weights[r][t] * v[t][c];
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
  function compute(input) {
    var x = inputs(input);
    var q = project(x, input.w_q);
    (input.query_overrides || []).forEach(function (o) { q[o[0]][o[1]] = o[2]; });
    var k = project(x, input.w_k);
    if (input.rope) { q = rotate(q, input.rope); k = rotate(k, input.rope); }
    var v = project(x, input.w_v);
    var r = attend(q, k, v, input.mask, input.scale);
    r.x = x;
    return r;
  }
  // Several heads: their outputs side by side, then W_O (core/positions.rs).
  function combineHeads(outputs, wO) {
    var concat = outputs[0].map(function (_, i) { return [].concat.apply([], outputs.map(function (o) { return o[i]; })); });
    return { concat: concat, output: wO ? project(concat, wO) : null };
  }

  // ---- the one number format (see render/format.rs) -----------------------------------------
  var MASKED = "\u2A2F";
  function roundHalfEvenDigits(digits, keep) {
    // digits: a string of decimal digits; returns the first `keep` digits rounded half-even,
    // possibly one digit longer after a carry.
    var head = digits.slice(0, keep), rest = digits.slice(keep);
    var up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || head[head.length - 1] % 2 === 1));
    if (!up) return head;
    return (BigInt(head) + 1n).toString().padStart(keep, "0");
  }
  function fmt(x) {
    if (x === null) return MASKED;
    var neg = x < 0, a = Math.abs(x), s;
    if (a >= 1e15) {
      if (Number.isInteger(a)) {
        var digits = BigInt(a).toString();
        var exp = digits.length - 1;
        var m = roundHalfEvenDigits(digits, 3);
        if (m.length > 3) { m = m.slice(0, 3); exp += 1; }
        s = m[0] + "." + m.slice(1) + "e" + exp;
      } else {
        s = a.toExponential(2).replace("e+", "e");
      }
    } else {
      s = a.toFixed(2);
      var eighths = a * 8;
      if (Number.isInteger(eighths) && eighths % 2 === 1) {
        // An exact tie: toFixed rounded away from zero; Rust rounds to even.
        var hundredths = (BigInt(eighths) * 25n - 1n) / 2n;
        if (hundredths % 2n === 1n) hundredths += 1n;
        var str = hundredths.toString().padStart(3, "0");
        s = str.slice(0, -2) + "." + str.slice(-2);
      }
    }
    if (neg) s = "-" + s;
    return s === "-0.00" ? "0.00" : s;
  }
  // ---- the pencil rule (see render/pencil.rs) ----------------------------------------------
  // A total is shown "≈ x" when redoing its arithmetic on the shown, rounded operands would not
  // give x. Shown numbers are exact decimals: count them in hundredths, with BigInt.
  var APPROX = "\u2248 ";
  // The bindings whose numbers follow the rule (render/pencil.rs, FIELDS).
  var PENCIL_FIELDS = ["qt", "kt", "vt", "qp", "kp", "vp", "md", "ss", "wsum", "sm", "esum", "sw", "wv", "osum", "rsum", "mo", "wc"];
  function hundredths(shown) {
    var m = /^(-?)(\d+)\.(\d\d)$/.exec(shown);
    if (!m) return null;
    var v = BigInt(m[2]) * 100n + BigInt(m[3]);
    return m[1] ? -v : v;
  }
  function roundToHundredths(x) {
    var r = ((x % 100n) + 100n) % 100n, q = (x - r) / 100n;
    return r > 50n || (r === 50n && ((q % 2n) + 2n) % 2n === 1n) ? q + 1n : q;
  }
  function pencilSumOfProducts(total, pairs) {
    var shown = fmt(total), acc = 0n;
    for (var i = 0; i < pairs.length; i++) {
      var a = hundredths(fmt(pairs[i][0])), b = hundredths(fmt(pairs[i][1]));
      if (a === null || b === null) return APPROX + shown;
      acc += a * b;
    }
    var s = hundredths(shown);
    return s !== null && roundToHundredths(acc) === s ? shown : APPROX + shown;
  }
  function pencilSum(total, terms) {
    return pencilSumOfProducts(total, terms.map(function (t) { return [t, 1]; }));
  }
  function pencilQuotient(total, a, b) {
    var shown = fmt(total), x = Number(fmt(a)), y = Number(fmt(b));
    return y !== 0 && isFinite(x) && isFinite(y) && fmt(x / y) === shown ? shown : APPROX + shown;
  }

  // ---- heatmap colour (see render/heatmap.rs) -----------------------------------------------
  var STRONG_OPACITY = 0.7;
  function opacity(weight) { return fmt(weight === null ? 0 : Math.sqrt(Math.max(weight, 0))); }
  function cellClass(weight) {
    if (weight === null) return "masked";
    return Number(opacity(weight)) > STRONG_OPACITY ? "strong" : "";
  }

  // A head of a real model comes as its q, k and v (data.given, render/data.rs): its inputs are
  // the three side by side, picked out by identities, as the core builds them (spec/model.rs).
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

  var api = {
    dot: dot, project: project, softmax: softmax, exps: exps, rowMax: rowMax, attend: attend, compute: compute, fmt: fmt,
    rotate: rotate, combineHeads: combineHeads,
    pencilSum: pencilSum, pencilSumOfProducts: pencilSumOfProducts, pencilQuotient: pencilQuotient,
    opacity: opacity, cellClass: cellClass, givenInputs: givenInputs
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof document === "undefined" || window.attentionBook) return;
  window.attentionBook = api;

  // ---- widgets ------------------------------------------------------------------------------
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function sum(xs) { var t = 0; xs.forEach(function (x) { t = t + x; }); return t; }
  function range(n) { var out = []; for (var i = 0; i < n; i++) out.push(i); return out; }
  // Views of the chapters before q·k is explained (the introduction promises the dot product
  // behind a weight in every chapter after): a widget of only these leaves it out of tooltips.
  var BEFORE_DOTS = ["weights", "compare", "embeddings"];
  // Beyond this many query dimensions a tooltip gives the dot product without its terms.
  var MOST_TERMS = 8;

  function Widget(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.attention-data").textContent);
    if (this.data.given === "qkv") givenInputs(this.data);
    this.initial = {
      embeddings: this.data.embeddings, w_q: this.data.w_q, w_k: this.data.w_k, w_v: this.data.w_v,
      mask: this.data.mask, scale: this.data.scale_is_default ? null : this.data.scale,
      query_overrides: this.data.query_overrides, focus: this.data.focus,
      positions: this.data.positions || null, rope: this.data.rope || null,
      // The head the step-by-step views follow (the head picker), and queries set by hand on
      // heads other than the first, by head.
      head: 0, head_overrides: {},
      // The scale the reader set on a head other than the first, by head (null: its 1/√d_k).
      head_scales: {},
      // A trained block: which kept step's weights the figure shows (the training slider).
      training_step: this.data.training ? this.data.training.snapshots.length - 1 : null
    };
    this.state = clone(this.initial);
    this.explainsDots = this.data.views.some(function (v) { return BEFORE_DOTS.indexOf(v) < 0; });
    // Bindings are parsed once; each redraw then only computes and writes what changed.
    // Which result a binding reads: its figure's `data-r` (render/heatmap.rs), else the block's own.
    var resultOf = function (el, attr) {
      var holder = el.closest("[" + attr + "]");
      return holder ? +holder.getAttribute(attr) : null;
    };
    var parse = function (el, attr) {
      var p = el.getAttribute(attr).split(" ");
      return {
        el: el, field: p[0], focusRow: p[1] === "f", i: +p[1], j: +p[2], c: +p[3],
        r: resultOf(el, "data-r"), against: resultOf(el, "data-against"),
        cell: el.parentNode.classList.contains("attention-cell-texts"),
        last: attr === "data-c" ? el.getAttribute("fill-opacity") : attr === "data-b" ? el.textContent : null,
        lastClass: el.getAttribute("class") || ""
      };
    };
    var all = function (sel, attr) { return Array.prototype.map.call(root.querySelectorAll(sel), function (el) { return parse(el, attr); }); };
    this.bound = all("[data-b]", "data-b");
    this.cells = all("[data-c]", "data-c");
    this.outlines = all("[data-o]", "data-o");
    this.rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-token]"));
    this.focusRows = Array.prototype.slice.call(root.querySelectorAll(".attention-focus-row"));
    this.regions = Array.prototype.filter.call(root.querySelectorAll(".attention-scroll[role='region']"), function (r) { return r.querySelector("caption"); });
    // Named results (more heads, the compare view's masks): the widget's live inputs with theirs
    // put over.
    this.named = this.data.results || [];
    this.headCount = this.data.heads ? this.data.heads.length : 1;
    this.wire();
    this.update();
    // The figure as the text describes it, as the page writes its numbers: what the state line
    // compares with.
    this.baseline = this.results.map(function (r) {
      var rows = function (m) { return JSON.stringify(m.map(function (row) { return row.map(fmt); })); };
      return { q: rows(r.q), weights: rows(r.weights), scale: fmt(r.scale) };
    });
    this.describeState();
  }

  // The inputs of result `k`: the widget's live inputs, with the result's own put over them (a
  // head's weights, a compare view's mask), and a head's own queries set by hand.
  Widget.prototype.inputOf = function (k) {
    var st = this.state;
    if (k === 0) return st;
    var input = {}, named = this.named[k - 1];
    Object.keys(st).forEach(function (key) { input[key] = st[key]; });
    Object.keys(named.input).forEach(function (key) { input[key] = named.input[key]; });
    if (k < this.headCount) {
      input.query_overrides = st.head_overrides[k] || [];
      if (Object.prototype.hasOwnProperty.call(st.head_scales, k)) input.scale = st.head_scales[k];
    }
    return input;
  };

  // The scale setting of the followed head: null for its own 1/√d_k, else a number.
  Widget.prototype.followedScale = function () {
    var st = this.state;
    if (st.head === 0) return st.scale;
    if (Object.prototype.hasOwnProperty.call(st.head_scales, st.head)) return st.head_scales[st.head];
    var own = this.named[st.head - 1].input;
    return Object.prototype.hasOwnProperty.call(own, "scale") ? own.scale : st.scale;
  };
  Widget.prototype.setFollowedScale = function (scale) {
    var st = this.state;
    if (st.head === 0) st.scale = scale; else st.head_scales[st.head] = scale;
  };

  // Whether two results show the same weights (a head the reader's move did not touch).
  function sameWeights(a, b) {
    if (!a || a.weights.length !== b.weights.length) return false;
    for (var i = 0; i < a.weights.length; i++) {
      var x = a.weights[i], y = b.weights[i], sx = a.scores[i], sy = b.scores[i];
      if (x.length !== y.length) return false;
      for (var j = 0; j < x.length; j++) if (x[j] !== y[j] || (sx[j] === null) !== (sy[j] === null)) return false;
    }
    return true;
  }

  Widget.prototype.recompute = function () {
    var self = this, st = this.state, before = this.results || [];
    this.results = [compute(st)].concat(this.named.map(function (_, k) { return compute(self.inputOf(k + 1)); }));
    // A figure pinned to a result whose weights did not move needs no redraw: with eight heads of
    // 64 tokens, a query moved on one head leaves 28,672 of 32,768 cells as they are.
    this.unchanged = this.results.map(function (r, k) { return sameWeights(before[k], r); });
    // The head the step-by-step views follow: its plain projections and its focus row's softmax.
    var r = this.results[st.head], inp = this.inputOf(st.head);
    var plain = function (m) { return project(r.x, m); };
    r.qp = plain(inp.w_q); r.kp = plain(inp.w_k); r.vp = plain(inp.w_v);
    var row = r.scores[st.focus];
    r.smax = rowMax(row);
    r.ex = exps(row);
    r.esum = sum(r.ex);
    this.result = r;
    // Several heads: the first `heads.length` results, side by side and combined.
    var count = this.data.heads ? this.data.heads.length : (this.data.w_o ? 1 : 0);
    if (count) {
      this.combined = combineHeads(this.results.slice(0, count).map(function (h) { return h.output; }), this.data.w_o || null);
    }
  };

  // The result a binding reads: its figure's, or the followed head's.
  Widget.prototype.resultIndex = function (b) { return b.r === null ? this.state.head : b.r; };

  // Bindings read straight from the result (render/cells.rs, FIELDS, lists every binding).
  var RESULT_FIELDS = ["q", "k", "v", "dots", "scores", "weights", "output"];

  // The words and numbers of one binding: the browser's twin of render/views.rs.
  Widget.prototype.text = function (b) {
    var st = this.state, k = this.resultIndex(b), r = this.results[k], i = b.focusRow ? st.focus : b.i, j = b.j, c = b.c;
    var x = r.x, inp = this.inputOf(k);
    var products = function (w, row) { return x[i].map(function (e, col) { return [w[row][col], e]; }); };
    switch (b.field) {
      case "tok": return this.data.tokens[i];
      case "x": return fmt(st.embeddings[i][j]);
      case "scale": return fmt(r.scale);
      case "w": return fmt(weightIn(r, i, j));
      // After minus before (the cell's data-against): the scores view's "change".
      case "wc": {
        var after = weightIn(r, i, j), was = weightIn(this.results[b.against], i, j);
        return after === null || was === null ? MASKED : pencilSumOfProducts(after - was, [[after, 1], [was, -1]]);
      }
      case "wsum":
        return pencilSum(sum(r.weights[i]), range(r.weights[i].length).filter(function (t) { return r.scores[i][t] !== null; }).map(function (t) { return r.weights[i][t]; }));
      case "ss": return r.dots[i][j] === null ? MASKED : pencilSumOfProducts(r.scores[i][j], [[r.dots[i][j], r.scale]]);
      case "wv": return pencilSumOfProducts(r.weights[i][j] * r.v[j][c], [[r.weights[i][j], r.v[j][c]]]);
      case "osum": return pencilSum(r.output[i][j], r.v.map(function (v, t) { return r.weights[i][t] * v[j]; }));
      // One product w·x of a projection (core::projection_terms): "qt f row term"; "qp f row" their sum.
      case "qt": return pencilSumOfProducts(inp.w_q[j][c] * x[i][c], [[inp.w_q[j][c], x[i][c]]]);
      case "kt": return pencilSumOfProducts(inp.w_k[j][c] * x[i][c], [[inp.w_k[j][c], x[i][c]]]);
      case "vt": return pencilSumOfProducts(inp.w_v[j][c] * x[i][c], [[inp.w_v[j][c], x[i][c]]]);
      case "qp": return pencilSum(r.qp[i][j], products(inp.w_q, j).map(function (p) { return p[0] * p[1]; }));
      case "kp": return pencilSum(r.kp[i][j], products(inp.w_k, j).map(function (p) { return p[0] * p[1]; }));
      case "vp": return pencilSum(r.vp[i][j], products(inp.w_v, j).map(function (p) { return p[0] * p[1]; }));
      case "md": return pencilSumOfProducts(dot(r.q[i], r.k[j]), r.q[i].map(function (x, d) { return [x, r.k[j][d]]; }));
      case "smax": return fmt(r.smax);
      case "sm": return r.scores[i][j] === null || r.smax === null ? MASKED : pencilSumOfProducts(r.scores[i][j] - r.smax, [[r.scores[i][j], 1], [r.smax, -1]]);
      case "ex": return fmt(r.ex[j]);
      case "esum": return pencilSum(r.esum, r.ex);
      case "sw": return r.scores[i][j] === null || r.smax === null ? fmt(0) : pencilQuotient(r.weights[i][j], r.ex[j], r.esum);
      case "rsum": return pencilSum(x[i][j] + r.output[i][j], [x[i][j], r.output[i][j]]);
      case "xi": return fmt(x[i][j]);
      case "made": return st.positions ? "Embeddings + positions" : "Embeddings alone, the positions switched off";
      case "mq": return fmt(inp.w_q[i][j]);
      case "mk": return fmt(inp.w_k[i][j]);
      case "mv": return fmt(inp.w_v[i][j]);
      case "hc": return fmt(this.combined.concat[i][j]);
      case "mo":
        var heads = this.combined, wO = this.data.w_o;
        return pencilSumOfProducts(heads.output[i][j], heads.concat[i].map(function (h, t) { return [h, wO[j][t]]; }));
      default:
        if (RESULT_FIELDS.indexOf(b.field) < 0) throw new Error("unknown binding " + b.field);
        return fmt(r[b.field][i][j]);
    }
  };
  // A heatmap cell's accessible name (render/heatmap.rs, cell_name).
  function cellName(from, to, shown) { return from + " \u2192 " + to + ": " + (shown === MASKED ? "masked" : shown); }

  // The weight of a result behind a heatmap binding; null if masked.
  function weightIn(r, i, j) { return r.scores[i][j] === null ? null : r.weights[i][j]; }

  // One short sentence for screen readers after the reader changes the figure, once the
  // control comes to rest (not on every slider tick).
  Widget.prototype.announce = function () {
    var live = this.root.querySelector(".attention-live");
    if (!live) return;
    var self = this;
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(function () {
      var st = self.state, r = self.result, f = st.focus, tokens = self.data.tokens, best = -1;
      r.weights[f].forEach(function (w, j) { if (r.scores[f][j] !== null && (best < 0 || w > r.weights[f][best])) best = j; });
      live.textContent = best < 0
        ? "\u201C" + tokens[f] + "\u201D may attend to nothing."
        : "\u201C" + tokens[f] + "\u201D now attends most to \u201C" + tokens[best] + "\u201D: " + fmt(r.weights[f][best]) + ".";
    }, 600);
  };

  Widget.prototype.update = function (changedByReader) {
    if (changedByReader) this.announce();
    this.recompute();
    var self = this, results = this.results, unchanged = this.unchanged;
    var skip = function (b) { return b.r !== null && unchanged[b.r]; };
    this.bound.forEach(function (b) {
      if (skip(b)) return;
      var t = self.text(b);
      if (b.last !== t) { b.el.textContent = t; b.last = t; }
      if (b.cell) self.setClass(b, cellClass(weightIn(results[self.resultIndex(b)], b.i, b.j)));
    });
    var tokens = this.data.tokens;
    this.cells.forEach(function (b) {
      if (skip(b)) return;
      var w = weightIn(results[self.resultIndex(b)], b.i, b.j), o = opacity(w);
      if (b.last !== o) {
        b.el.setAttribute("fill-opacity", o);
        b.last = o;
      }
      // The name follows the number, not the colour: two weights of one shade read differently.
      var name = cellName(tokens[b.i], tokens[b.j], fmt(w));
      if (b.name !== name) {
        b.el.setAttribute("aria-label", name);
        b.name = name;
      }
      self.setClass(b, cellClass(w));
    });
    // Outlined: a cell that reads differently from the same cell of the result it is set against.
    this.outlines.forEach(function (b) {
      if (skip(b) && unchanged[b.against]) return;
      // As render/heatmap.rs: a masked cell is never outlined, only a weight that moved.
      var mine = weightIn(results[self.resultIndex(b)], b.i, b.j);
      var changed = mine !== null && fmt(mine) !== fmt(weightIn(results[b.against], b.i, b.j));
      self.setClass(b, changed ? "changed" : "");
    });
    // The comparison's count in words (render/heatmap.rs, compare_summary).
    Array.prototype.forEach.call(this.root.querySelectorAll(".attention-compare-summary"), function (p) {
      var pair = p.getAttribute("data-compare").split(" ");
      var said = compareSummary(results[+pair[0]], results[+pair[1]]);
      if (p.textContent !== said) p.textContent = said;
    });
    var f = this.state.focus;
    this.rows.forEach(function (tr) {
      tr.classList.toggle("focus", +tr.getAttribute("data-token") === f);
      if (!tr.classList.length) tr.removeAttribute("class");
    });
    this.focusRows.forEach(function (rect) {
      rect.setAttribute("y", +rect.getAttribute("data-origin") + f * +rect.getAttribute("height"));
    });
    this.layersFocus();
    // Region labels are their tables' captions, which may have just changed.
    this.regions.forEach(function (region) {
      var label = region.querySelector("caption").textContent;
      if (region.getAttribute("aria-label") !== label) region.setAttribute("aria-label", label);
    });
    if (this.orderSummary) {
      var said = orderSummary(results[0], results[this.copyIndex]);
      if (this.orderSummary.textContent !== said) this.orderSummary.textContent = said;
    }
    this.syncControls();
    this.describeState();
    // The note on ≈ shows while some number of the rule carries the mark.
    var note = this.root.querySelector(".attention-note");
    if (note) {
      note.hidden = !this.bound.some(function (b) { return PENCIL_FIELDS.indexOf(b.field) >= 0 && b.last.indexOf(APPROX) === 0; });
    }
  };
  Widget.prototype.setClass = function (b, cls) {
    // No class is no attribute, as the page is written.
    if (b.lastClass !== cls) {
      if (cls) b.el.setAttribute("class", cls); else b.el.removeAttribute("class");
      b.lastClass = cls;
    }
  };

  // What the reader changed, in words, with the way back: a figure never drifts from its text.
  Widget.prototype.describeState = function () {
    var line = this.root.querySelector(".attention-state");
    if (!line || !this.baseline) return;
    var st = this.state, init = this.initial, tokens = this.data.tokens, parts = [];
    // Said only of what shows: a slider moved away and back, or a head followed whose scale is
    // its own, changed nothing the reader sees (every number compared as the page writes it).
    var baseline = this.baseline, results = this.results;
    var shown = function (field) {
      return results.some(function (r, k) { return JSON.stringify(r[field].map(function (row) { return row.map(fmt); })) !== baseline[k][field]; });
    };
    var scaleMoved = results.some(function (r, k) { return fmt(r.scale) !== baseline[k].scale; });
    if (st.focus !== init.focus) parts.push("following \u201C" + tokens[st.focus] + "\u201D, not \u201C" + tokens[init.focus] + "\u201D");
    if (st.head !== init.head) parts.push("following head " + (st.head + 1) + ", not head " + (init.head + 1));
    var embeddingMoved = JSON.stringify(st.embeddings.map(function (row) { return row.map(fmt); })) !== JSON.stringify(init.embeddings.map(function (row) { return row.map(fmt); }));
    if (!embeddingMoved && shown("q")) parts.push("a query moved");
    if (embeddingMoved) parts.push("an embedding moved (its query is worked out again from it)");
    if (scaleMoved) parts.push("scale " + fmt(this.result.scale));
    if (JSON.stringify(st.mask) !== JSON.stringify(init.mask) && shown("weights")) parts.push(typeof st.mask === "string" ? "mask: " + st.mask : "mask as written");
    if (st.training_step !== init.training_step) parts.push("the weights after step " + this.data.training.snapshots[st.training_step].step + ", not after training");
    var text = parts.length ? "You changed this figure: " + parts.join("; ") + "." : "";
    var span = line.querySelector(".attention-state-text");
    if (span.textContent !== text) span.textContent = text;
    line.hidden = parts.length === 0;
  };

  // A slider reaches whole numbers around -2..2, its value and the values its steps set
  // (render/mod.rs, slider_reach).
  Widget.sliderReach = function (value, extra) {
    var all = [value, -2, 2].concat(extra);
    return [Math.floor(Math.min.apply(null, all)), Math.ceil(Math.max.apply(null, all))];
  };
  Widget.prototype.stepValues = function (dim) {
    var out = [];
    (this.data.steps || []).forEach(function (step) { step.forEach(function (e) { if (e[0] === dim) out.push(e[1]); }); });
    return out;
  };

  Widget.prototype.syncControls = function () {
    var self = this, st = this.state, r = this.result, tok = this.data.tokens[st.focus];
    Array.prototype.forEach.call(this.root.querySelectorAll("input[data-kind]"), function (input) {
      var dim = +input.getAttribute("data-dim"), kind = input.getAttribute("data-kind");
      // A followed head may have fewer query dimensions than the first.
      var beyond = kind === "q" && dim >= r.q[st.focus].length;
      input.closest("label").hidden = beyond;
      if (beyond) return;
      var value = kind === "q" ? r.q[st.focus][dim] : st.embeddings[st.focus][dim];
      if (document.activeElement !== input) {
        var reach = Widget.sliderReach(value, kind === "q" ? self.stepValues(dim) : []);
        input.min = reach[0];
        input.max = reach[1];
        input.value = value;
      }
      // "Query of cat, dimension 1": the legend's words, the focus token, the slider's label.
      var legend = input.closest("fieldset").querySelector("legend").firstChild.textContent;
      var label = input.parentNode.querySelector("span").textContent;
      input.setAttribute("aria-label", legend + tok + ", " + label);
      input.setAttribute("aria-valuetext", fmt(value));
    });
    var training = this.root.querySelector(".attention-training-step");
    if (training) {
      var snaps = this.data.training.snapshots, at = snaps[st.training_step].step, last = snaps[snaps.length - 1].step;
      // Whole stops only, so writing the value never fights a drag.
      if (training.value !== String(st.training_step)) training.value = String(st.training_step);
      // The words render/mod.rs (learning_slider) writes for the last step.
      training.setAttribute("aria-valuetext", "step " + at + " of " + last + (at === last ? ": trained" : at === 0 ? ": before training" : ""));
      var readout = "step " + at + " \u00B7 loss " + fmt(this.data.training.loss[at]);
      var out = this.root.querySelector(".attention-training-readout");
      if (out.textContent !== readout) out.textContent = readout;
    }
    var focusSelect = this.root.querySelector(".attention-focus");
    if (focusSelect) focusSelect.value = String(st.focus);
    var headSelect = this.root.querySelector(".attention-head");
    if (headSelect) headSelect.value = String(st.head);
    // The scale picker speaks of the followed head: its own 1/√d_k, and whether it is set.
    var mode = this.root.querySelector(".attention-scale-mode");
    if (mode) {
      var byDefault = mode.querySelector("option[value='default']"), label = "1/\u221A" + r.q[0].length;
      if (byDefault.textContent !== label) byDefault.textContent = label;
      var set = this.followedScale();
      if (document.activeElement !== mode) mode.value = set === null ? "default" : set === 1 ? "one" : "custom";
    }
    var scale = this.root.querySelector(".attention-scale");
    if (scale && document.activeElement !== scale) {
      // 0 to 4, widened to hold the scale (render/mod.rs, scale_reach).
      scale.min = Math.floor(Math.min(r.scale, 0));
      scale.max = Math.ceil(Math.max(r.scale, 4));
      scale.value = r.scale;
    }
    var steps = this.data.steps || [];
    var untouched = JSON.stringify([st.focus, st.embeddings, st.scale, st.mask]) ===
      JSON.stringify([this.initial.focus, this.initial.embeddings, this.initial.scale, this.initial.mask]);
    Array.prototype.forEach.call(this.root.querySelectorAll(".attention-step"), function (button) {
      var mine = self.stepOverrides(steps[+button.getAttribute("data-step")]);
      button.setAttribute("aria-pressed", String(untouched && JSON.stringify(st.query_overrides) === JSON.stringify(mine)));
    });
  };
  // The query overrides a step makes from the figure as the text describes it: the block's
  // own, with the step's entries for its focus token set on top.
  Widget.prototype.stepOverrides = function (step) {
    var focus = this.initial.focus;
    var out = this.initial.query_overrides.filter(function (o) {
      return !(o[0] === focus && (step || []).some(function (e) { return e[0] === o[1]; }));
    });
    (step || []).forEach(function (e) { out.push([focus, e[0], e[1]]); });
    return out;
  };

  Widget.prototype.reset = function () {
    var root = this.root;
    this.state = clone(this.initial);
    var mode = root.querySelector(".attention-scale-mode");
    if (mode) mode.value = this.initial.scale === null ? "default" : "custom";
    var mask = root.querySelector(".attention-mask");
    if (mask) mask.value = typeof this.initial.mask === "string" ? this.initial.mask : "custom";
    if (this.resetOrder) this.resetOrder();
    this.update(true);
  };

  // A real model's every head (the layers view): pick a layer and a head and read that head's
  // weights in full in the table after the pickers (render/layers.rs, `picked`, writes the first),
  // on the heatmap's colour scale. The weights are the core's (data.attention).
  Widget.prototype.headPicker = function () {
    var data = this.data, picker = this.root.querySelector(".attention-head-picker");
    if (!picker || !data.attention) return;
    var layer = picker.querySelector(".attention-pick-layer"), head = picker.querySelector(".attention-pick-head");
    var table = this.root.querySelector("table.attention-picked");
    var region = table.closest("[role='region']");
    var own = this.root.querySelector(".attention-layers-own"), mark = this.root.querySelector(".attention-layers-picked");
    var draw = function () {
      var l = +layer.value, h = +head.value, w = data.attention[l][h];
      // The picked head outlined in the grid too, unless it is the block's own.
      if (mark && own) {
        var at = function (r, attr, k) { return +r.getAttribute(attr) + k * +r.getAttribute("data-step-" + attr); };
        mark.setAttribute("x", at(own, "x", h - data.model.head));
        mark.setAttribute("y", at(own, "y", l - data.model.layer));
        mark.setAttribute("visibility", l === data.model.layer && h === data.model.head ? "hidden" : "visible");
      }
      var caption = "Layer " + (l + 1) + ", head " + (h + 1) + ": row = the word piece attending, column = the one attended to";
      table.querySelector("caption").textContent = caption;
      var shown = table.closest(".attention-scroll").previousElementSibling;
      if (shown && shown.classList.contains("attention-caption")) shown.textContent = caption;
      if (region) region.setAttribute("aria-label", caption);
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr, i) {
        Array.prototype.forEach.call(tr.querySelectorAll("td"), function (td, j) {
          var x = w[i][j];
          td.textContent = fmt(x);
          td.style.setProperty("--attention-picked", opacity(x));
          if (cellClass(x)) td.className = cellClass(x); else td.removeAttribute("class");
        });
      });
    };
    layer.addEventListener("change", draw);
    head.addEventListener("change", draw);
    picker.hidden = false;
    draw();
  };

  // The order view (render/heatmap.rs, `order`): the same words at other places. Each word keeps
  // its row; what moves is the row of positions added to it, or the turn of its query and key —
  // rows of the core's own matrices, moved, never computed here. The reader shuffles again, goes
  // back to the book's order, and switches the positions off and on.
  Widget.prototype.orderControl = function () {
    var self = this, data = this.data, root = this.root;
    var view = root.querySelector(".attention-view[data-view='order']");
    if (!view || !data.order) return;
    var names = this.named.map(function (n) { return n.name; });
    var copy = this.named[names.indexOf("order[shuffled]")];
    var heading = view.querySelectorAll(".attention-heatmap-heading")[1];
    var on = view.querySelector(".attention-positions-on"), back = view.querySelector(".attention-unshuffle");
    var tokensOf = function (order) { return order.map(function (i) { return data.tokens[i]; }); };
    var words = function (order) { return "\u201C" + tokensOf(order).join(" ") + "\u201D"; };
    var place = function () {
      var at = [], withPositions = !on || on.checked;
      self.order.forEach(function (word, p) { at[word] = p; });
      var moved = function (m) { return at.map(function (p) { return m[p]; }); };
      self.state.positions = withPositions ? self.initial.positions : null;
      self.state.rope = withPositions ? self.initial.rope : null;
      copy.input.positions = withPositions && data.positions ? moved(data.positions) : null;
      copy.input.rope = withPositions && data.rope ? { base: data.rope.base, cos: moved(data.rope.cos), sin: moved(data.rope.sin) } : null;
      heading.textContent = "Shuffled: " + words(self.order);
      back.disabled = self.order.join() === data.order.join();
    };
    this.copyIndex = names.indexOf("order[shuffled]") + 1;
    this.orderSummary = view.querySelector(".attention-order-summary");
    this.resetOrder = function () { self.order = data.order.slice(); if (on) on.checked = true; place(); };
    this.resetOrder();
    // A new order reads differently from the one shown and from the sentence as written (the
    // build refuses a sentence every order of which reads the same). Two words have only one
    // other order, which the copy already shows.
    var reads = function (order) { return tokensOf(order).join("\u0000"); };
    var shuffle = view.querySelector(".attention-shuffle"), written = data.tokens.join("\u0000");
    shuffle.disabled = data.tokens.length < 3;
    shuffle.addEventListener("click", function () {
      var before = reads(self.order), next = self.order.slice();
      for (var tries = 0; tries < 1000; tries++) {
        // Fisher–Yates.
        for (var i = next.length - 1; i > 0; i--) {
          var j = Math.floor(Math.random() * (i + 1)), t = next[i];
          next[i] = next[j]; next[j] = t;
        }
        if (reads(next) !== before && reads(next) !== written) break;
      }
      if (reads(next) === before || reads(next) === written) return;
      self.order = next;
      place();
      self.update(true);
    });
    back.addEventListener("click", function () {
      self.order = data.order.slice();
      place();
      self.update(true);
      // The button has just disabled itself: the keyboard stays in the controls.
      shuffle.focus();
    });
    if (on) on.addEventListener("change", function () { place(); self.update(true); });
    view.querySelector(".attention-order-controls").hidden = false;
  };

  // How many weights the new order changed, as shown: render/heatmap.rs, `order_summary`.
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

  function orderSummary(written, copy) {
    var n = written.weights.length, differ = 0;
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) if (fmt(weightIn(written, i, j)) !== fmt(weightIn(copy, i, j))) differ++;
    }
    return differ === 0
      ? "Every weight is the same in both orders: moving the words only moved their rows and columns."
      : differ + " of the " + n * n + " weights differ: the words\u2019 places changed what they attend to.";
  }

  // A real model's every head follows the focus token: its row marked beside all the small maps,
  // and the table of where each head sends its attention (render/layers.rs, `strongest`).
  Widget.prototype.layersFocus = function () {
    var data = this.data, f = this.state.focus, root = this.root;
    var path = root.querySelector(".attention-layers-focus"), table = root.querySelector("table.attention-strongest");
    if (!path || !table || this.layersFocused === f) return;
    this.layersFocused = f;
    path.setAttribute("transform", "translate(0 " + f * +path.getAttribute("data-cell") + ")");
    var caption = "Where each head sends the attention of \u201C" + data.tokens[f] + "\u201D: the word piece it attends to most, and its weight";
    table.querySelector("caption").textContent = caption;
    var shown = table.closest(".attention-scroll").previousElementSibling;
    if (shown && shown.classList.contains("attention-caption")) shown.textContent = caption;
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr, h) {
      Array.prototype.forEach.call(tr.querySelectorAll("td"), function (td, l) {
        var row = data.attention[l][h][f], best = 0;
        for (var j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
        td.textContent = data.tokens[best] + " " + fmt(row[best]);
      });
    });
  };

  Widget.prototype.wire = function () {
    var self = this, root = this.root, controls = root.querySelector(".attention-control-panel");
    this.headPicker();
    this.orderControl();
    if (controls) controls.hidden = false;
    var training = root.querySelector(".attention-training-control");
    if (training) training.hidden = false;
    root.addEventListener("input", function (e) {
      var t = e.target, st = self.state;
      if (t.matches("input[data-kind]")) {
        var dim = +t.getAttribute("data-dim"), value = +t.value;
        if (t.getAttribute("data-kind") === "q") {
          // The query of the followed head.
          var own = st.head === 0 ? st.query_overrides : (st.head_overrides[st.head] || []);
          own = own.filter(function (o) { return !(o[0] === st.focus && o[1] === dim); });
          own.push([st.focus, dim, value]);
          if (st.head === 0) st.query_overrides = own; else st.head_overrides[st.head] = own;
        } else {
          st.embeddings[st.focus][dim] = value;
          st.query_overrides = st.query_overrides.filter(function (o) { return o[0] !== st.focus; });
        }
      } else if (t.matches(".attention-training-step")) {
        // The weights of a kept step; the attention is computed from them as from any weights.
        var snap = self.data.training.snapshots[+t.value];
        st.training_step = +t.value;
        st.w_q = snap.w_q; st.w_k = snap.w_k; st.w_v = snap.w_v;
      } else if (t.matches(".attention-scale")) {
        self.setFollowedScale(+t.value);
        root.querySelector(".attention-scale-mode").value = "custom";
      } else return;
      self.update(true);
    });
    root.addEventListener("change", function (e) {
      var t = e.target, st = self.state;
      if (t.matches(".attention-scale-mode")) {
        // "custom" keeps the scale in use until the slider moves: the slider's steps would round it.
        self.setFollowedScale(t.value === "default" ? null : t.value === "one" ? 1 : self.result.scale);
      } else if (t.matches(".attention-mask")) {
        st.mask = t.value === "custom" ? clone(self.initial.mask) : t.value;
      } else if (t.matches(".attention-focus")) {
        st.focus = +t.value;
      } else if (t.matches(".attention-head")) {
        st.head = +t.value;
      } else return;
      self.update(true);
    });
    root.addEventListener("click", function (e) {
      if (e.target.closest(".attention-reset, .attention-back")) { self.reset(); return; }
      var step = e.target.closest(".attention-step");
      if (step) {
        // A step starts from the figure as the text describes it, then moves the query.
        self.reset();
        self.state.query_overrides = self.stepOverrides(self.data.steps[+step.getAttribute("data-step")]);
        self.update(true);
        return;
      }
      var cell = e.target.closest("[data-c]");
      if (cell && root.contains(cell)) { self.state.focus = +cell.getAttribute("data-c").split(" ")[1]; self.update(true); return; }
      var token = e.target.closest("[data-token]");
      if (token && root.contains(token)) { self.state.focus = +token.getAttribute("data-token"); self.update(true); }
    });
    // Keyboard: a table's row headers act as buttons; a heatmap is one tab stop whose arrows move
    // between cells and whose Enter follows the row's word. (Its row labels are also clickable,
    // but not extra tab stops: the cells already reach every row.)
    Array.prototype.forEach.call(root.querySelectorAll("tr[data-token] > th"), function (el) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
    });
    root.addEventListener("keydown", function (e) {
      var t = e.target;
      // mdBook turns pages on Left/Right; inside a widget these keys belong to the widget.
      if (/^(Arrow|Page|Home|End)/.test(e.key) && t.closest("input, select, [data-c], [role='button']")) e.stopPropagation();
      if ((e.key === "Enter" || e.key === " ") && t.closest("[data-token]") && t.getAttribute("role") === "button") {
        e.preventDefault();
        self.state.focus = +t.closest("[data-token]").getAttribute("data-token");
        self.update(true);
      } else if ((e.key === "Enter" || e.key === " ") && t.matches("[data-c]")) {
        e.preventDefault();
        self.state.focus = +t.getAttribute("data-c").split(" ")[1];
        self.update(true);
        self.tip(t);
      } else if (t.matches("[data-c]") && /^Arrow/.test(e.key)) {
        e.preventDefault();
        var p = t.getAttribute("data-c").split(" "), n = self.data.tokens.length;
        var i = +p[1] + (e.key === "ArrowDown") - (e.key === "ArrowUp");
        var j = +p[2] + (e.key === "ArrowRight") - (e.key === "ArrowLeft");
        var next = t.ownerSVGElement.querySelector("[data-c='" + p[0] + " " + Math.max(0, Math.min(n - 1, i)) + " " + Math.max(0, Math.min(n - 1, j)) + "']");
        if (next) { t.setAttribute("tabindex", "-1"); next.setAttribute("tabindex", "0"); next.focus(); }
      }
    });
    var first = {};
    this.cells.forEach(function (b) {
      b.el.setAttribute("tabindex", first[b.field] ? "-1" : "0");
      first[b.field] = true;
    });
    root.addEventListener("pointerover", function (e) { if (e.target.matches("[data-c]")) self.tip(e.target); });
    root.addEventListener("focusin", function (e) { if (e.target.matches("[data-c]")) self.tip(e.target); });
    root.addEventListener("pointerout", function (e) { if (e.target.matches("[data-c]")) self.tip(null); });
    root.addEventListener("focusout", function (e) { if (e.target.matches("[data-c]")) self.tip(null); });
  };

  // The value of a cell, in the book's number format, and (where the widget explains q·k) the
  // dot product behind it, by the pencil rule. The tip sits under the whole heatmap, so it never
  // covers the row or column the reader is looking at.
  Widget.prototype.tip = function (cell) {
    var tip = Widget.tipElement;
    if (!tip) {
      tip = Widget.tipElement = document.createElement("div");
      tip.className = "attention-tip";
      tip.setAttribute("role", "status");
      document.body.appendChild(tip);
    }
    Array.prototype.forEach.call(this.root.querySelectorAll(".attention-focus-cell"), function (ring) {
      var mine = cell && ring.ownerSVGElement === cell.ownerSVGElement && document.activeElement === cell;
      ring.classList.toggle("on", Boolean(mine));
      if (mine) ring.setAttribute("transform", "translate(" + cell.getAttribute("x") + " " + cell.getAttribute("y") + ")");
    });
    if (!cell) { tip.hidden = true; return; }
    var p = cell.getAttribute("data-c").split(" "), i = +p[1], j = +p[2];
    var holder = cell.closest("[data-r]"), res = this.results[holder ? +holder.getAttribute("data-r") : this.state.head];
    var r = res, tokens = this.data.tokens;
    var text = tokens[i] + " \u2192 " + tokens[j] + ": ";
    if (res.scores[i][j] === null) {
      text += "masked: \u201C" + tokens[i] + "\u201D may not attend to \u201C" + tokens[j] + "\u201D here";
    } else {
      text += "weight " + fmt(res.weights[i][j]);
      if (this.explainsDots) {
        var scaled = pencilSumOfProducts(res.scores[i][j], [[res.dots[i][j], res.scale]]);
        var equals = function (shown) { return shown.indexOf(APPROX) === 0 ? " " + shown : " = " + shown; };
        if (r.q[i].length <= MOST_TERMS) {
          var terms = r.q[i].map(function (x, d) { return fmt(x) + "\u00D7" + fmt(r.k[j][d]); }).join(" + ");
          var dotText = pencilSumOfProducts(res.dots[i][j], r.q[i].map(function (x, d) { return [x, r.k[j][d]]; }));
          text += "; q\u00B7k = " + terms + equals(dotText) + ", \u00D7 " + fmt(res.scale) + equals(scaled);
        } else {
          text += "; q\u00B7k (" + r.q[i].length + " terms) = " + fmt(res.dots[i][j]) + ", \u00D7 " + fmt(res.scale) + equals(scaled);
        }
      }
    }
    tip.textContent = text;
    cell.setAttribute("aria-label", text);
    var box = cell.closest(".attention-heatmap-box").getBoundingClientRect();
    // As wide as the figure's own column at most, so it covers neither the heatmap nor the controls.
    tip.style.maxWidth = Math.max(200, cell.closest(".attention-view").getBoundingClientRect().width) + "px";
    tip.style.left = Math.max(4, window.scrollX + box.left) + "px";
    tip.style.top = (window.scrollY + box.bottom + 4) + "px";
    tip.hidden = false;
  };

  // "Predict first": an answer is written open, so it shows without script and on paper; with
  // script it waits behind its summary until the reader asks, and opens for printing.
  function hideAnswers() {
    var answers = document.querySelectorAll("details.attention-answer");
    Array.prototype.forEach.call(answers, function (d) { d.open = false; });
    window.addEventListener("beforeprint", function () {
      Array.prototype.forEach.call(answers, function (d) { d.open = true; });
    });
  }

  function hydrate() {
    hideAnswers();
    Array.prototype.forEach.call(document.querySelectorAll(".attention-widget"), function (root) {
      if (root.attentionWidget) return;
      try { root.attentionWidget = new Widget(root); } catch (err) {
        // The build-time HTML stays: a reader still sees every number.
        console.warn("attention widget left static:", err);
      }
    });
  }
  // Under `mdbook-attention serve` only (its pages carry mdBook's live-reload script, pointed at
  // our endpoint; a published book has none): a save that did not build shows its problems over
  // the last good page, and the next good build takes them away (and reloads the page).
  var RELOAD_ENDPOINT = "__attention/reload", PROBLEMS_ENDPOINT = "__attention/problems";
  function watchProblems() {
    var served = Array.prototype.some.call(document.scripts, function (s) { return s.textContent.indexOf(RELOAD_ENDPOINT) >= 0; });
    if (!served || typeof WebSocket === "undefined") return;
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/" + PROBLEMS_ENDPOINT);
    socket.onmessage = function (e) {
      var message;
      try { message = JSON.parse(e.data); } catch (err) { return; }
      showProblems(message.problems || "");
    };
  }
  function showProblems(text) {
    var box = document.querySelector(".attention-problems");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.className = "attention-problems";
      box.setAttribute("role", "alertdialog");
      box.setAttribute("aria-labelledby", "attention-problems-title");
      box.setAttribute("aria-describedby", "attention-problems-text");
      box.tabIndex = -1;
      var title = document.createElement("p");
      title.id = "attention-problems-title";
      title.className = "attention-problems-title";
      title.textContent = "Your last save was not built";
      var help = document.createElement("p");
      help.textContent = "This page is the last good build. Fix what is listed and save again; Escape hides this.";
      var pre = document.createElement("pre");
      pre.id = "attention-problems-text";
      var hide = document.createElement("button");
      hide.type = "button";
      hide.textContent = "Hide";
      hide.addEventListener("click", function () { box.hidden = true; });
      box.addEventListener("keydown", function (e) { if (e.key === "Escape") box.hidden = true; });
      box.append(title, help, pre, hide);
      document.body.appendChild(box);
    }
    box.querySelector("pre").textContent = text;
    box.hidden = false;
    box.focus();
  }
  document.addEventListener("keydown", function (e) {
    var box = document.querySelector(".attention-problems");
    if (e.key === "Escape" && box && !box.hidden) box.hidden = true;
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { hydrate(); watchProblems(); });
  else { hydrate(); watchProblems(); }
})();
