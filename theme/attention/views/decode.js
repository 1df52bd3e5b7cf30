// views/decode.js — the decode view (render/views/decode.rs): every step is in the page, so
// without the script and on paper all show; here one does, walked by a slider and two buttons.
// The step is the focus: its row of the heatmap holds the same weights.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";
  ns.Widget.prototype.decodeControl = function () {
    var self = this, view = this.root.querySelector(".attention-decode");
    if (!view) return;
    var q = function (s) { return view.querySelector(".attention-decode-" + s); };
    var slider = q("slider"), prev = q("prev"), next = q("next"), tokens = this.data.tokens;
    var steps = view.querySelectorAll("section.attention-decode-step"), n = steps.length;
    var show = function (t) {
      t = Math.max(1, Math.min(n, t));
      slider.value = t;
      // As the build writes it (render/mod.rs, decode_valuetext).
      slider.setAttribute("aria-valuetext", "step " + t + " of " + n + ": \u201C" + tokens[t - 1] + "\u201D");
      Array.prototype.forEach.call(steps, function (s, i) { s.hidden = i + 1 !== t; });
      // Kept focusable at the ends (aria-disabled, not disabled).
      prev.setAttribute("aria-disabled", t === 1);
      next.setAttribute("aria-disabled", t === n);
      if (self.state.focus !== t - 1) { self.state.focus = t - 1; self.update(true); }
    };
    slider.addEventListener("input", function () { show(+slider.value); });
    prev.addEventListener("click", function () { show(+slider.value - 1); });
    next.addEventListener("click", function () { show(+slider.value + 1); });
    q("control").hidden = false;
    this.decodeFollow = function () { if (+slider.value !== self.state.focus + 1) show(self.state.focus + 1); };
    show(this.state.focus + 1);
  };
})(attentionBook);
