"""The context stage for one instance: enumerate, judge relevance, rank, pack, store.

Everything goes to context.json as it happens; a rerun reuses every finished decision and
ranking, so finished work never costs a second model call.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from codefix.core.errors import BudgetExceeded, RateLimited
from codefix.core.parallel import map_isolated

from agent.context.checkpoint import Checkpoint
from agent.context.config import ContextConfig, resolved
from agent.context.files import SourceFile, read_sources
from agent.context.packing import pack
from agent.context.ranking import merge_rankings, rank_once
from agent.context.recall import gold_recall
from agent.context.relevance import RelevanceDecision, file_window, judge_file
from agent.context.result import FINAL_STATUSES, ContextResult
from agent.models.context_window import count_text
from agent.issue_text import prompt_issue

MAX_CONSECUTIVE_ERRORS = 16
"""Model errors in a row after which the relevance scan stops (auth, server down)."""


def run_context_stage(
    instance, repo_dir: Path, *, relevance_model, ranking_model, ledger, out_path: Path,
    config: ContextConfig | None = None,
) -> ContextResult:
    """Run (or resume) the context stage of `instance` on the git checkout `repo_dir`."""
    config = resolved(config or ContextConfig())
    ckpt = Checkpoint.open(out_path, instance.instance_id, every=config.checkpoint_every)
    rec = ckpt.record
    settings = config.model_dump()
    if rec.get("status") in FINAL_STATUSES and _same_outcome(rec.get("config"), settings):
        return ContextResult.from_record(rec, ckpt.path)
    usage = rec.pop("usage", None)
    if usage and usage.get("totals", {}).get("calls"):
        rec.setdefault("earlier_usage", []).append(usage)
    rec.update(config=settings, base_commit=instance.base_commit, status="in_progress", message="")
    stage = _Stage(instance, Path(repo_dir), relevance_model, ranking_model, ledger, ckpt, config)
    try:
        return stage.run()
    finally:
        ckpt.record["usage"] = ledger.to_dict()
        ckpt.update()


RUNTIME_ONLY = ("concurrency", "checkpoint_every")
"""Settings that change how the stage runs, not what it produces."""


def _same_outcome(stored: dict | None, settings: dict) -> bool:
    if not isinstance(stored, dict):
        return False
    strip = lambda d: {k: v for k, v in d.items() if k not in RUNTIME_ONLY}  # noqa: E731
    return strip(stored) == strip(settings)


class _Stage:
    def __init__(self, instance, repo_dir, relevance_model, ranking_model, ledger, ckpt, config):
        self.instance, self.repo_dir, self.ledger, self.ckpt, self.config = instance, repo_dir, ledger, ckpt, config
        self.relevance_model, self.ranking_model = relevance_model, ranking_model
        self.issue = prompt_issue(instance.problem_statement or "").strip()

    def finish(self, status: str, message: str = "", **fields) -> ContextResult:
        self.ckpt.record["usage"] = self.ledger.to_dict()
        self.ckpt.update(status=status, message=message, **fields)
        return ContextResult.from_record(self.ckpt.record, self.ckpt.path)

    def run(self) -> ContextResult:
        if not self.issue:
            return self.finish("empty_issue", "the issue has no text: nothing to judge relevance against")
        sources = read_sources(
            self.repo_dir, self.instance.base_commit or None, languages=self.config.languages,
            extensions=self.config.extensions, max_file_bytes=self.config.max_file_bytes,
            exclude_tests=self.config.exclude_tests,
        )
        files, skipped = sources.files, sources.skipped
        self.existing = {f.path for f in files} | {s.path for s in skipped}
        self.ckpt.update(
            files={"read": len(files), "languages": sources.languages,
                   "skipped": [{"path": s.path, "reason": s.reason} for s in skipped]}
        )
        if not files:
            endings = "/".join(sources.extensions) or "source"
            return self.finish("empty_repo", f"no readable {endings} file at the base commit")
        texts = {f.path: f.text for f in files}
        outcome = self.judge_all(files)
        if outcome is not None:
            return outcome
        decisions = {p: RelevanceDecision.from_dict(d) for p, d in self.ckpt.record["relevance"].items() if p in texts}
        relevant = sorted(p for p, d in decisions.items() if d.status == "relevant")
        if not relevant:
            failed = sum(d.status == "failed" for d in decisions.values())
            return self.finish(
                "no_relevant_files", f"no file was judged relevant ({failed} answers unreadable)",
                ranking=[], packed=[], packed_tokens=0, recall=self.recall([], []),
            )
        listed = [{"path": p, "tokens": decisions[p].tokens, "summary": decisions[p].summary} for p in relevant]
        rankings = self.rank_all(listed)
        if isinstance(rankings, ContextResult):
            return rankings
        if not rankings:
            return self.finish("ranking_failed", "every ranking answer was unreadable or failed",
                               ranking=[], packed=[], packed_tokens=0, recall=self.recall(relevant, []))
        order = merge_rankings(rankings, relevant)
        named = {p for r in rankings for p in r}  # the rankings say how much is needed: no other file is packed
        count = lambda text: count_text(self.config.token_model, text)  # noqa: E731
        packed, left_out = pack([p for p in order if p in named], texts, self.config.budget_tokens, count,
                                skeleton_oversized=self.config.skeleton_oversized)
        left_out += [{"path": p, "reason": "no ranking listed it"} for p in order if p not in named]
        return self.finish(
            "done", ranking=order,
            packed=[{"path": f.path, "form": f.form, "tokens": f.tokens, "text": f.text} for f in packed],
            left_out=left_out, packed_tokens=sum(f.tokens for f in packed),
            recall=self.recall(relevant, [f.path for f in packed]),
        )

    def recall(self, relevant: list[str], packed: list[str]) -> dict | None:
        return gold_recall(self.instance.patch, relevant, packed, self.existing)

    def judge_all(self, files: list[SourceFile]) -> ContextResult | None:
        """Relevance for every file not decided yet; a result when the scan had to stop."""
        done = self.ckpt.record["relevance"]
        todo = [f for f in files if not (f.path in done and RelevanceDecision.from_dict(done[f.path]).finished)]
        window = file_window(self.relevance_model, self.issue, self.config)
        self.ckpt.update(relevance_window_tokens=window)
        stop = threading.Event()
        stopped: list[str] = []
        limited: list[RateLimited] = []
        state = {"errors_in_a_row": 0}

        def judge(file: SourceFile) -> RelevanceDecision | None:
            if stop.is_set():
                return None
            meta = {"instance_id": self.instance.instance_id, "path": file.path}
            try:
                return judge_file(self.relevance_model, self.issue, file, ledger=self.ledger, meta=meta, config=self.config,
                                  window=window)
            except BudgetExceeded as exc:
                stop.set()
                stopped.append(f"budget_exceeded: {exc}")
                return None
            except RateLimited as exc:  # infrastructure: raised below once the others have stopped
                stop.set()
                limited.append(exc)
                return None

        def on_done(out) -> None:
            decision = out.result
            if out.error is not None:
                decision = RelevanceDecision("error", error=f"{type(out.error).__name__}: {out.error}")
            if decision is None:
                return
            self.ckpt.set_decision(out.item.path, decision.to_dict())
            state["errors_in_a_row"] = state["errors_in_a_row"] + 1 if decision.status == "error" else 0
            if state["errors_in_a_row"] >= MAX_CONSECUTIVE_ERRORS and not stop.is_set():
                stop.set()
                stopped.append(f"model_errors: {MAX_CONSECUTIVE_ERRORS} model errors in a row, last: {decision.error}")

        try:
            map_isolated(judge, todo, self.config.concurrency, on_done=on_done)
        finally:
            self.ckpt.flush()
        if limited:
            raise limited[0]
        decided = sum(1 for f in files if f.path in done and done[f.path].get("status") != "error")
        progress = f"{decided}/{len(files)} files judged"
        if stopped:
            status, _, why = stopped[0].partition(": ")
            return self.finish(status, f"{why} ({progress}; rerun to resume)")
        errors = len(files) - decided
        if errors:
            return self.finish("incomplete", f"{errors} file(s) hit model errors ({progress}; rerun to retry them)")
        return None

    def rank_all(self, listed: list[dict]) -> list[list[str]] | ContextResult:
        """The configured number of rankings, reusing stored ones made of the same list."""
        key = hashlib.sha256(json.dumps(listed, sort_keys=True).encode()).hexdigest()[:16]
        stored = [r for r in self.ckpt.record.get("rankings", []) if r.get("of") == key and r.get("final")]
        rankings = stored[: self.config.rankings]
        for index in range(len(rankings), self.config.rankings):
            meta = {"instance_id": self.instance.instance_id, "ranking": index}
            try:
                r = rank_once(self.ranking_model, self.issue, listed, index, ledger=self.ledger, meta=meta, config=self.config)
            except BudgetExceeded as exc:
                self.ckpt.update(rankings=rankings)
                return self.finish("budget_exceeded", f"{exc} ({len(rankings)}/{self.config.rankings} rankings; rerun to resume)")
            rankings.append({"of": key, "index": index, "paths": r.paths, "dropped": r.dropped,
                             "attempts": r.attempts, "error": r.error,
                             "final": bool(r.paths) or r.error.startswith("malformed")})
            self.ckpt.update(rankings=rankings)
        return [r["paths"] for r in rankings if r["paths"]]
