// start.js — last of the scripts: brings every widget of the page to life once the page is
// read, and keeps the "predict first" answers closed until asked (open in print).
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";

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
      try { root.attentionWidget = new ns.Widget(root); } catch (err) {
        // The build-time HTML stays: a reader still sees every number.
        console.warn("attention widget left static:", err);
      }
    });
  }

  // Once, however many times the scripts are included.
  if (typeof document === "undefined" || ns.started) return;
  ns.started = true;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", hydrate);
  else hydrate();
})(attentionBook);
