// format.js — how the book writes a number (preprocessor/format.rs): two decimals, rounded
// half to even, exponents past 1e15, ⨯ for a masked entry; the pencil rule that marks a total
// "≈" when its shown operands would not give it (render/pencil.rs); and the heatmap's one
// colour scale (render/heatmap.rs).
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";

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

  ns.MASKED = MASKED; ns.fmt = fmt;

  // ---- the pencil rule ----
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

  // ---- the colour scale ----
  var STRONG_OPACITY = 0.7;
  function opacity(weight) { return fmt(weight === null ? 0 : Math.sqrt(Math.max(weight, 0))); }
  function cellClass(weight) {
    if (weight === null) return "masked";
    return Number(opacity(weight)) > STRONG_OPACITY ? "strong" : "";
  }
  // The weight of a result behind a heatmap binding; null if masked.
  function weightIn(r, i, j) { return r.scores[i][j] === null ? null : r.weights[i][j]; }

  ns.opacity = opacity; ns.cellClass = cellClass; ns.weightIn = weightIn;
})(attentionBook);
