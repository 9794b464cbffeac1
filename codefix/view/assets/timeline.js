"use strict";
// A generation pair as a timeline: its testing trajectory then its editing trajectory, one card
// per model call with the reply (edits marked), format re-asks, what ran (before/after) and the
// patch after the step. Large texts are collapsed and built only when opened.

CF.trajectoryHeader = function (t) {
  const bits = [CF.h("strong", { text: t.stage || "trajectory" }), " ",
    CF.badge(t.status || "?", t.status === "submitted" ? "good" : t.status === "running" ? "warn" : "bad"),
    ` · ${CF.int(t.calls)} call(s)`];
  if (t.format_errors) bits.push(" · ", CF.badge(`${t.format_errors} format re-ask(s)`, "warn"));
  if (t.cost !== undefined) bits.push(" · " + CF.cost(t.cost));
  if (t.sandbox_seconds !== undefined) bits.push(` · ${CF.secs(t.sandbox_seconds)} in the sandbox`);
  return CF.h("div", { class: "trajhead" }, bits);
};

CF.trajectory = function (t, instanceId, label) {
  if (!t) return CF.h("div", { class: "lane missing-lane" }, CF.missing(label + " trajectory"));
  const href = t.file ? CF.fileHref(instanceId, t.file.includes("/") ? t.file : "trajectories/" + t.file) : null;
  if (t.damaged) return CF.h("div", { class: "lane damaged", "data-stage": label },
    CF.h("div", { class: "problem", text: "damaged: " + t.damaged }), href ? CF.link(href) : null);
  const lane = CF.h("div", { class: "lane", "data-stage": label }, CF.trajectoryHeader(t));
  if (t.error) CF.put(lane, CF.h("div", { class: "err", text: "error: " + t.error }));
  if (t.running) CF.put(lane, CF.h("div", { class: "banner warn", text: "still running (or cut short while running)" }));
  const steps = CF.h("ol", { class: "steps" }, (t.steps || []).map((s) => CF.step(s, href)));
  CF.put(lane, steps);
  if (t.result) CF.put(lane, CF.lazy("result", () => CF.pre(JSON.stringify(t.result, null, 1), "output")));
  if (href) CF.put(lane, CF.h("div", { class: "small" }, "full record (prompts included): ", CF.link(href, t.file)));
  return lane;
};

CF.step = function (s, href) {
  const badges = [CF.h("span", { class: "call", text: "call " + s.call })];
  if (s.format_error) badges.push(CF.badge("format re-ask", "warn"));
  if (s.rejected) badges.push(CF.badge("edit rejected", "bad"));
  if (s.observed === false) badges.push(CF.badge("not observed", "warn"));
  const edits = s.reply ? CF.editBlocks(s.reply) : 0;
  if (edits) badges.push(CF.badge(edits + " edit block(s)", "none"));
  if (s.before && s.after) badges.push(` before ${CF.exitText(s.before)} → after ${CF.exitText(s.after)}`);
  else if (s.run) badges.push(` script ${CF.exitText(s.run)}`);
  const li = CF.h("li", { class: "step" + (s.format_error ? " reask" : ""), "data-call": s.call,
    "data-format-error": s.format_error ? "1" : "0" }, CF.h("div", { class: "stephead" }, badges));
  CF.put(li, s.reply === null || s.reply === undefined ? CF.missing("the reply of this call")
    : CF.lazy(["model reply · " + CF.chars(CF.size(s.reply))], () => CF.h("div", {}, CF.capNote(s.reply, href), CF.reply(s.reply)), { "data-part": "reply" }));
  if (s.reask) CF.put(li, CF.lazy("re-asked: " + CF.clip(CF.text(s.reask).split("\n")[0], 100), () => CF.pre(s.reask, "reask")));
  if (s.rejected) CF.put(li, CF.h("div", { class: "err", text: "rejected: " + CF.text(s.rejected) }));
  if (s.problem) CF.put(li, CF.h("div", { class: "warn", "data-part": "problem", text: "format problem: " + CF.text(s.problem) }));
  if (s.notes) CF.put(li, CF.h("ul", { class: "notes", "data-part": "notes" }, s.notes.map((n) => CF.h("li", { text: CF.text(n) }))));
  CF.put(li, CF.run("script run", s.run, href));
  CF.put(li, CF.run("before (unedited)", s.before, href));
  CF.put(li, CF.run("after (edited)", s.after, href));
  if (s.patch !== undefined) CF.put(li, CF.lazy("patch after this step · " + CF.chars(CF.size(s.patch)), () => CF.diff(s.patch), { "data-part": "patch" }));
  if (s.runs) CF.put(li, CF.h("div", { class: "runs" }, Object.entries(s.runs).map(([col, r]) => CF.run(col, r, href))));
  if (s.observation) CF.put(li, CF.lazy("observation", () => CF.pre(s.observation, "output")));
  if (s.extra) CF.put(li, CF.lazy("other step data", () => CF.pre(JSON.stringify(s.extra, null, 1), "output")));
  return li;
};

CF.exitText = (run) => (run.timed_out ? "timeout" : String(run.exit_code));

CF.pairCard = function (p, inst, open) {
  const cand = p.candidate ? inst.candidates.find((c) => c.id === p.candidate) : null;
  const head = [CF.h("strong", { text: "pair " + p.pair }), " "];
  if (p.skipped) head.push(CF.badge("skipped (--stop-when-agree)", "none"));
  else if (p.status) head.push(CF.badge(p.status, p.status === "submitted" ? "good" : "warn"));
  else head.push(CF.badge(p.has_record ? "no status" : "no candidates.jsonl record", "none"));
  if (p.before !== undefined && p.before !== null) head.push(` before ${p.before} → after ${p.after}`);
  if (p.candidate) head.push(" · candidate ", CF.h("span", { class: "mono", text: p.candidate }));
  if (cand && cand.winner) head.push(" ", CF.badge("winner", "good"));
  if (cand && cand.resolved !== undefined && cand.resolved !== null) head.push(" ", CF.yesNo(cand.resolved, "resolves", "does not resolve"));
  const details = CF.h("details", { class: "pair", "data-pair": p.pair }, CF.h("summary", {}, head));
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    if (p.skipped) { CF.put(details, CF.h("div", { class: "note", text: "never launched: enough candidates agreed (early_stop.json)" })); return; }
    CF.put(details, CF.h("div", { class: "timeline" },
      CF.trajectory(p.testing, inst.id, "testing"), CF.trajectory(p.editing, inst.id, "editing")));
  };
  details.addEventListener("toggle", () => details.open && build());
  if (open) { details.open = true; build(); }
  return details;
};
