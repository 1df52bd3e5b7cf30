// views/order.js — the order view (render/heatmap.rs, `order`): the same words at other places,
// shuffled again by the reader, the positions switched off and on.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt, weightIn = ns.weightIn;

  // The order view (render/heatmap.rs, `order`): the same words at other places. Each word keeps
  // its row; what moves is the row of positions added to it, or the turn of its query and key —
  // rows of the core's own matrices, moved, never computed here. The reader shuffles again, goes
  // back to the book's order, and switches the positions off and on.
  ns.Widget.prototype.orderControl = function () {
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
  function orderSummary(written, copy) {
    var n = written.weights.length, differ = 0;
    for (var i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) if (fmt(weightIn(written, i, j)) !== fmt(weightIn(copy, i, j))) differ++;
    }
    return differ === 0
      ? "Every weight is the same in both orders: moving the words only moved their rows and columns."
      : differ + " of the " + n * n + " weights differ: the words\u2019 places changed what they attend to.";
  }

  ns.orderSummary = orderSummary;
})(attentionBook);
