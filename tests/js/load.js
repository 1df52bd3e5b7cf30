// The widget's scripts as a page runs them: each file of theme/attention/, in the order the
// book's book.toml lists them (the order assets.rs's SCRIPTS gives; tests/install.rs checks the
// two agree), in one context, without a document. Returns their namespace.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const ROOT = path.join(__dirname, "../..");

function scripts() {
  const toml = fs.readFileSync(path.join(ROOT, "book.toml"), "utf8");
  const list = /additional-js = \[([^\]]*)\]/.exec(toml);
  if (!list) throw new Error("book.toml lists no additional-js");
  return Array.from(list[1].matchAll(/"([^"]+)"/g), (m) => m[1]);
}

module.exports = function load() {
  const context = vm.createContext({ console });
  for (const file of scripts()) {
    vm.runInContext(fs.readFileSync(path.join(ROOT, file), "utf8"), context, { filename: file });
  }
  return context.attentionBook;
};
module.exports.scripts = scripts;
