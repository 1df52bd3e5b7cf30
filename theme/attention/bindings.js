// bindings.js — what each binding of the page shows, by the name render/binding.rs writes
// (`data-b="qp f 1"`: the field, then row, column and term; `f` is the focus token). The
// browser's twin of render/views.rs; tests/contracts.rs checks that the names here are exactly
// the Rust side's `BindingField`.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt, MASKED = ns.MASKED, dot = ns.dot, weightIn = ns.weightIn;
  var pencilSum = ns.pencilSum, pencilSumOfProducts = ns.pencilSumOfProducts, pencilQuotient = ns.pencilQuotient;
  function sum(xs) { var t = 0; xs.forEach(function (x) { t = t + x; }); return t; }
  function range(n) { var out = []; for (var i = 0; i < n; i++) out.push(i); return out; }

  // Bindings read straight from the result: `fmt(result[field][i][j])`.
  var RESULT_FIELDS = ["q", "k", "v", "dots", "scores", "weights", "output"];

  // One product w·x of a projection (core::projection_terms): "qt f row term".
  function term(w) {
    return function (a) { return pencilSumOfProducts(w(a)[a.j][a.c] * a.x[a.i][a.c], [[w(a)[a.j][a.c], a.x[a.i][a.c]]]); };
  }
  // Their sum, one projected entry: "qp f row".
  function projected(w, field) {
    return function (a) {
      return pencilSum(a.r[field][a.i][a.j], a.x[a.i].map(function (e, col) { return w(a)[a.j][col] * e; }));
    };
  }
  var wQ = function (a) { return a.inp.w_q; }, wK = function (a) { return a.inp.w_k; }, wV = function (a) { return a.inp.w_v; };

  // Each binding's text, from `a`: the widget `w`, its state `st`, the result `r` and its
  // inputs `inp`, the vectors projected `x`, the binding's row `i`, column `j`, term `c`.
  var BINDINGS = {
    tok: function (a) { return a.w.data.tokens[a.i]; },
    x: function (a) { return fmt(a.st.embeddings[a.i][a.j]); },
    scale: function (a) { return fmt(a.r.scale); },
    w: function (a) { return fmt(weightIn(a.r, a.i, a.j)); },
    // After minus before (the cell's data-against): the scores view's "change".
    wc: function (a) {
      var after = weightIn(a.r, a.i, a.j), was = weightIn(a.w.results[a.b.against], a.i, a.j);
      return after === null || was === null ? MASKED : pencilSumOfProducts(after - was, [[after, 1], [was, -1]]);
    },
    wsum: function (a) {
      var r = a.r, i = a.i;
      return pencilSum(sum(r.weights[i]), range(r.weights[i].length).filter(function (t) { return r.scores[i][t] !== null; }).map(function (t) { return r.weights[i][t]; }));
    },
    ss: function (a) { var r = a.r; return r.dots[a.i][a.j] === null ? MASKED : pencilSumOfProducts(r.scores[a.i][a.j], [[r.dots[a.i][a.j], r.scale]]); },
    wv: function (a) { var r = a.r; return pencilSumOfProducts(r.weights[a.i][a.j] * r.v[a.j][a.c], [[r.weights[a.i][a.j], r.v[a.j][a.c]]]); },
    osum: function (a) { var r = a.r; return pencilSum(r.output[a.i][a.j], r.v.map(function (v, t) { return r.weights[a.i][t] * v[a.j]; })); },
    qt: term(wQ), kt: term(wK), vt: term(wV),
    qp: projected(wQ, "qp"), kp: projected(wK, "kp"), vp: projected(wV, "vp"),
    md: function (a) { var r = a.r; return pencilSumOfProducts(dot(r.q[a.i], r.k[a.j]), r.q[a.i].map(function (x, d) { return [x, r.k[a.j][d]]; })); },
    smax: function (a) { return fmt(a.r.smax); },
    sm: function (a) { var r = a.r, s = r.scores[a.i][a.j]; return s === null || r.smax === null ? MASKED : pencilSumOfProducts(s - r.smax, [[s, 1], [r.smax, -1]]); },
    ex: function (a) { return fmt(a.r.ex[a.j]); },
    esum: function (a) { return pencilSum(a.r.esum, a.r.ex); },
    sw: function (a) { var r = a.r; return r.scores[a.i][a.j] === null || r.smax === null ? fmt(0) : pencilQuotient(r.weights[a.i][a.j], r.ex[a.j], r.esum); },
    rsum: function (a) { return pencilSum(a.x[a.i][a.j] + a.r.output[a.i][a.j], [a.x[a.i][a.j], a.r.output[a.i][a.j]]); },
    xi: function (a) { return fmt(a.x[a.i][a.j]); },
    made: function (a) { return a.st.positions ? "Embeddings + positions" : "Embeddings alone, the positions switched off"; },
    mq: function (a) { return fmt(a.inp.w_q[a.i][a.j]); },
    mk: function (a) { return fmt(a.inp.w_k[a.i][a.j]); },
    mv: function (a) { return fmt(a.inp.w_v[a.i][a.j]); },
    hc: function (a) { return fmt(a.w.combined.concat[a.i][a.j]); },
    mo: function (a) {
      var heads = a.w.combined, wO = a.w.data.w_o;
      return pencilSumOfProducts(heads.output[a.i][a.j], heads.concat[a.i].map(function (h, t) { return [h, wO[a.j][t]]; }));
    }
  };
  RESULT_FIELDS.forEach(function (field) {
    BINDINGS[field] = function (a) { return fmt(a.r[field][a.i][a.j]); };
  });

  ns.RESULT_FIELDS = RESULT_FIELDS; ns.BINDINGS = BINDINGS; ns.sum = sum;
})(attentionBook);
