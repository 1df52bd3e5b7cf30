// views/layers.js — a real model's every head (render/layers.rs): the picked head's weights in
// full, and where each head sends the focus token's attention.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";
  var fmt = ns.fmt, opacity = ns.opacity, cellClass = ns.cellClass;

  // A real model's every head (the layers view): pick a layer and a head and read that head's
  // weights in full in the table after the pickers (render/layers.rs, `picked`, writes the first),
  // on the heatmap's colour scale. The weights are the core's (data.attention).
  ns.Widget.prototype.headPicker = function () {
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

  // A real model's every head follows the focus token: its row marked beside all the small maps,
  // and the table of where each head sends its attention (render/layers.rs, `strongest`).
  ns.Widget.prototype.layersFocus = function () {
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
})(attentionBook);
