"""Collect what a run stored (`runs/<run>/<instance>/...`) into one JSON-ready report: the stage
funnel (context recall → coverage → selected score), cost and tokens by stage, failures by kind
and coverage vs number of samples (unbiased pass@k over the generation pairs), also per cap on
the editing calls (codefix/reporting/iterations.py).

Coverage is only claimed from stored grades: a candidate resolves when its patch normalizes equal
to a patch an `eval.json` graded; when some candidate was never graded and none is known to
resolve, the instance's coverage is "unknown" rather than a guess.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.errors import CodefixWarning, DamagedArtefact, InputError
from codefix.core.ledger import journal_by_stage
from codefix.core.passk import mean_pass_at_k
from codefix.reporting.iterations import coverage_by_iterations, instance_iterations
from codefix.core.store import read_json
from codefix.reporting.rate_limits import add_rate_limits, instance_rate_limits

TOKEN_FIELDS = ("calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost")
STAGE_ORDER = ("relevance", "ranking", "testing", "editing", "selection")


def instance_dirs(run_dir: Path) -> list[Path]:
    """Every instance directory of a run (one holding any codefix artefact)."""
    if not run_dir.is_dir():
        raise InputError(f"run directory not found: {run_dir}")
    marks = (layout.CONTEXT, layout.SOLVE, layout.CANDIDATES, layout.LEDGER, layout.LEDGER_JOURNAL, layout.EVAL)
    return sorted(d for d in run_dir.iterdir() if d.is_dir() and any((d / m).exists() for m in marks))


def pair_ids(traj_dir: Path, candidates: dict[int, str]) -> list[int]:
    """Every pair of the instance: those with a candidate and those that left a trajectory (a
    pair that produced no patch has no candidate line but is still a sample)."""
    ids = set(candidates)
    for path in traj_dir.glob("*" + layout.TRAJECTORY_SUFFIX):
        head = path.name.split(".", 1)[0]
        if head.isdigit():
            ids.add(int(head))
    return sorted(ids)


def canonical_patch(patch: str) -> str:
    """`selection.normalize.normalized_or_text`: what grades and candidates are compared by."""
    from selection.normalize import normalized_or_text

    return normalized_or_text(patch)


def read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


def stored_grades(inst_dir: Path) -> dict[str, bool]:
    """Canonical patch → resolved, from every eval.json stored for the instance (the selected
    patch's, and candidate grades under grades/)."""
    grades: dict[str, bool] = {}
    solve = read_json(inst_dir / layout.SOLVE) if (inst_dir / layout.SOLVE).is_file() else {}
    evals = [inst_dir / layout.EVAL, *sorted((inst_dir / layout.GRADES_DIR).glob("*.json"))]
    for path in evals:
        if not path.is_file():
            continue
        report = read_json(path)
        patch = report.get("model_patch", report.get("patch"))
        if patch is None and path.name == layout.EVAL:
            patch = solve.get("patch")
        if patch is not None and report.get("status") not in ("error", "infra_failure"):  # they grade nothing
            grades[canonical_patch(patch or "")] = bool(report.get("resolved"))
    return grades


def collect_instance(inst_dir: Path) -> dict:
    """One instance's row of the report."""
    row: dict = {"instance_id": inst_dir.name}
    ctx = read_json(inst_dir / layout.CONTEXT) if (inst_dir / layout.CONTEXT).is_file() else {}
    recall = (ctx.get("recall") or {}).get("recall")
    row["context_status"] = ctx.get("status")
    row["recall"] = recall
    pairs = read_jsonl(inst_dir / layout.CANDIDATES)
    candidates = candidate_patches(pairs)
    ids = pair_ids(inst_dir / layout.TRAJECTORIES, candidates)  # a pair without a patch is a failed sample
    grades = stored_grades(inst_dir)
    known = []  # per pair: True / False / None (unknown)
    for pid in ids:
        patch = candidates.get(pid, "")
        known.append(False if not patch.strip() else grades.get(canonical_patch(patch)))
    row["samples"] = len(ids)
    row["resolving_samples"] = sum(1 for k in known if k)
    row["ungraded_samples"] = sum(1 for k in known if k is None)
    if not pairs:
        row["coverage"] = False if (inst_dir / layout.CANDIDATES).is_file() else "unknown"
    elif any(known):
        row["coverage"] = True
    else:
        row["coverage"] = "unknown" if None in known else False
    evaluation = read_json(inst_dir / layout.EVAL) if (inst_dir / layout.EVAL).is_file() else None
    infra = evaluation is not None and evaluation.get("status") == "infra_failure"  # no verdict, not unresolved
    row["selected"] = None if evaluation is None or infra else bool(evaluation.get("resolved"))
    row["eval_status"] = None if evaluation is None else evaluation.get("status")
    solve = read_json(inst_dir / layout.SOLVE) if (inst_dir / layout.SOLVE).is_file() else {}
    row["solve_status"] = solve.get("status")
    row["complete"] = solve.get("complete")
    row["skipped_pairs"] = list(solve.get("skipped_pairs") or [])
    by_stage = journal_by_stage(inst_dir)  # the journal: what was paid, also by killed runs
    if by_stage is None:
        by_stage = (read_json(inst_dir / layout.LEDGER) if (inst_dir / layout.LEDGER).is_file() else {}).get("by_stage", {})
    row["by_stage"] = by_stage
    row["rate_limits"] = instance_rate_limits(inst_dir)
    row["trajectories"] = _trajectories(inst_dir / layout.TRAJECTORIES)
    row["iterations"] = instance_iterations(inst_dir, candidates, ids, grades)
    return row


def candidate_patches(pairs: list[dict]) -> dict[int, str]:
    """Pair id → candidate patch, from candidates.jsonl records (a record without an id counts by position)."""
    return {int(p.get("pair", i)): p.get("patch") or "" for i, p in enumerate(pairs)}


def _trajectories(traj_dir: Path) -> list[dict]:
    out = []
    for path in sorted(traj_dir.glob("*" + layout.TRAJECTORY_SUFFIX)):
        try:
            data = read_json(path)
        except DamagedArtefact as exc:  # named in the report, as the viewer does; the run's report stands
            warnings.warn(str(exc), CodefixWarning, stacklevel=2)
            stage = path.name.split(".")[1] if path.name.count(".") >= 3 else None
            out.append({"file": path.name, "stage": stage, "status": "damaged", "error": str(exc), "calls": 0})
            continue
        out.append({"file": path.name, "stage": data.get("stage"), "status": data.get("status"),
                    "error": data.get("error") or "", "calls": data.get("calls", 0)})
    return out


def _rate(values: list) -> dict:
    """{"known": n, "yes": n, "unknown": n, "rate": yes/known or None}."""
    known = [v for v in values if isinstance(v, bool) or isinstance(v, float)]
    unknown = len(values) - len(known)
    yes = sum(1 for v in known if v is True or (isinstance(v, float) and v >= 1.0))
    return {"known": len(known), "yes": yes, "unknown": unknown,
            "rate": (yes / len(known)) if known else None}


def build_report(run_dir: Path) -> dict:
    """The whole run's report (JSON-ready)."""
    rows = [collect_instance(d) for d in instance_dirs(Path(run_dir))]
    if not rows:
        raise InputError(f"no instance artefacts under {run_dir}")
    recalls = [r["recall"] for r in rows if r["recall"] is not None]
    funnel = {
        "instances": len(rows),
        "context_recall": {"mean": (sum(recalls) / len(recalls)) if recalls else None,
                           "full": sum(1 for v in recalls if v >= 1.0), "known": len(recalls)},
        "coverage": _rate([r["coverage"] if isinstance(r["coverage"], bool) else None for r in rows]),
        "selected": _rate([r["selected"] for r in rows]),
    }
    stages: dict[str, dict] = {}
    for r in rows:
        for stage, usage in r["by_stage"].items():
            acc = stages.setdefault(stage, dict.fromkeys(TOKEN_FIELDS, 0))
            for f in TOKEN_FIELDS:
                acc[f] += usage.get(f, 0) or 0
    ordered = {s: stages[s] for s in STAGE_ORDER if s in stages} | {s: v for s, v in stages.items() if s not in STAGE_ORDER}
    total = {f: sum(v[f] for v in ordered.values()) for f in TOKEN_FIELDS}
    failures = Counter()
    for r in rows:
        for t in r["trajectories"]:
            failures[f"{t['stage']}: {t['status']}"] += 1
        if r["eval_status"] and r["eval_status"] != "resolved":
            failures[f"eval: {r['eval_status']}"] += 1
        if r["complete"] is False:
            failures["solve: incomplete"] += 1
        if r["skipped_pairs"]:
            failures["generation: pair skipped (--stop-when-agree)"] += len(r["skipped_pairs"])
    counts = [(r["samples"], r["resolving_samples"]) for r in rows if r["samples"]]
    max_n = max((n for n, _ in counts), default=0)
    passk = {"lower_bound": any(r["ungraded_samples"] for r in rows),
             "by_k": {k: mean_pass_at_k(counts, k) for k in range(1, max_n + 1)}}
    return {"run": str(run_dir), "funnel": funnel, "cost_by_stage": ordered, "cost_total": total,
            "rate_limits_by_stage": add_rate_limits([r.get("rate_limits", {}) for r in rows]),
            "trajectory_outcomes": dict(sorted(failures.items())), "coverage_at_k": passk,
            "coverage_at_k_by_iterations": coverage_by_iterations(rows), "instances": rows}
