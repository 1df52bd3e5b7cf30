// format.js — the one number format of the book (preprocessor/format.rs): two decimals,
// rounded half to even, exponents past 1e15, ⨯ for a masked entry.
var attentionBook = typeof attentionBook === "object" && attentionBook ? attentionBook : {};
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
})(attentionBook);
