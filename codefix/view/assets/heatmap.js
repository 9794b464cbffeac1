"use strict";
// The voting matrix as a heatmap: one row per candidate (and the unedited repository first),
// one column per test, cells pass / fail / error / not run. A test that passes on the unedited
// repository proves nothing: its column is greyed.

CF.SYMBOL = { pass: "✓", fail: "✗", error: "!" };

CF.heatmap = function (votes, candidates) {
  if (!votes) return CF.missing("votes.jsonl (voting did not run: one candidate, no voting, or an older run)");
  const byId = Object.fromEntries(candidates.map((c) => [c.id, c]));
  const head = CF.h("tr", {}, CF.h("th", { class: "corner" }, "candidate \\ test"),
    votes.tests.map((t) => CF.h("th", { "data-test": t.id, class: t.passes_unedited ? "greyed" : "",
      title: `${t.id}${t.passes_unedited ? " — passes on the unedited repository, proves nothing" : ""}` }, t.label)),
    CF.h("th", {}, "passes"));
  const cell = (outcome, t, cand) => CF.h("td", {
    class: "cell " + (outcome || "none") + (t.passes_unedited ? " greyed" : ""),
    "data-candidate": cand, "data-test": t.id, "data-outcome": outcome || "",
    title: `${cand} on ${t.label}: ${outcome || "not run"}`,
  }, outcome ? CF.SYMBOL[outcome] : "·");
  const unedited = CF.h("tr", { class: "unedited", "data-candidate": "unedited" }, CF.h("th", {}, "unedited repository"),
    votes.tests.map((t) => cell(t.unedited, t, "unedited")), CF.h("td", {}, ""));
  const rows = votes.candidates.map((cid, i) => {
    const c = byId[cid] || {};
    const label = [CF.h("span", { class: "mono", text: cid })];
    if (c.winner) label.push(" ", CF.badge("winner", "good"));
    else if (c.finalist) label.push(" ", CF.badge("finalist", "none"));
    if (c.sources && c.sources.length) label.push(CF.h("div", { class: "small", text: c.sources.join(", ") }));
    return CF.h("tr", { "data-candidate": cid }, CF.h("th", {}, label),
      votes.tests.map((t, j) => cell(votes.cells[i][j], t, cid)),
      CF.h("td", { class: "num", "data-col": "passes" }, String(votes.passes[i])));
  });
  const legend = CF.h("div", { class: "legend" },
    CF.h("span", {}, CF.h("i", { class: "cell pass" }), "pass (exit 0)"),
    CF.h("span", {}, CF.h("i", { class: "cell fail" }), "fail"),
    CF.h("span", {}, CF.h("i", { class: "cell error" }), "infrastructure error (no vote)"),
    CF.h("span", {}, CF.h("i", { class: "cell none" }), "not run"),
    CF.h("span", {}, CF.h("i", { class: "cell pass greyed" }), "greyed: the test passes unedited"));
  return CF.h("div", {}, legend, CF.h("div", { class: "scroll" },
    CF.h("table", { class: "heatmap", id: "voting-matrix" }, CF.h("thead", {}, head), CF.h("tbody", {}, unedited, rows))),
  CF.h("div", { class: "note", text: "passes: tests passed that do not pass on the unedited repository" }));
};
