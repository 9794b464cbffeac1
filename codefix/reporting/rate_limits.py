"""Rate-limit figures of a run for `codefix report`: per stage, the refusals (429/529) the calls
met and the seconds they waited on the endpoint limiter, summed from the `limiter_refused` and
`limiter_waited` the model layer writes into each recorded call's meta (ledger journal, or
ledger.json for runs without one). Calls that never got through are not recorded: they end
their instance as an infrastructure failure (RateLimited), shown among the outcomes."""

from __future__ import annotations

from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.ledger_journal import JOURNAL_NAME, read_journal
from codefix.core.store import read_json


def instance_rate_limits(inst_dir: Path) -> dict[str, dict]:
    """{stage: {"refused": n, "waited": seconds}} of one instance's recorded calls (stages that met none left out)."""
    journal = Path(inst_dir) / JOURNAL_NAME
    if journal.is_file():
        calls = read_journal(journal).calls
    elif (Path(inst_dir) / layout.LEDGER).is_file():
        calls = read_json(Path(inst_dir) / layout.LEDGER).get("calls", [])
    else:
        calls = []
    return add_rate_limits([calls_by_stage(calls)])


def calls_by_stage(calls: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for call in calls:
        meta = call.get("meta") or {}
        refused, waited = int(meta.get("limiter_refused", 0) or 0), float(meta.get("limiter_waited", 0.0) or 0.0)
        if refused or waited:
            acc = out.setdefault(str(call.get("stage", "?")), {"refused": 0, "waited": 0.0})
            acc["refused"] += refused
            acc["waited"] += waited
    return out


def add_rate_limits(parts: list[dict[str, dict]]) -> dict[str, dict]:
    """Stage-wise sums of several {stage: {refused, waited}}."""
    out: dict[str, dict] = {}
    for part in parts:
        for stage, figures in part.items():
            acc = out.setdefault(stage, {"refused": 0, "waited": 0.0})
            acc["refused"] += int(figures.get("refused", 0))
            acc["waited"] = round(acc["waited"] + float(figures.get("waited", 0.0)), 3)
    return out
