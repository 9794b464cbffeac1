"""The generation pairs of an instance: per pair its testing and editing trajectories as timelines,
its `candidates.jsonl` record (status, before/after exit codes) and its candidate id; pairs skipped
by `--stop-when-agree` are listed as skipped. Trajectory files that are not `<pair>.<machine>.traj.json`
(e.g. set aside as damaged by a newer codefix) are listed by name."""

from __future__ import annotations

from pathlib import Path

from codefix.core.candidate_rows import ID
from codefix.core.run_layout import TRAJECTORIES
from codefix.view.artefacts import Problems, as_dict, read_dict
from codefix.view.capping import cap
from codefix.view.timeline import timeline


def trajectory_files(traj_dir: Path) -> tuple[dict[int, dict[str, Path]], list[str]]:
    """({pair: {machine: path}}, names of other files in the folder)."""
    by_pair: dict[int, dict[str, Path]] = {}
    others = []
    if not traj_dir.is_dir():
        return by_pair, others
    for path in sorted(traj_dir.iterdir()):
        parts = path.name.split(".")
        if path.is_file() and len(parts) == 4 and parts[0].isdigit() and parts[2:] == ["traj", "json"]:
            by_pair.setdefault(int(parts[0]), {})[parts[1]] = path
        elif not path.name.startswith("."):
            others.append(path.name)
    return by_pair, others


def pair_records(rows: list[dict]) -> dict[int, dict]:
    """Pair id → its candidates.jsonl record (a record without `pair` counts by position)."""
    out = {}
    for i, row in enumerate(rows):
        try:
            out[int(row.get("pair", i))] = row
        except (TypeError, ValueError):
            continue
    return out


def pairs_view(inst_dir: Path, records: dict[int, dict], skipped: list, *, limit: int,
               problems: Problems) -> tuple[list[dict], list[str]]:
    """(one entry per pair, other trajectory file names); each record carries its candidate id
    (`codefix.core.candidate_rows`)."""
    files, others = trajectory_files(inst_dir / TRAJECTORIES)
    skipped_ids = {int(p) for p in skipped if isinstance(p, int) or str(p).isdigit()}
    ids = sorted(set(records) | set(files) | skipped_ids)
    out = []
    for pid in ids:
        rec = as_dict(records.get(pid))
        patch = rec.get("patch") if isinstance(rec.get("patch"), str) else ""
        entry: dict = {
            "pair": pid,
            "status": rec.get("status"),
            "before": rec.get("before"),
            "after": rec.get("after"),
            "candidate": str(rec.get(ID) or "") if patch.strip() else "",
            "has_record": pid in records,
            "skipped": pid in skipped_ids and pid not in files,
        }
        for machine, path in sorted(files.get(pid, {}).items()):
            data = read_dict(path, problems)
            if data is None:
                entry[machine] = {"file": path.name, "damaged": problems[-1] if problems else "unreadable"}
            else:
                entry[machine] = {"file": path.name, **timeline(data, limit=limit)}
        if rec.get("test"):
            entry["test"] = cap(rec["test"], limit)
        out.append(entry)
    return out, others
