"use strict";
// The run's instance table: sortable by any column, filterable by text, status and result.
// Its state (sort, filters) lives in CF.tableState so a live refresh keeps it.

CF.tableState = { sort: "id", desc: false, text: "", status: "", result: "" };

CF.COLUMNS = [
  { key: "id", label: "instance" },
  { key: "status", label: "status" },
  { key: "resolved", label: "resolved" },
  { key: "coverage", label: "covered" },
  { key: "recall", label: "recall" },
  { key: "pairs", label: "pairs" },
  { key: "candidates", label: "candidates" },
  { key: "cost", label: "cost" },
  { key: "seconds", label: "time" },
  { key: "error", label: "error / problems" },
];

CF.sortValue = function (row, key) {
  const v = key === "error" ? (row.error || "") + (row.problems || []).join(" ") : row[key];
  if (v === true) return 2;
  if (v === false) return 1;
  if (v === null || v === undefined || v === "unknown") return -1;
  return v;
};

CF.resultOf = (row) => (row.resolved === true ? "resolved" : row.resolved === false ? "unresolved" : "ungraded");

CF.filterRows = function (rows, state) {
  const text = state.text.trim().toLowerCase();
  return rows.filter((r) => (!state.status || r.status === state.status) &&
    (!state.result || CF.resultOf(r) === state.result || (state.result === "problems" && (r.problems.length || r.error))) &&
    (!text || (r.id + " " + (r.error || "") + " " + r.problems.join(" ")).toLowerCase().includes(text)));
};

CF.sortRows = function (rows, state) {
  const sign = state.desc ? -1 : 1;
  return rows.slice().sort((a, b) => {
    const x = CF.sortValue(a, state.sort), y = CF.sortValue(b, state.sort);
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
};

CF.instanceTable = function (rows) {
  const state = CF.tableState;
  const body = CF.h("tbody");
  const count = CF.h("span", { class: "count" });
  const fill = () => {
    body.textContent = "";
    const shown = CF.sortRows(CF.filterRows(rows, state), state);
    const frag = document.createDocumentFragment();
    shown.forEach((r) => frag.appendChild(CF.instanceRow(r)));
    body.appendChild(frag);
    count.textContent = `${shown.length} of ${rows.length} instance(s)`;
    head.querySelectorAll("th").forEach((th) => {
      th.className = th.dataset.key === state.sort ? (state.desc ? "sorted desc" : "sorted asc") : "";
    });
  };
  const head = CF.h("tr", {}, CF.COLUMNS.map((c) => CF.h("th", { "data-key": c.key, title: "sort by " + c.label,
    onclick: () => { state.desc = state.sort === c.key ? !state.desc : false; state.sort = c.key; fill(); } }, c.label)));
  const statuses = [...new Set(rows.map((r) => r.status))].sort();
  const select = (name, options, label) => CF.h("select", { name: name, "aria-label": label,
    onchange: (e) => { state[name] = e.target.value; fill(); } },
  [CF.h("option", { value: "" }, label)].concat(options.map((o) => {
    const opt = CF.h("option", { value: o }, o);
    if (state[name] === o) opt.selected = true;
    return opt;
  })));
  const search = CF.h("input", { type: "search", name: "text", placeholder: "filter by id, error or problem",
    value: state.text, oninput: (e) => { state.text = e.target.value; fill(); } });
  const controls = CF.h("div", { class: "controls" }, search,
    select("status", statuses, "any status"), select("result", ["resolved", "unresolved", "ungraded", "problems"], "any result"), count);
  const table = CF.h("table", { id: "instances", class: "grid" }, CF.h("thead", {}, head), body);
  fill();
  return CF.h("div", {}, controls, CF.h("div", { class: "scroll" }, table));
};

CF.instanceRow = function (r) {
  const link = CF.h("a", { href: "#/i/" + encodeURIComponent(r.id), text: r.id });
  const notes = [];
  if (r.error) notes.push(CF.h("div", { class: "err", text: CF.clip(String(r.error), 160), title: String(r.error) }));
  if (r.problems.length) notes.push(CF.h("div", { class: "warn", text: `${r.problems.length} problem(s): ` + CF.clip(r.problems[0], 120), title: r.problems.join("\n") }));
  if (r.stage) notes.push(CF.h("div", { class: "note", text: "now: " + r.stage }));
  if (r.embedded === false) notes.push(CF.h("div", { class: "note", text: "not embedded (size cap)" }));
  return CF.h("tr", { "data-id": r.id, "data-status": r.status, "data-resolved": String(r.resolved) },
    CF.h("td", {}, link),
    CF.h("td", {}, CF.badge(r.status, { done: "good", solved: "good", running: "warn", error: "bad", infra_error: "bad", incomplete: "warn" }[r.status] || "none")),
    CF.h("td", { "data-col": "resolved" }, CF.yesNo(r.resolved)),
    CF.h("td", { "data-col": "coverage" }, CF.yesNo(r.coverage)),
    CF.h("td", { class: "num" }, r.recall === null ? "—" : Math.round(100 * r.recall) + "%"),
    CF.h("td", { class: "num", "data-col": "pairs" }, CF.int(r.pairs)),
    CF.h("td", { class: "num", "data-col": "candidates" }, CF.int(r.candidates)),
    CF.h("td", { class: "num", "data-col": "cost" }, CF.cost(r.cost)),
    CF.h("td", { class: "num" }, CF.secs(r.seconds)),
    CF.h("td", { class: "notes" }, notes));
};
