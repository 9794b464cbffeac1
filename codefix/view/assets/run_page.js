"use strict";
// The run page: what kind of run, its problems and progress, the funnel, cost by stage and by
// instance, outcome counts, ensemble members, and the instance table.

CF.renderRun = function (root, run) {
  const s = run.summary;
  const rows = run.instances;
  const cap = run.size_cap;
  CF.put(root, CF.h("header", { class: "top" },
    CF.h("h1", {}, "run ", CF.h("span", { class: "mono", text: run.run.name })),
    CF.h("div", { class: "sub" }, `${s.kind} run · ${rows.length} instance(s) · ` +
      (run.mode === "served" ? "live from " : "generated " + run.run.generated + " from ") + run.run.path)));
  if (s.in_progress) CF.put(root, CF.h("div", { class: "banner warn", id: "in-progress", text: s.in_progress }));
  CF.put(root, CF.problemList(s.problems));
  if (cap && cap.left_out) CF.put(root, CF.h("div", { class: "banner", id: "size-cap" },
    `${cap.left_out} instance page(s) are not embedded in this file (size cap ${(cap.max_bytes / 1048576).toFixed(0)} MB); ` +
    "export one with ", CF.h("code", { text: `codefix view ${run.run.path} --instance ID` }),
    ", or browse all with ", CF.h("code", { text: `codefix view ${run.run.path} --serve` }), "."));

  CF.put(root, CF.section("funnel-card", "Funnel", CF.h("div", { id: "funnel" }, CF.funnelChart(run.funnel)),
    CF.funnelNotes(run.funnel)));
  CF.put(root, CF.costCard(run));
  CF.put(root, CF.outcomesCard(run, s));
  if (s.ensemble) CF.put(root, CF.ensembleCard(s.ensemble));
  CF.put(root, CF.section("instances-card", "Instances", CF.instanceTable(rows)));
};

CF.funnelNotes = function (funnel) {
  const recall = funnel.find((f) => f.key === "recall");
  const notes = [];
  if (recall && recall.mean !== null && recall.mean !== undefined) notes.push(`mean context recall ${Math.round(100 * recall.mean)}% over ${recall.known} instance(s) with gold files`);
  const cov = funnel.find((f) => f.key === "coverage");
  if (cov && cov.known < funnel[0].count) notes.push(`coverage unknown for ${funnel[0].count - cov.known}: grade candidates with codefix report --grade-candidates`);
  const res = funnel.find((f) => f.key === "resolved");
  if (res && res.known < funnel[0].count) notes.push(`${funnel[0].count - res.known} instance(s) not graded: codefix evaluate … --run-id`);
  return notes.length ? CF.h("ul", { class: "notes" }, notes.map((n) => CF.h("li", { text: n }))) : null;
};

CF.costCard = function (run) {
  const stages = run.cost_by_stage;
  const total = Object.values(stages).reduce((a, b) => a + b, 0);
  const byStage = CF.h("table", { class: "grid small", id: "cost-by-stage" },
    CF.h("thead", {}, CF.h("tr", {}, CF.h("th", {}, "stage"), CF.h("th", {}, "cost"), CF.h("th", {}, "share"))),
    CF.h("tbody", {}, Object.entries(stages).map(([k, v]) => CF.h("tr", { "data-stage": k },
      CF.h("td", {}, k), CF.h("td", { class: "num" }, CF.cost(v)), CF.h("td", { class: "num" }, CF.pct(v, total)))),
    CF.h("tr", { class: "total" }, CF.h("td", {}, "total"), CF.h("td", { class: "num" }, CF.cost(total)), CF.h("td", {}, ""))));
  const items = run.instances.filter((r) => r.cost !== null)
    .sort((a, b) => b.cost - a.cost)
    .map((r) => ({ label: r.id, parts: r.cost_by_stage, href: "#/i/" + encodeURIComponent(r.id) }));
  return CF.section("cost-card", "Cost", CF.h("div", { class: "cols" },
    CF.h("div", {}, CF.h("h3", { text: "by stage" }), byStage),
    CF.h("div", { class: "grow" }, CF.h("h3", { text: "by instance" }),
      items.length ? CF.stackedBars(items, { limit: 30 }) : CF.missing("ledger.json (no spend recorded)"))));
};

CF.outcomesCard = function (run, s) {
  const statusRows = Object.entries(s.statuses).map(([k, v]) => CF.h("tr", {}, CF.h("td", {}, k), CF.h("td", { class: "num" }, v)));
  const outcomeRows = Object.entries(run.outcomes).map(([k, v]) => CF.h("tr", { "data-outcome": k },
    CF.h("td", {}, k), CF.h("td", { class: "num" }, v)));
  const facts = [];
  if (s.predictions !== null) facts.push(`${s.predictions} prediction(s) in preds.jsonl`);
  if (s.batch) facts.push(`batch finished: ${s.batch.done}/${s.batch.total} done, ${Object.keys(s.batch.failed || {}).length} failed, ` +
    `${CF.cost(s.batch.spent_usd)} spent in ${CF.secs(s.batch.seconds)}`);
  if (s.evaluated) facts.push(s.evaluated.total !== undefined
    ? `evaluated (eval_summary.json): ${s.evaluated.resolved} of ${s.evaluated.total} resolved, ${(s.evaluated.errors || []).length} grading error(s)`
    : `evaluation summary: ${JSON.stringify(s.evaluated).slice(0, 200)}`);
  return CF.section("outcomes-card", "Outcomes", CF.h("div", { class: "cols" },
    CF.h("div", {}, CF.h("h3", { text: "instances by status" }), CF.h("table", { class: "grid small", id: "statuses" }, CF.h("tbody", {}, statusRows))),
    CF.h("div", {}, CF.h("h3", { text: "trajectories and evaluations" }),
      outcomeRows.length ? CF.h("table", { class: "grid small", id: "outcomes" }, CF.h("tbody", {}, outcomeRows)) : CF.missing("trajectories"))),
  facts.length ? CF.h("ul", { class: "notes" }, facts.map((f) => CF.h("li", { text: f }))) : null);
};

CF.ensembleCard = function (e) {
  const members = Object.entries(e.members || {}).map(([name, m]) => CF.h("tr", {},
    CF.h("td", {}, name), CF.h("td", { class: "mono" }, JSON.stringify(m))));
  return CF.section("ensemble-card", "Ensemble members",
    CF.h("table", { class: "grid small" }, CF.h("tbody", {}, members)),
    CF.kv([["coverage", JSON.stringify(e.coverage)], ["selected", JSON.stringify(e.selected)],
      ["random pick", JSON.stringify(e.random_candidate)]]),
    CF.problemList(e.problems));
};
