"use strict";
// DOM helpers of the codefix run inspector. Every text from a run (replies, outputs, patches) is
// put into the page with textContent or createTextNode, never as HTML.
const CF = {};

CF.h = function (tag, attrs, ...children) {
  const el = document.createElement(tag);
  CF.setAttrs(el, attrs);
  CF.append(el, children);
  return el;
};

CF.svg = function (tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  CF.setAttrs(el, attrs);
  CF.append(el, children);
  return el;
};

CF.setAttrs = function (el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
};

CF.append = function (el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
};

CF.put = (el, ...children) => CF.append(el, children);

// A text as the view stores it: a string, or {head, tail, omitted, size} when capped.
CF.isCapped = (v) => v !== null && typeof v === "object" && "head" in v && "omitted" in v;
CF.size = (v) => (CF.isCapped(v) ? v.size : typeof v === "string" ? v.length : 0);
CF.text = function (v) {
  if (v === null || v === undefined) return "";
  if (CF.isCapped(v)) return v.head + "\n\n… " + CF.int(v.omitted) + " characters left out (size cap) …\n\n" + v.tail;
  return typeof v === "string" ? v : JSON.stringify(v, null, 1);
};

CF.int = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
CF.cost = (x) => (x === null || x === undefined ? "—" : "$" + Number(x).toFixed(Number(x) >= 1 ? 2 : 4));
CF.secs = (x) => (x === null || x === undefined ? "—" : Number(x) >= 90 ? (x / 60).toFixed(1) + " min" : Number(x).toFixed(1) + " s");
CF.pct = (a, b) => (b ? Math.round((100 * a) / b) + "%" : "—");
CF.chars = (n) => (n >= 10000 ? (n / 1000).toFixed(0) + "k" : n >= 1000 ? (n / 1000).toFixed(1) + "k" : String(n)) + " chars";

CF.badge = (text, kind) => CF.h("span", { class: "badge " + (kind || "") }, text);
CF.yesNo = function (v, yes, no) {
  if (v === true) return CF.badge(yes || "yes", "good");
  if (v === false) return CF.badge(no || "no", "bad");
  return CF.badge(v === "unknown" ? "unknown" : "—", "none");
};
CF.missing = (what) => CF.h("div", { class: "missing" }, "missing: " + what);
CF.problemList = function (problems) {
  if (!problems || !problems.length) return null;
  return CF.h("div", { class: "problems", role: "alert" },
    CF.h("strong", {}, problems.length + " problem(s) reading this run"),
    CF.h("ul", {}, problems.map((p) => CF.h("li", { text: p }))));
};

CF.section = function (id, title, ...children) {
  return CF.h("section", { id: id, class: "card" }, CF.h("h2", { text: title }), children);
};

CF.kv = function (pairs) {
  return CF.h("dl", { class: "kv" }, pairs.filter((p) => p && p[1] !== undefined)
    .map(([k, v]) => [CF.h("dt", { text: k }), CF.h("dd", {}, v === null || v === "" ? "—" : v)]));
};

// A collapsed block whose content is only built (and put into the DOM) when first opened.
CF.lazy = function (summary, build, attrs) {
  const details = CF.h("details", Object.assign({ class: "lazy" }, attrs || {}), CF.h("summary", {}, summary));
  let built = false;
  details.addEventListener("toggle", () => {
    if (details.open && !built) {
      built = true;
      CF.append(details, [build()]);
    }
  });
  return details;
};

CF.pre = (v, cls) => CF.h("pre", { class: cls || "" }, CF.text(v));

CF.capNote = function (v, href) {
  if (!CF.isCapped(v)) return null;
  return CF.h("div", { class: "capnote" }, CF.int(v.size) + " characters, " + CF.int(v.omitted) +
    " left out here; the full text is in ", href ? CF.h("a", { href: href, text: href }) : "the run's files");
};

// An execution record {exit_code, timed_out, duration, output}: a one-line summary, output on demand.
CF.run = function (label, run, href) {
  if (!run) return null;
  const code = run.timed_out ? "timed out" : "exit " + (run.exit_code === null || run.exit_code === undefined ? "?" : run.exit_code);
  const kind = run.timed_out ? "bad" : run.exit_code === 0 ? "good" : run.exit_code === 2 ? "warn" : "bad";
  const bits = [CF.h("span", { class: "runlabel", text: label }), CF.badge(code, kind)];
  if (run.duration !== undefined) bits.push(" " + CF.secs(run.duration));
  if (run.outcome) bits.push(" ", CF.badge(run.outcome, run.outcome === "pass" ? "good" : "bad"));
  bits.push(" · " + CF.chars(CF.size(run.output)));
  const attrs = { "data-run": label, "data-exit": run.exit_code === null ? "" : run.exit_code };
  return CF.lazy(bits, () => CF.h("div", {}, CF.capNote(run.output, href), CF.pre(run.output, "output"),
    run.note ? CF.h("div", { class: "note", text: run.note }) : null), attrs);
};

CF.link = (href, text) => CF.h("a", { href: href, text: text || href });
CF.fileHref = (instanceId, rel) => encodeURIComponent(instanceId) + "/" + rel.split("/").map(encodeURIComponent).join("/");
