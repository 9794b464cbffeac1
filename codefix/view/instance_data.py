"""Everything the instance page shows, read from `runs/<run>/<instance>/`: the issue, the context,
each pair's timeline, the candidates, the voting matrix, the selection trajectory and winner,
the evaluation, spend and status, and every problem met on the way (missing pieces stay None)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.candidate_rows import ID, TEST_ID, with_ids
from codefix.view.artefacts import Problems, as_dict, as_list, read_dict, read_rows
from codefix.view.candidates_view import candidates_view
from codefix.view.capping import cap
from codefix.view.context_view import context_view
from codefix.view.pairs import pair_records, pairs_view
from codefix.view.timeline import timeline
from codefix.view.voting_matrix import voting_matrix

ISSUE_TAG = re.compile(r"<issue>\s*(.*?)\s*</issue>", re.S)


@dataclass(frozen=True)
class Keys:
    """How candidates and tests are identified (the selection stage's ids), passed in by the caller."""

    candidate: Callable[[str], str]
    """Patch text → candidate id (for patches stored without one: pools, grades, legacy rows)."""
    script: Callable[[str], str]
    """Test script text → test id (as in votes.jsonl), for candidates rows stored without one."""
    normalize: Callable[[str], str] = lambda patch: patch  # noqa: E731
    """Patch text → the normalized text candidates are compared by (shown on the page)."""


def selection_dir(inst_dir: Path, chosen: dict | None) -> Path | None:
    """Where the selection stage kept its votes and trajectory: `selection/` itself (ensembles) or
    the `selection/<key>/` whose selection.json names the same winner (else the newest key)."""
    base = inst_dir / layout.SELECTION_DIR
    if not base.is_dir():
        return None
    if (base / layout.VOTES).is_file() or (base / layout.TRAJECTORIES).is_dir():
        return base
    keys = [d for d in base.iterdir() if d.is_dir()]
    winner = as_dict(chosen).get("winner")
    for d in keys:
        stored = read_dict(d / layout.SELECTION, Problems(inst_dir))
        if winner and as_dict(stored).get("winner") == winner:
            return d
    return max(keys, key=lambda d: d.stat().st_mtime, default=None)


def instance_view(inst_dir: Path, keys: Keys, *, limit: int, issue: str | None = None) -> dict:
    inst_dir = Path(inst_dir)
    problems = Problems(inst_dir)
    read = {name: read_dict(inst_dir / name, problems) for name in (
        layout.SOLVE, layout.BATCH_STATUS, layout.CONTEXT, layout.SELECTION, layout.EVAL, layout.LEDGER,
        layout.EARLY_STOP, layout.POOL)}
    rows = with_ids(read_rows(inst_dir / layout.CANDIDATES, problems) or [], keys.candidate, keys.script)
    records = pair_records(rows)
    solve, chosen = as_dict(read[layout.SOLVE]), read[layout.SELECTION]
    skipped = as_list(solve.get("skipped_pairs")) or as_list(as_dict(read[layout.EARLY_STOP]).get("skipped_pairs"))
    pairs, others = pairs_view(inst_dir, records, skipped, limit=limit, problems=problems)
    pool = read[layout.POOL]
    grades = _grades(inst_dir, keys, problems, solve, read[layout.EVAL])
    if pool is not None:
        pooled = [as_dict(c) for c in as_list(pool.get("candidates"))]
        proposals = [(c.get("id"), c.get("patch"), ", ".join(map(str, as_list(c.get("sources"))))) for c in pooled]
        members = {c["id"]: [str(s) for s in as_list(c.get("sources"))] for c in pooled if isinstance(c.get("id"), str)}
    else:
        proposals = [(as_dict(r).get(ID), as_dict(r).get("patch"), f"pair {pid}") for pid, r in sorted(records.items())]
        members = None
    candidates = candidates_view(proposals, as_dict(chosen), grades, limit=limit, members=members,
                                 normalize=keys.normalize)
    sel_dir = selection_dir(inst_dir, chosen)
    test_labels = {}
    for pid, rec in sorted(records.items()):
        if rec.get(TEST_ID):
            test_labels.setdefault(str(rec[TEST_ID]), f"pair {pid}")
    votes = None
    sel_traj = None
    if sel_dir is not None:
        vote_rows = read_rows(sel_dir / layout.VOTES, problems)
        votes = voting_matrix(vote_rows or [], [c["id"] for c in candidates], test_labels)
        traj_path = sel_dir / layout.TRAJECTORIES / layout.SELECTION_TRAJECTORY
        record = read_dict(traj_path, problems)
        if record is not None:
            sel_traj = {"file": traj_path.relative_to(inst_dir).as_posix(), **timeline(record, limit=limit)}
        elif traj_path.is_file():
            sel_traj = {"file": traj_path.relative_to(inst_dir).as_posix(), "damaged": problems[-1]}
    return {
        "id": inst_dir.name,
        "issue": _issue(issue, inst_dir, limit),
        "solve": _without(solve, "patch") if read[layout.SOLVE] is not None else None,
        "batch": read[layout.BATCH_STATUS],
        "ledger": _ledger(read[layout.LEDGER]),
        "context": context_view(read[layout.CONTEXT]) if read[layout.CONTEXT] is not None else None,
        "generation": generation_settings(inst_dir, problems),
        "early_stop": _without(as_dict(read[layout.EARLY_STOP]), "cross_runs") if read[layout.EARLY_STOP] else None,
        "pairs": pairs,
        "other_trajectory_files": others,
        "candidates": candidates,
        "dropped": [as_dict(d) | {"patch": cap(as_dict(d).get("patch"), limit)} for d in as_list(as_dict(pool).get("dropped"))],
        "votes": votes,
        "selection": _selection(chosen, sel_traj),
        "evaluation": _evaluation(read[layout.EVAL], limit),
        "files": sorted(p.relative_to(inst_dir).as_posix() for p in inst_dir.rglob("*")
                        if p.is_file() and not p.name.startswith(".")),
        "problems": list(problems),
    }


def _grades(inst_dir: Path, keys: Keys, problems: Problems, solve: dict, evaluation: dict | None) -> dict[str, bool]:
    """Candidate id → resolved, from eval.json (the chosen patch) and grades/*.json; errors grade nothing."""
    out = {}
    reports = [(evaluation, True)] + [(read_dict(p, problems), False)
                                      for p in sorted((inst_dir / layout.GRADES_DIR).glob("*.json"))]
    for report, is_eval in reports:
        report = as_dict(report)
        patch = report.get("model_patch", report.get("patch"))
        if patch is None and is_eval:
            patch = solve.get("patch")
        if isinstance(patch, str) and patch.strip() and report.get("status") != "error" and "resolved" in report:
            out[keys.candidate(patch)] = bool(report.get("resolved"))
    return out


def generation_settings(inst_dir: Path, problems: Problems) -> dict | None:
    """The generation settings the instance ran with: the `generation:` section of the run's
    `config.yaml`, or the `generation_config.json` an older run wrote next to its candidates."""
    legacy = inst_dir / layout.LEGACY_GENERATION_CONFIG
    if legacy.is_file():
        return read_dict(legacy, problems)
    config = inst_dir.parent / layout.RUN_CONFIG
    if not config.is_file():
        return None
    import yaml

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.add(config, f"unreadable: {type(exc).__name__}")
        return None
    section = data.get("generation") if isinstance(data, dict) else None
    return section if isinstance(section, dict) else None


def _issue(given: str | None, inst_dir: Path, limit: int) -> dict | None:
    """The issue from the dataset when given, else as the testing machine was shown it."""
    if given:
        return {"text": cap(given, 4 * limit), "source": "dataset"}
    found = issue_from_prompt(inst_dir)
    return {"text": cap(found, 4 * limit), "source": "prompt"} if found else None


def issue_from_prompt(inst_dir: Path) -> str | None:
    """The issue as the testing machine was shown it (`<issue>…</issue>` of its first prompt)."""
    problems = Problems(inst_dir)
    for path in sorted((inst_dir / layout.TRAJECTORIES).glob(layout.pair_trajectory("*", "testing")))[:3]:
        record = read_dict(path, problems)
        for message in as_list(as_dict(record).get("messages")):
            content = as_dict(message).get("content")
            match = ISSUE_TAG.search(content) if isinstance(content, str) else None
            if match:
                return match.group(1)
    return None


def _ledger(ledger: dict | None) -> dict | None:
    if ledger is None:
        return None
    return {"by_stage": as_dict(ledger.get("by_stage")), "totals": as_dict(ledger.get("totals")),
            "budget_usd": ledger.get("budget_usd"), "calls": len(as_list(ledger.get("calls")))}


def _selection(chosen: dict | None, trajectory: dict | None) -> dict | None:
    if chosen is None and trajectory is None:
        return None
    chosen = as_dict(chosen)
    keep = ("winner", "method", "machine_status", "calls", "cost", "finalists", "votes")
    return {**{k: chosen.get(k) for k in keep if k in chosen}, "stored": bool(chosen), "trajectory": trajectory}


def _evaluation(report: dict | None, limit: int) -> dict | None:
    if report is None:
        return None
    return {k: (cap(v, limit) if isinstance(v, str) else v) for k, v in report.items() if k != "model_patch"}


def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}
