// pencil.js — the pencil rule (preprocessor/render/pencil.rs): a total is shown "≈ x" when
// redoing its arithmetic on the shown, rounded operands would not give x.
var attentionBook = typeof attentionBook === "object" && attentionBook ? attentionBook : {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt;

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

  ns.APPROX = APPROX; ns.PENCIL_FIELDS = PENCIL_FIELDS;
  ns.pencilSum = pencilSum; ns.pencilSumOfProducts = pencilSumOfProducts; ns.pencilQuotient = pencilQuotient;
})(attentionBook);
