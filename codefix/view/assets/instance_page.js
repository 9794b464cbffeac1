"use strict";
// The instance page: status and problems, the issue, the context, each pair's timeline, the
// candidates, the voting matrix, the selection trajectory and winner, the evaluation.

CF.renderInstance = function (root, inst, row) {
  const id = inst.id;
  CF.put(root, CF.h("nav", { class: "crumbs" }, CF.link("#/", "← run"), " / ", CF.h("span", { class: "mono", text: id })));
  CF.put(root, CF.h("header", { class: "top" }, CF.h("h1", {}, CF.h("span", { class: "mono", text: id })),
    row ? CF.h("div", { class: "sub" }, "status ", CF.badge(row.status), " · resolved ", CF.yesNo(row.resolved),
      " · covered ", CF.yesNo(row.coverage), " · cost " + CF.cost(row.cost)) : null));
  CF.put(root, CF.problemList(inst.problems));
  CF.put(root, CF.statusCard(inst));
  CF.put(root, CF.section("issue", "Issue", inst.issue
    ? [CF.h("div", { class: "small", text: inst.issue.source === "dataset" ? "from the dataset" : "as the testing model was shown it" }),
      CF.h("pre", { class: "issue" }, CF.text(inst.issue.text))]
    : CF.missing("the issue (no testing trajectory to read it from; pass -d DATASET)")));
  CF.put(root, CF.section("context", "Context", CF.contextView(inst.context, id)));
  CF.put(root, CF.section("pairs", "Generation pairs", CF.pairsView(inst)));
  CF.put(root, CF.section("candidates", "Candidates", CF.candidatesView(inst)));
  CF.put(root, CF.section("votes", "Voting matrix", CF.heatmap(inst.votes, inst.candidates || [])));
  CF.put(root, CF.section("selection", "Selection", CF.selectionView(inst)));
  CF.put(root, CF.section("evaluation", "Evaluation", CF.evaluationView(inst.evaluation)));
  CF.put(root, CF.section("files", "Files", CF.h("ul", { class: "files" },
    (inst.files || []).map((f) => CF.h("li", {}, CF.link(CF.fileHref(id, f), f))))));
};

CF.statusCard = function (inst) {
  const s = inst.solve, b = inst.batch, l = inst.ledger;
  const items = [];
  if (s) items.push(["solve", `${s.status}${s.complete === false ? " (cut short: " + (s.unfinished || []).join(", ") + ")" : ""}` +
    (s.method ? ` · chosen by ${s.method}` : "")]);
  else items.push(["solve", CF.missing("solve.json (not finished, or not a solve run)")]);
  if (b) items.push(["batch", `${b.status}${b.stage ? " · " + b.stage : ""} · attempt ${b.attempt || "?"}` +
    (b.seconds !== undefined ? ` · ${CF.secs(b.seconds)}` : "")]);
  if (b && b.error) items.push(["error", CF.h("pre", { class: "output" }, String(b.error) + (b.traceback ? "\n" + b.traceback : ""))]);
  if (l) items.push(["spend", `${CF.cost(l.totals.cost)} in ${CF.int(l.totals.calls)} call(s)` +
    (l.budget_usd ? ` of a ${CF.cost(l.budget_usd)} budget` : "") + " · " +
    Object.entries(l.by_stage).map(([k, v]) => `${k} ${CF.cost(v.cost)}`).join(", ")]);
  else items.push(["spend", CF.missing("ledger.json")]);
  if (inst.early_stop) items.push(["early stop", JSON.stringify(inst.early_stop)]);
  return CF.section("status", "Status", CF.kv(items));
};

CF.contextView = function (ctx, id) {
  if (!ctx) return CF.missing("context.json");
  const head = CF.kv([["status", ctx.status + (ctx.message ? " · " + ctx.message : "")],
    ["files", `${CF.int(ctx.read)} read, ${CF.int(ctx.skipped)} skipped, ${ctx.rankings} ranking(s)`],
    ["packed", `${CF.int(ctx.packed_tokens)} tokens of a ${CF.int(ctx.budget_tokens)} budget`],
    ["gold recall", ctx.recall === null ? "unknown (no gold patch)" : Math.round(100 * ctx.recall) + "%" +
      (ctx.missed.length ? " · missed: " + ctx.missed.join(", ") : "")]]);
  const rows = ctx.files.map((f) => CF.h("tr", { "data-path": f.path, class: f.gold ? "gold" : "" },
    CF.h("td", { class: "num" }, f.rank || ""),
    CF.h("td", { class: "mono" }, f.path, f.gold ? [" ", CF.badge("gold", "good")] : null),
    CF.h("td", {}, f.relevance ? CF.badge(f.relevance, f.relevance === "relevant" ? "good" : "none") : "—"),
    CF.h("td", { class: "num" }, CF.int(f.tokens)),
    CF.h("td", {}, f.packed ? CF.badge(f.packed + " · " + CF.int(f.packed_tokens), "good") : "—"),
    CF.h("td", { class: "summary", text: f.summary })));
  const table = CF.h("table", { class: "grid small", id: "context-files" }, CF.h("thead", {}, CF.h("tr", {},
    ["rank", "file", "relevance", "tokens", "packed", "summary"].map((c) => CF.h("th", { text: c })))), CF.h("tbody", {}, rows));
  return [head, ctx.files.length > 40 ? CF.lazy(`all ${ctx.files.length} files`, () => table) : table,
    CF.h("div", { class: "small" }, "packed texts: ", CF.link(CF.fileHref(id, "context.json"), "context.json"))];
};

