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
  function softmax(scores) {
    var max = -Infinity;
    scores.forEach(function (s) { if (s !== null && s > max) max = s; });
    if (max === -Infinity) return scores.map(function () { return 0; });
    var exps = scores.map(function (s) { return s === null ? 0 : Math.exp(s - max); });
    var total = 0;
    exps.forEach(function (e) { total = total + e; });
    return exps.map(function (e) { return e / total; });
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
  function compute(input) {
    var q = project(input.embeddings, input.w_q);
    (input.query_overrides || []).forEach(function (o) { q[o[0]][o[1]] = o[2]; });
    var k = project(input.embeddings, input.w_k);
    var v = project(input.embeddings, input.w_v);
    return attend(q, k, v, input.mask, input.scale);
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
  var STRONG_WEIGHT = 0.5;
  function cellClass(weight, changed) {
    if (weight === null) return "masked";
    var strong = weight > STRONG_WEIGHT;
    if (changed) return strong ? "strong changed" : "changed";
    return strong ? "strong" : "";
  }

  var api = { dot: dot, project: project, softmax: softmax, attend: attend, compute: compute, fmt: fmt, cellClass: cellClass };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof document === "undefined" || window.attentionBook) return;
  window.attentionBook = api;

  // ---- widgets ------------------------------------------------------------------------------
  function clone(x) { return JSON.parse(JSON.stringify(x)); }

  function Widget(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.attention-data").textContent);
    this.initial = {
      embeddings: this.data.embeddings, w_q: this.data.w_q, w_k: this.data.w_k, w_v: this.data.w_v,
      mask: this.data.mask, scale: this.data.scale_is_default ? null : this.data.scale,
      query_overrides: this.data.query_overrides, focus: this.data.focus
    };
    this.state = clone(this.initial);
    // Bindings are parsed once; each redraw then only computes and writes what changed.
    var parse = function (el, attr) {
      var p = el.getAttribute(attr).split(" ");
      return {
        el: el, field: p[0], focusRow: p[1] === "f", i: +p[1], j: +p[2], c: +p[3],
        cell: el.parentNode.classList.contains("attention-cell-texts"),
        last: attr === "data-b" ? el.textContent : el.getAttribute("fill-opacity"),
        lastClass: el.getAttribute("class")
      };
    };
    this.bound = Array.prototype.map.call(root.querySelectorAll("[data-b]"), function (el) { return parse(el, "data-b"); });
    this.cells = Array.prototype.map.call(root.querySelectorAll("[data-c]"), function (el) { return parse(el, "data-c"); });
    this.rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-token]"));
    this.compares = this.cells.some(function (b) { return b.field === "wn"; });
    this.wire();
    this.update();
  }

  Widget.prototype.recompute = function () {
    var st = this.state, r = compute(st);
    var plain = function (m) { return project(st.embeddings, m); };
    r.qp = plain(st.w_q); r.kp = plain(st.w_k); r.vp = plain(st.w_v);
    if (this.compares) {
      r.wn = attend(r.q, r.k, r.v, "none", st.scale);
      r.wc = attend(r.q, r.k, r.v, "causal", st.scale);
    }
    this.result = r;
  };

  // The text of one binding: the browser's twin of the templates' numbers.
  Widget.prototype.text = function (b) {
    var st = this.state, r = this.result, i = b.focusRow ? st.focus : b.i, j = b.j;
    switch (b.field) {
      case "tok": return this.data.tokens[i];
      case "x": return fmt(st.embeddings[i][j]);
      case "scale": return fmt(r.scale);
      case "wsum": return fmt(r.weights[i].reduce(function (s, w) { return s + w; }, 0));
      case "wv": return fmt(r.weights[i][j] * r.v[j][b.c]);
      // One product w·x of a projection (core::projection_terms): "qt f row term".
      case "qt": return fmt(st.w_q[j][b.c] * st.embeddings[i][b.c]);
      case "kt": return fmt(st.w_k[j][b.c] * st.embeddings[i][b.c]);
      case "vt": return fmt(st.w_v[j][b.c] * st.embeddings[i][b.c]);
      case "w": case "wn": case "wc": return fmt(this.weight(b, i, j));
      default: return fmt(r[b.field][i][j]);
    }
  };
  // The weight behind a heatmap binding (w: the widget's mask; wn, wc: none, causal); null if masked.
  Widget.prototype.weight = function (b, i, j) {
    var res = b.field === "w" ? this.result : this.result[b.field];
    return res.scores[i][j] === null ? null : res.weights[i][j];
  };
  Widget.prototype.cellClassOf = function (b, w) {
    var changed = b.field === "wc" && fmt(w) !== fmt(this.result.wn.weights[b.i][b.j]);
    return cellClass(w, changed);
  };

  Widget.prototype.update = function () {
    this.recompute();
    var self = this;
    this.bound.forEach(function (b) {
      var t = self.text(b);
      if (b.last !== t) { b.el.textContent = t; b.last = t; }
      if (b.cell) self.setClass(b, self.cellClassOf(b, self.weight(b, b.i, b.j)));
    });
    this.cells.forEach(function (b) {
      var w = self.weight(b, b.i, b.j), opacity = fmt(w === null ? 0 : w);
      if (b.last !== opacity) { b.el.setAttribute("fill-opacity", opacity); b.last = opacity; }
      self.setClass(b, self.cellClassOf(b, w));
    });
    var f = this.state.focus;
    this.rows.forEach(function (tr) { tr.classList.toggle("focus", +tr.getAttribute("data-token") === f); });
    this.syncControls();
  };
  Widget.prototype.setClass = function (b, cls) {
    if (b.lastClass !== cls) { b.el.setAttribute("class", cls); b.lastClass = cls; }
  };

  Widget.prototype.syncControls = function () {
    var st = this.state, r = this.result, tok = this.data.tokens[st.focus];
    Array.prototype.forEach.call(this.root.querySelectorAll("input[data-kind]"), function (input) {
      var dim = +input.getAttribute("data-dim"), kind = input.getAttribute("data-kind");
      var value = kind === "q" ? r.q[st.focus][dim] : st.embeddings[st.focus][dim];
      if (document.activeElement !== input) {
        input.min = Math.floor(Math.min(value, -2));
        input.max = Math.ceil(Math.max(value, 2));
        input.value = value;
      }
      // "Query of cat, dimension 1": the legend's words, the focus token, the slider's label.
      var legend = input.closest("fieldset").querySelector("legend").firstChild.textContent;
      var label = input.parentNode.querySelector("span").textContent;
      input.setAttribute("aria-label", legend + tok + ", " + label);
      input.setAttribute("aria-valuetext", fmt(value));
    });
    var focusSelect = this.root.querySelector(".attention-focus");
    if (focusSelect) focusSelect.value = String(st.focus);
    var scale = this.root.querySelector(".attention-scale");
    if (scale && document.activeElement !== scale) scale.value = r.scale;
  };

  Widget.prototype.wire = function () {
    var self = this, root = this.root, controls = root.querySelector(".attention-control-panel");
    if (controls) controls.hidden = false;
    root.addEventListener("input", function (e) {
      var t = e.target, st = self.state;
      if (t.matches("input[data-kind]")) {
        var dim = +t.getAttribute("data-dim"), value = +t.value;
        if (t.getAttribute("data-kind") === "q") {
          st.query_overrides = st.query_overrides.filter(function (o) { return !(o[0] === st.focus && o[1] === dim); });
          st.query_overrides.push([st.focus, dim, value]);
        } else {
          st.embeddings[st.focus][dim] = value;
          st.query_overrides = st.query_overrides.filter(function (o) { return o[0] !== st.focus; });
        }
      } else if (t.matches(".attention-scale")) {
        st.scale = +t.value;
        root.querySelector(".attention-scale-mode").value = "custom";
      } else return;
      self.update();
    });
    root.addEventListener("change", function (e) {
      var t = e.target, st = self.state;
      if (t.matches(".attention-scale-mode")) {
        st.scale = t.value === "default" ? null : t.value === "one" ? 1 : +root.querySelector(".attention-scale").value;
      } else if (t.matches(".attention-mask")) {
        st.mask = t.value === "custom" ? clone(self.initial.mask) : t.value;
      } else if (t.matches(".attention-focus")) {
        st.focus = +t.value;
      } else return;
      self.update();
    });
    root.addEventListener("click", function (e) {
      if (e.target.closest(".attention-reset")) {
        self.state = clone(self.initial);
        var mode = root.querySelector(".attention-scale-mode");
        if (mode) mode.value = self.initial.scale === null ? "default" : "custom";
        var mask = root.querySelector(".attention-mask");
        if (mask) mask.value = typeof self.initial.mask === "string" ? self.initial.mask : "custom";
        self.update();
        return;
      }
      var token = e.target.closest("[data-token]");
      if (token && root.contains(token)) { self.state.focus = +token.getAttribute("data-token"); self.update(); }
    });
    // Keyboard: token labels and rows act as buttons; heatmap cells are one tab stop, arrows move.
    Array.prototype.forEach.call(root.querySelectorAll(".attention-row-label, tr[data-token] > th"), function (el) {
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
        self.update();
      } else if (t.matches("[data-c]") && /^Arrow/.test(e.key)) {
        e.preventDefault();
        var p = t.getAttribute("data-c").split(" "), n = self.data.tokens.length;
        var i = +p[1] + (e.key === "ArrowDown") - (e.key === "ArrowUp");
        var j = +p[2] + (e.key === "ArrowRight") - (e.key === "ArrowLeft");
        var next = t.parentNode.querySelector("[data-c='" + p[0] + " " + Math.max(0, Math.min(n - 1, i)) + " " + Math.max(0, Math.min(n - 1, j)) + "']");
        if (next) { t.setAttribute("tabindex", "-1"); next.setAttribute("tabindex", "0"); next.focus(); }
      }
    });
    var first = {};
    this.cells.forEach(function (b) {
      b.el.setAttribute("tabindex", first[b.field] ? "-1" : "0");
      first[b.field] = true;
      b.el.setAttribute("role", "img");
    });
    root.addEventListener("pointerover", function (e) { if (e.target.matches("[data-c]")) self.tip(e.target); });
    root.addEventListener("focusin", function (e) { if (e.target.matches("[data-c]")) self.tip(e.target); });
    root.addEventListener("pointerout", function (e) { if (e.target.matches("[data-c]")) self.tip(null); });
    root.addEventListener("focusout", function (e) { if (e.target.matches("[data-c]")) self.tip(null); });
  };

  // The exact value of a cell and the dot product behind it.
  Widget.prototype.tip = function (cell) {
    var tip = Widget.tipElement;
    if (!tip) {
      tip = Widget.tipElement = document.createElement("div");
      tip.className = "attention-tip";
      tip.setAttribute("role", "status");
      document.body.appendChild(tip);
    }
    if (!cell) { tip.hidden = true; return; }
    var p = cell.getAttribute("data-c").split(" "), i = +p[1], j = +p[2], r = this.result;
    var res = p[0] === "w" ? r : r[p[0]], tokens = this.data.tokens;
    var terms = r.q[i].map(function (x, d) { return fmt(x) + "\u00D7" + fmt(r.k[j][d]); }).join(" + ");
    var text = tokens[i] + " \u2192 " + tokens[j] + ": ";
    text += res.scores[i][j] === null
      ? "masked (a token may not look ahead)"
      : "weight " + res.weights[i][j] + "; q\u00B7k = " + terms + " = " + fmt(res.dots[i][j]) + ", \u00D7 " + fmt(res.scale) + " = " + fmt(res.scores[i][j]);
    tip.textContent = text;
    cell.setAttribute("aria-label", text);
    var box = cell.getBoundingClientRect();
    tip.style.left = Math.max(4, window.scrollX + box.left) + "px";
    tip.style.top = (window.scrollY + box.bottom + 6) + "px";
    tip.hidden = false;
  };

  function hydrate() {
    Array.prototype.forEach.call(document.querySelectorAll(".attention-widget"), function (root) {
      if (root.attentionWidget) return;
      try { root.attentionWidget = new Widget(root); } catch (err) {
        // The build-time HTML stays: a reader still sees every number.
        console.warn("attention widget left static:", err);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", hydrate);
  else hydrate();
})();
