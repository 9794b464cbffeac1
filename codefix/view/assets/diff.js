"use strict";
// Diffs and model replies with their edits marked: unified diffs line by line, SEARCH/REPLACE
// blocks of a reply with the searched lines as removed and the replacement as added.

CF.lineKind = function (line) {
  if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff --git")) return "file";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return "";
};

CF.lines = function (pre, text, kindOf) {
  const frag = document.createDocumentFragment();
  for (const line of text.split("\n")) {
    const kind = kindOf(line);
    frag.appendChild(kind ? CF.h("span", { class: "ln " + kind }, line + "\n") : document.createTextNode(line + "\n"));
  }
  pre.appendChild(frag);
  return pre;
};

CF.diff = function (patch) {
  if (patch === null || patch === undefined) return CF.missing("patch");
  const text = CF.text(patch);
  if (!text.trim()) return CF.h("div", { class: "empty" }, "(empty patch)");
  return CF.lines(CF.h("pre", { class: "diff" }), text, CF.lineKind);
};

// Marker lines of SEARCH/REPLACE edits (5 to 9 characters, as lenient parsers accept).
CF.SEARCH = /^<{5,9} ?SEARCH\s*$/;
CF.DIVIDER = /^={5,9}\s*$/;
CF.REPLACE = /^>{5,9} ?REPLACE\s*$/;

CF.reply = function (text) {
  const pre = CF.h("pre", { class: "reply" });
  let state = "";
  return CF.lines(pre, CF.text(text), (line) => {
    if (CF.SEARCH.test(line)) { state = "del"; return "marker"; }
    if (state === "del" && CF.DIVIDER.test(line)) { state = "add"; return "marker"; }
    if (state && CF.REPLACE.test(line)) { state = ""; return "marker"; }
    if (/^<\/?(edit|test|think|issue)>\s*$/.test(line.trim())) return "marker";
    return state;
  });
};

// How many edit blocks a reply holds (for the one-line summary of a step).
CF.editBlocks = function (text) {
  let n = 0;
  for (const line of CF.text(text).split("\n")) if (CF.SEARCH.test(line)) n += 1;
  return n;
};