CF.pairsView = function (inst) {
  const pairs = inst.pairs || [];
  if (!pairs.length) return CF.missing("trajectories/ and candidates.jsonl (no generation pair ran)");
  const firstWithCandidate = pairs.find((p) => p.candidate) || pairs[0];
  const out = pairs.map((p) => CF.pairCard(p, inst, p === firstWithCandidate));
  if ((inst.other_trajectory_files || []).length) out.push(CF.h("div", { class: "note" },
    "other files in trajectories/: " + inst.other_trajectory_files.join(", ")));
  return out;
};

CF.candidatesView = function (inst) {
  const cands = inst.candidates || [];
  if (!cands.length) return CF.missing("candidates (no pair produced a patch)");
  const items = cands.map((c) => {
    const head = [CF.h("span", { class: "mono", text: c.id }), " "];
    if (c.winner) head.push(CF.badge("winner", "good"), " ");
    else if (c.finalist) head.push(CF.badge("finalist", "none"), " ");
    if (c.rank) head.push(`#${c.rank} in voting`, c.voting ? ` (${c.voting.passes}/${c.voting.counted_tests} votes)` : "", " · ");
    head.push(`+${c.added} −${c.removed} in ${c.files.join(", ") || "?"}`);
    if (c.resolved !== null && c.resolved !== undefined) head.push(" · ", CF.yesNo(c.resolved, "resolves", "does not resolve"));
    const who = c.members ? "members: " + (c.members.join(", ") || "—") : "proposed by " + (c.sources.join(", ") || "—");
    return CF.h("li", { "data-candidate": c.id }, CF.h("div", {}, head), CF.h("div", { class: "small", text: who }),
      c.patch === null ? CF.missing("the patch (only its id is stored)") : CF.lazy("normalized patch · " + CF.chars(CF.size(c.patch)), () => CF.diff(c.patch)));
  });
  const dropped = (inst.dropped || []).length ? CF.lazy(`${inst.dropped.length} dropped patch(es)`, () =>
    CF.h("ul", {}, inst.dropped.map((d) => CF.h("li", {}, `${(d.sources || []).join(", ")}: ${d.reason}`)))) : null;
  return [CF.h("ol", { class: "candidates" }, items), dropped];
};

CF.selectionView = function (inst) {
  const sel = inst.selection;
  if (!sel) return CF.missing("selection.json (selection did not run yet)");
  const items = [["winner", sel.winner ? CF.h("span", { class: "mono", text: sel.winner }) : "—"],
    ["method", sel.method || "—"], ["machine", sel.machine_status || "—"],
    ["calls", sel.calls === undefined ? "—" : `${sel.calls} · ${CF.cost(sel.cost)}`]];
  if (sel.votes && sel.votes.cells) items.push(["votes", JSON.stringify(sel.votes.cells) + ` over ${sel.votes.tests} test(s)`]);
  const traj = sel.trajectory ? CF.trajectory(sel.trajectory, inst.id, "selection")
    : CF.h("div", { class: "note", text: "no selection trajectory: " + (/^only.candidate$/.test(sel.method || "") ? "one candidate, nothing to choose" : "not stored") });
  return [CF.kv(items), traj];
};

CF.evaluationView = function (ev) {
  if (!ev) return CF.missing("eval.json (not graded: codefix evaluate … --run-id RUN)");
  const group = (name, part) => {
    part = part || {};
    const ok = part.success || [], bad = part.failure || [];
    return CF.h("div", { class: "tests", "data-group": name }, CF.h("h3", { text: `${name}: ${ok.length} pass, ${bad.length} fail` }),
      CF.h("ul", {}, bad.map((t) => CF.h("li", { class: "fail", text: "✗ " + t })), ok.map((t) => CF.h("li", { class: "pass", text: "✓ " + t }))));
  };
  return [CF.kv([["resolved", CF.yesNo(ev.resolved)], ["status", ev.status], ["reason", ev.reason || ""],
    ["duration", CF.secs(ev.duration)], ["applied with", ev.patch_applied_with || "—"],
    ev.network !== undefined ? ["network", String(ev.network)] : null]),
  group("FAIL_TO_PASS", ev.fail_to_pass), group("PASS_TO_PASS", ev.pass_to_pass)];
};
