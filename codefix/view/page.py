"""Build the view of a run: the run page's data for every instance, and each instance page's data
embedded as its own JSON block (parsed only when the page is opened) until the size cap is
reached. Instances left out are named in the page with the command that exports each alone
(`runs/<run>/view-<instance>.html`); problem and unresolved instances are embedded first."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from codefix.core.errors import InputError
from codefix.view.embed import data_block, json_for_script, packed_block, page_html
from codefix.core.run_layout import VIEW
from codefix.view.instance_data import Keys, instance_view
from codefix.view.run_data import cost_by_stage, funnel, instance_dirs, instance_row, outcome_counts, run_summary

FILE_LIMIT = 3000
"""Characters of one text (output, reply, patch) kept in view.html; the rest is linked."""
SERVED_LIMIT = 40_000
"""The same, for instance data served on demand and for a one-instance export."""
MAX_BYTES = 16 * 1024 * 1024
"""Size cap of view.html (the run page is always whole; instance data fills the rest)."""


@dataclass
class ViewStats:
    """What a build wrote: its size and which instances it embedded."""

    path: Path | None = None
    bytes: int = 0
    instances: int = 0
    embedded: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_data(run_dir: Path, mode: str, rows: list[dict] | None = None) -> dict:
    """The run page's data (`mode` "file" or "served")."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"run directory not found: {run_dir}")
    rows = rows if rows is not None else [safe_row(d) for d in instance_dirs(run_dir)]
    return {
        "format": 1,
        "mode": mode,
        "run": {"name": run_dir.name, "path": str(run_dir), "generated": time.strftime("%Y-%m-%d %H:%M:%S")},
        "summary": run_summary(run_dir, rows),
        "funnel": funnel(rows),
        "cost_by_stage": cost_by_stage(rows),
        "outcomes": outcome_counts(rows),
        "instances": rows,
    }


def safe_row(inst_dir: Path) -> dict:
    """`instance_row`, or a row that names the failure (a bug here must not hide the other instances)."""
    try:
        return instance_row(inst_dir)
    except Exception as exc:
        return {"id": inst_dir.name, "status": "unknown", "stage": None, "recall": None, "coverage": "unknown",
                "selected": False, "resolved": None, "eval_status": None, "pairs": 0, "candidates": None,
                "cost": None, "calls": None, "cost_by_stage": {}, "seconds": None, "error": "", "outcomes": {},
                "problems": [f"the view could not read this instance: {type(exc).__name__}: {exc}"]}


def safe_instance(inst_dir: Path, keys: Keys, *, limit: int, issue: str | None = None) -> dict:
    try:
        return instance_view(inst_dir, keys, limit=limit, issue=issue)
    except Exception as exc:
        return {"id": inst_dir.name, "problems": [f"the view could not read this instance: {type(exc).__name__}: "
                                                   f"{exc}", traceback.format_exc(limit=3)]}


def embed_order(rows: list[dict]) -> list[str]:
    """Instances most worth embedding first: with problems or errors, then unresolved, ungraded, resolved."""
    def weight(r: dict) -> int:
        if r["problems"] or r["error"]:
            return 0
        return {False: 1, None: 2, True: 3}[r["resolved"]]

    return [r["id"] for r in sorted(rows, key=lambda r: (weight(r), r["id"]))]


def build_view(run_dir: Path, keys: Keys, *, out: Path | None = None, max_bytes: int = MAX_BYTES,
               limit: int = FILE_LIMIT, only: str | None = None, issues: dict[str, str] | None = None) -> ViewStats:
    """Write `view.html` (or, with `only`, `view-<only>.html` holding that instance with a larger
    text limit) into the run directory or `out`; return what was written."""
    started = time.monotonic()
    run_dir = Path(run_dir)
    data = run_data(run_dir, "file")
    ids = [r["id"] for r in data["instances"]]
    if only is not None and only not in ids:
        raise InputError(f"{run_dir} has no instance {only!r}")
    issues = issues or {}
    order = [only] if only is not None else embed_order(data["instances"])
    blocks, embedded, used = [], set(), 0
    budget = max_bytes - len(json_for_script(data)) - 300_000  # the template, CSS and JS take the rest
    # (the run page's data grows by the two keys set below, a few dozen bytes per instance)
    budget -= 60 * len(ids)
    for iid in order:
        text = packed_block(f"codefix-instance-{ids.index(iid)}",
                          safe_instance(run_dir / iid, keys, limit=limit, issue=issues.get(iid)))
        if only is None and used + len(text.encode("utf-8")) > budget:
            continue
        blocks.append(text)
        embedded.add(iid)
        used += len(text.encode("utf-8"))
    for row in data["instances"]:
        row["embedded"] = row["id"] in embedded
        row["export"] = f"view-{row['id']}.html" if (run_dir / f"view-{row['id']}.html").is_file() else None
    data["size_cap"] = {"max_bytes": max_bytes, "left_out": len(ids) - len(embedded), "only": only,
                        "text_limit": limit}
    html_text = page_html(f"codefix view: {run_dir.name}", [data_block("codefix-run", data)], blocks)
    target = Path(out) if out else run_dir / (VIEW if only is None else f"view-{only}.html")
    from codefix.core.store import atomic_write_text

    atomic_write_text(target, html_text)
    return ViewStats(path=target, bytes=len(html_text.encode("utf-8")), instances=len(ids),
                     embedded=sorted(embedded), left_out=sorted(set(ids) - embedded),
                     seconds=time.monotonic() - started)
