"""The run page's data: which instances a run holds and, per instance, one table row (status,
resolved, candidates, cost, time, error, problems), then the funnel, the cost by stage and by
instance, the outcome counts and what kind of run it is (solve, batch — finished or still running —,
ensemble). Coverage comes from the report's own reader (`codefix.reporting.collect`), so the
view and `codefix report` agree; an instance it cannot read gets its coverage unknown and the
problem named."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.view.artefacts import Problems, as_dict, as_list, as_number, read_dict, read_rows
from codefix.view.pairs import trajectory_files

MARKS = (layout.CONTEXT, layout.SOLVE, layout.CANDIDATES, layout.LEDGER, layout.EVAL, layout.SELECTION,
         layout.BATCH_STATUS, layout.POOL, layout.TRAJECTORIES)
STAGES = ("relevance", "ranking", "testing", "editing", "selection")
RUN_MARKS = (layout.RUN_CONFIG, layout.PREDICTIONS, layout.BATCH_SUMMARY, layout.EVAL_SUMMARY, layout.ENSEMBLE_REPORT,
             layout.REPORT)
"""Files a run directory holds besides its instance folders."""


def not_a_run(path: Path) -> str | None:
    """Why `path` must not get a view.html (it holds things but no codefix run: writing there
    would overwrite or litter someone else's folder), or None. An empty folder, and one holding
    only a view codefix wrote, may be viewed (an empty run)."""
    path = Path(path)
    if any((path / m).is_file() for m in RUN_MARKS) or instance_dirs(path):
        return None
    others = sorted(p.name for p in path.iterdir() if not p.name.startswith(".") and not _own_view(p))
    if not others:
        return None
    return (f"{path} is not a codefix run (no instance folder, config.yaml, preds.jsonl or batch.json; it holds "
            f"{', '.join(others[:3])}{', …' if len(others) > 3 else ''}): nothing written")


def _own_view(path: Path) -> bool:
    if path.name != layout.VIEW or not path.is_file():
        return False
    with path.open("rb") as fh:
        return b"<title>codefix view: " in fh.read(4096)


def instance_dirs(run_dir: Path) -> list[Path]:
    """Every folder of the run holding any codefix artefact of an instance."""
    return sorted(d for d in Path(run_dir).iterdir()
                  if d.is_dir() and not d.name.startswith(".") and any((d / m).exists() for m in MARKS))


def instance_row(inst_dir: Path) -> dict:
    """One instance's row of the run table."""
    problems = Problems(inst_dir)
    solve = read_dict(inst_dir / layout.SOLVE, problems)
    batch = read_dict(inst_dir / layout.BATCH_STATUS, problems)
    ledger = read_dict(inst_dir / layout.LEDGER, problems)
    evaluation = read_dict(inst_dir / layout.EVAL, problems)
    context = read_dict(inst_dir / layout.CONTEXT, problems)
    chosen = read_dict(inst_dir / layout.SELECTION, problems)
    rows = read_rows(inst_dir / layout.CANDIDATES, problems)
    files, _ = trajectory_files(inst_dir / layout.TRAJECTORIES)
    coverage, outcomes = _report_row(inst_dir, files, problems)
    totals = as_dict(as_dict(ledger).get("totals"))
    by_stage = {s: as_number(as_dict(u).get("cost")) or 0.0 for s, u in as_dict(as_dict(ledger).get("by_stage")).items()}
    status = as_dict(batch).get("status") or as_dict(solve).get("status") or ("selected" if chosen else "unknown")
    error = as_dict(batch).get("error") or ""
    if not error and solve and as_dict(solve).get("complete") is False:
        error = "cut short: " + ", ".join(map(str, as_list(solve.get("unfinished"))))
    if evaluation is not None and evaluation.get("status") not in (None, "resolved", "unresolved"):
        outcomes[f"eval: {evaluation.get('status')}"] += 1
    return {
        "id": inst_dir.name,
        "status": status,
        "stage": as_dict(batch).get("stage") if as_dict(batch).get("status") == "running" else None,
        "recall": as_number(as_dict(as_dict(context).get("recall")).get("recall")),
        "coverage": coverage,
        "selected": bool(as_dict(solve).get("patch") or as_dict(chosen).get("patch")),
        "resolved": None if evaluation is None or evaluation.get("status") == "error" else bool(evaluation.get("resolved")),
        "eval_status": as_dict(evaluation).get("status"),
        "pairs": len(set(files) | {int(r["pair"]) for r in rows or [] if isinstance(r.get("pair"), int)}),
        "candidates": as_number(as_dict(solve).get("candidates")) if solve and "candidates" in solve
        else len(as_list(as_dict(chosen).get("ranking"))) or None,
        "cost": as_number(totals.get("cost")),
        "calls": as_number(totals.get("calls")),
        "cost_by_stage": by_stage,
        "seconds": as_number(as_dict(batch).get("seconds")),
        "error": error,
        "outcomes": dict(outcomes),
        "problems": list(problems),
    }


def _report_row(inst_dir: Path, files: dict, problems: Problems) -> tuple[object, Counter]:
    """(coverage, trajectory outcomes): coverage as `codefix report` defines it (True / False /
    "unknown"), read by the report's own reader; when that fails (coverage "unknown") or names a
    damaged trajectory (coverage as the report has it), every trajectory is read tolerantly so
    the damaged ones are named here too."""
    from codefix.reporting.collect import collect_instance

    outcomes: Counter = Counter()
    coverage: object = "unknown"
    failure = None
    if not problems:
        try:
            row = collect_instance(inst_dir)
        except Exception as exc:  # damaged or of a shape the report cannot read: named below or here
            failure = f"{type(exc).__name__}: {exc}"
        else:
            if not any(t["status"] == "damaged" for t in row["trajectories"]):
                for t in row["trajectories"]:
                    outcomes[f"{t['stage']}: {t['status']}"] += 1
                return row["coverage"], outcomes
            coverage = row["coverage"]  # the report names a damaged trajectory and goes on: name it here too
    before = len(problems)
    for machines in files.values():
        for machine, path in machines.items():
            record = read_dict(path, problems)
            if record is not None:
                outcomes[f"{record.get('stage') or machine}: {record.get('status')}"] += 1
    if failure and len(problems) == before:
        problems.add(inst_dir, f"the report cannot read this instance ({failure})")
    return coverage, outcomes


def funnel(rows: list[dict]) -> list[dict]:
    """The stage funnel as counts: instances → full context recall → covered → selected → resolved;
    each step with how many instances are known for it."""
    recalls = [r["recall"] for r in rows if r["recall"] is not None]
    covered = [r["coverage"] for r in rows if isinstance(r["coverage"], bool)]
    graded = [r["resolved"] for r in rows if r["resolved"] is not None]
    n = len(rows)
    return [
        {"key": "instances", "label": "instances", "count": n, "known": n},
        {"key": "recall", "label": "context recall (all gold files packed)", "count": sum(1 for v in recalls if v >= 1.0),
         "known": len(recalls), "mean": (sum(recalls) / len(recalls)) if recalls else None},
        {"key": "coverage", "label": "coverage (a candidate resolves)", "count": sum(covered), "known": len(covered)},
        {"key": "selected", "label": "selected (a patch was chosen)", "count": sum(1 for r in rows if r["selected"]), "known": n},
        {"key": "resolved", "label": "resolved (the chosen patch)", "count": sum(graded), "known": len(graded)},
    ]


def cost_by_stage(rows: list[dict]) -> dict[str, float]:
    totals: Counter = Counter()
    for r in rows:
        for stage, cost in r["cost_by_stage"].items():
            totals[stage] += cost
    return {s: totals[s] for s in STAGES if s in totals} | {s: v for s, v in totals.items() if s not in STAGES}


def run_summary(run_dir: Path, rows: list[dict]) -> dict:
    """Run-level facts: the kind of run, batch progress, ensemble members, run-level problems."""
    run_dir = Path(run_dir)
    problems = Problems(run_dir)
    batch = read_dict(run_dir / layout.BATCH_SUMMARY, problems)
    ensemble = read_dict(run_dir / layout.ENSEMBLE_REPORT, problems)
    evals = read_dict(run_dir / layout.EVAL_SUMMARY, problems)
    preds = read_rows(run_dir / layout.PREDICTIONS, problems)
    statuses = Counter(r["status"] for r in rows)
    in_batch = batch is not None or any((run_dir / r["id"] / layout.BATCH_STATUS).is_file() for r in rows)
    kind = "ensemble" if ensemble is not None else "batch" if in_batch else "solve" if rows else "empty"
    if kind == "solve" and evals is not None and all(r["status"] == "unknown" and not r["pairs"] for r in rows):
        kind = "evaluation"  # `codefix evaluate --run-id`: grades only
    summary = {"kind": kind, "statuses": dict(statuses), "predictions": None if preds is None else len(preds),
               "batch": batch, "evaluated": as_dict(evals) or None}
    if kind == "batch" and batch is None:
        running = statuses.get("running", 0)
        summary["in_progress"] = (f"batch still running or interrupted: no batch.json yet; {running} instance(s) "
                                  f"running, {statuses.get('done', 0)} done")
    if ensemble is not None:
        summary["ensemble"] = {k: ensemble.get(k) for k in ("members", "coverage", "selected", "random_candidate",
                                                             "distinct_candidates", "problems", "selection_failures")
                               if k in ensemble}
    if not rows:
        problems.append("no instance folders found in this run directory")
    summary["problems"] = list(problems)
    return summary


def outcome_counts(rows: list[dict]) -> dict[str, int]:
    total: Counter = Counter()
    for r in rows:
        total.update(r["outcomes"])
        if r["problems"]:
            total["damaged or unreadable artefacts"] += len(r["problems"])
    return dict(sorted(total.items()))
