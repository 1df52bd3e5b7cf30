// serve.js — only under `mdbook-attention serve` (preprocessor/serve.rs): a save that did not
// build shows its problems over the last good page.
var attentionBook = attentionBook || {};
(function (ns) {
  "use strict";

  // Under `mdbook-attention serve` only (its pages carry mdBook's live-reload script, pointed at
  // our endpoint; a published book has none): a save that did not build shows its problems over
  // the last good page, and the next good build takes them away (and reloads the page).
  var RELOAD_ENDPOINT = "__attention/reload", PROBLEMS_ENDPOINT = "__attention/problems";
  // The overlay's looks, here rather than in attention.css: a published book carries none of it.
  var STYLE = [
    ".attention-problems { position: fixed; z-index: 1000; left: 50%; bottom: 1em; transform: translateX(-50%); width: min(60em, calc(100vw - 2em)); max-height: 60vh; overflow: auto; padding: 0.8em 1em; background: var(--bg); color: var(--fg); border: 2px solid #c62828; border-radius: 6px; box-shadow: 0 4px 20px rgb(0 0 0 / 35%); }",
    ".attention-problems[hidden] { display: none; }",
    ".attention-problems-title { margin: 0 0 0.3em; font-weight: bold; }",
    ".attention-problems pre { margin: 0.5em 0; padding: 0.6em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.85em; background: var(--quote-bg); color: var(--fg); }",
    ".attention-problems:focus-visible { outline: 3px solid var(--links); outline-offset: 2px; }",
    "@media print { .attention-problems { display: none !important; } }"
  ].join("\n");
  function watchProblems() {
    var served = Array.prototype.some.call(document.scripts, function (s) { return s.textContent.indexOf(RELOAD_ENDPOINT) >= 0; });
    if (!served || typeof WebSocket === "undefined") return;
    var style = document.createElement("style");
    style.textContent = STYLE;
    document.head.appendChild(style);
    document.addEventListener("keydown", function (e) {
      var box = document.querySelector(".attention-problems");
      if (e.key === "Escape" && box && !box.hidden) box.hidden = true;
    });
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/" + PROBLEMS_ENDPOINT);
    socket.onmessage = function (e) {
      var message;
      try { message = JSON.parse(e.data); } catch (err) { return; }
      showProblems(message.problems || "");
    };
  }
  function showProblems(text) {
    var box = document.querySelector(".attention-problems");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.className = "attention-problems";
      box.setAttribute("role", "alertdialog");
      box.setAttribute("aria-labelledby", "attention-problems-title");
      box.setAttribute("aria-describedby", "attention-problems-text");
      box.tabIndex = -1;
      var title = document.createElement("p");
      title.id = "attention-problems-title";
      title.className = "attention-problems-title";
      title.textContent = "Your last save was not built";
      var help = document.createElement("p");
      help.textContent = "This page is the last good build. Fix what is listed and save again; Escape hides this.";
      var pre = document.createElement("pre");
      pre.id = "attention-problems-text";
      var hide = document.createElement("button");
      hide.type = "button";
      hide.textContent = "Hide";
      hide.addEventListener("click", function () { box.hidden = true; });
      box.addEventListener("keydown", function (e) { if (e.key === "Escape") box.hidden = true; });
      box.append(title, help, pre, hide);
      document.body.appendChild(box);
    }
    box.querySelector("pre").textContent = text;
    box.hidden = false;
    box.focus();
  }

  // Loaded only on pages `serve` builds, after the others: it starts itself.
  if (typeof document !== "undefined" && !ns.watching) {
    ns.watching = true;
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchProblems);
    else watchProblems();
  }
})(attentionBook);
