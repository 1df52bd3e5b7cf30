// widget.js — one widget: its embedded data read (render/data.rs), its state (what the reader
// changed), every bound element recomputed and rewritten on each change, its controls wired
// (sliders, pickers, keyboard) and the tooltip. Each view's own drawing is in views/.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt, APPROX = ns.APPROX, PENCIL_FIELDS = ns.PENCIL_FIELDS;
  var compute = ns.compute, project = ns.project, rowMax = ns.rowMax, exps = ns.exps, combineHeads = ns.combineHeads;
  var opacity = ns.opacity, cellClass = ns.cellClass, weightIn = ns.weightIn;
  var pencilSumOfProducts = ns.pencilSumOfProducts, sum = ns.sum;

  // A head of a real model comes as its q, k and v (data.given, render/data.rs): each is in
  // `given` only where it differs from the result of the same name (a query set by hand).
  function givenInputs(data) {
    if (!data.given) return null;
    return { q: data.given.q || data.q, k: data.given.k || data.k, v: data.given.v || data.v };
  }

  ns.givenInputs = givenInputs;

  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  // Views of the chapters before q·k is explained (the introduction promises the dot product
  // behind a weight in every chapter after): a widget of only these leaves it out of tooltips.
  var BEFORE_DOTS = ["weights", "compare", "embeddings"];
  // Beyond this many query dimensions a tooltip gives the dot product without its terms.
  var MOST_TERMS = 8;

  function Widget(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.attention-data").textContent);
    this.initial = {
      embeddings: this.data.embeddings, w_q: this.data.w_q, w_k: this.data.w_k, w_v: this.data.w_v,
      given: givenInputs(this.data),
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
        // A heatmap cell: its colour (`--w`, none where masked) and its number.
        last: attr === "data-c" ? el.style.getPropertyValue("--w").trim() : el.textContent,
        text: el.textContent,
        name: el.getAttribute("aria-label"),
        lastClass: el.getAttribute("class") || ""
      };
    };
    var all = function (sel, attr) { return Array.prototype.map.call(root.querySelectorAll(sel), function (el) { return parse(el, attr); }); };
    this.bound = all("[data-b]", "data-b");
    this.cells = all("[data-c]", "data-c");
    this.cells.forEach(function (b) { b.el.attentionName = b.name; });
    // Rows that follow the focus token: a table's (by their token) and a heatmap's (by row).
    this.rows = Array.prototype.slice.call(root.querySelectorAll("tr[data-token], tr[data-row]"));
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
    if (named.decode_step) {
      // A decode step (block/decoding.rs): the block's live query t, keys and values 1…t.
      var t = named.decode_step, own = this.results[0];
      input.given = { q: [own.q[t - 1]], k: own.k.slice(0, t), v: own.v.slice(0, t) };
      input.mask = "causal"; input.query_overrides = []; input.positions = null; input.rope = null;
      return input;
    }
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
    this.results = [compute(st)];
    this.named.forEach(function (_, k) { self.results.push(compute(self.inputOf(k + 1))); });
    // A figure pinned to a result whose weights did not move needs no redraw: with eight heads of
    // 64 tokens, a query moved on one head leaves 28,672 of 32,768 cells as they are.
    this.unchanged = this.results.map(function (r, k) { return sameWeights(before[k], r); });
    // The head the step-by-step views follow: its plain projections and its focus row's softmax.
    var r = this.results[st.head], inp = this.inputOf(st.head);
    if (inp.given) { r.qp = inp.given.q; r.kp = inp.given.k; r.vp = inp.given.v; }
    else { r.qp = project(r.x, inp.w_q); r.kp = project(r.x, inp.w_k); r.vp = project(r.x, inp.w_v); }
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

  // The words and numbers of one binding (bindings.js, by its field's name).
  Widget.prototype.text = function (b) {
    var st = this.state, k = this.resultIndex(b), r = this.results[k];
    var show = ns.BINDINGS[b.field];
    if (!show) throw new Error("unknown binding " + b.field);
    return show({ w: this, b: b, st: st, r: r, inp: this.inputOf(k), x: r.x, i: b.focusRow ? st.focus : b.i, j: b.j, c: b.c });
  };

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
    // A figure pinned to a result that did not move keeps its numbers, unless they are the
    // focus row's and the focus moved.
    var focusMoved = this.drawnFocus !== this.state.focus;
    this.drawnFocus = this.state.focus;
    var skip = function (b) { return b.r !== null && unchanged[b.r] && !(b.focusRow && focusMoved); };
    this.bound.forEach(function (b) {
      if (skip(b)) return;
      var t = self.text(b);
      if (b.last !== t) { b.el.textContent = t; b.last = t; }
    });
    // A heatmap cell: its colour, its number, and its class (render/cells.rs, heat_table).
    this.cells.forEach(function (b) {
      if (skip(b) && (b.against === null || unchanged[b.against])) return;
      var w = weightIn(results[self.resultIndex(b)], b.i, b.j), o = w === null ? "" : opacity(w), t = fmt(w);
      if (b.last !== o) {
        // Written as the build writes it (`--w:0.71`), so a figure moved back reads the same.
        if (o) b.el.setAttribute("style", "--w:" + o); else b.el.removeAttribute("style");
        b.last = o;
      }
      if (b.text !== t) { b.el.textContent = t; b.text = t; }
      var cls = cellClass(w);
      // Outlined: a weight that reads differently from the same cell of the result it is set
      // against (a masked cell never is: only a weight that moved).
      var changed = b.against !== null && w !== null && t !== fmt(weightIn(results[b.against], b.i, b.j));
      if (changed) cls = cls ? cls + " changed" : "changed";
      self.setClass(b, cls);
      // Its name in words where the number alone does not say it (render/cells.rs, cell_name).
      var name = w === null ? "masked" : changed ? t + ", changed" : null;
      if (b.name !== name) {
        b.name = b.el.attentionName = name;
        // The cell the tooltip explains keeps the explanation until the tip moves on.
        if (b.el !== Widget.explained) nameCell(b.el);
      }
    });
    // The comparison's count in words (render/heatmap.rs, compare_summary).
    Array.prototype.forEach.call(this.root.querySelectorAll(".attention-compare-summary"), function (p) {
      var pair = p.getAttribute("data-compare").split(" ");
      var said = ns.compareSummary(results[+pair[0]], results[+pair[1]]);
      if (p.textContent !== said) p.textContent = said;
    });
    var f = this.state.focus;
    this.rows.forEach(function (tr) {
      var at = tr.hasAttribute("data-row") ? tr.getAttribute("data-row") : tr.getAttribute("data-token");
      tr.classList.toggle("focus", +at === f);
      if (!tr.classList.length) tr.removeAttribute("class");
    });
    this.layersFocus();
    if (this.decodeFollow) this.decodeFollow();
    // Region labels are their tables' captions, which may have just changed.
    this.regions.forEach(function (region) {
      var label = region.querySelector("caption").textContent;
      if (region.getAttribute("aria-label") !== label) region.setAttribute("aria-label", label);
    });
    if (this.orderSummary) {
      var said = ns.orderSummary(results[0], results[this.copyIndex]);
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
    // (A decode view's step is the focus; its slider says so.)
    if (st.focus !== init.focus && !this.decodeFollow) parts.push("following \u201C" + tokens[st.focus] + "\u201D, not \u201C" + tokens[init.focus] + "\u201D");
    if (st.head !== init.head) parts.push("following head " + (st.head + 1) + ", not head " + (init.head + 1));
    var shownRows = function (m) { return m ? JSON.stringify(m.map(function (row) { return row.map(fmt); })) : ""; };
    var embeddingMoved = shownRows(st.embeddings) !== shownRows(init.embeddings);
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

  Widget.prototype.wire = function () {
    var self = this, root = this.root, controls = root.querySelector(".attention-control-panel");
    this.headPicker();
    this.orderControl();
    this.decodeControl();
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
      // A heatmap cell follows its row's word where the figure outlines the focus row.
      var cell = e.target.closest("tr[data-row] > [data-c]");
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
        if (t.closest("tr[data-row]")) {
          self.state.focus = +t.getAttribute("data-c").split(" ")[1];
          self.update(true);
        }
        self.tip(t);
      } else if (t.matches("[data-c]") && /^Arrow/.test(e.key)) {
        e.preventDefault();
        // Within the heatmap's rows (the queries) and columns (the keys).
        var p = t.getAttribute("data-c").split(" "), body = t.closest("tbody");
        var rows = body.rows.length, cols = body.rows[0].cells.length - 1;
        var i = +p[1] + (e.key === "ArrowDown") - (e.key === "ArrowUp");
        var j = +p[2] + (e.key === "ArrowRight") - (e.key === "ArrowLeft");
        var next = body.querySelector("[data-c='" + p[0] + " " + Math.max(0, Math.min(rows - 1, i)) + " " + Math.max(0, Math.min(cols - 1, j)) + "']");
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
    // The cell last explained keeps no stale words: a cell's name is its number, read with its
    // row and column headers.
    if (Widget.explained && Widget.explained !== cell) nameCell(Widget.explained);
    Widget.explained = cell;
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

  // A heatmap cell's own name back (its `attentionName`: "masked", "0.23, changed", or none).
  function nameCell(el) {
    if (el.attentionName) el.setAttribute("aria-label", el.attentionName); else el.removeAttribute("aria-label");
  }

  ns.Widget = Widget;
})(attentionBook);
