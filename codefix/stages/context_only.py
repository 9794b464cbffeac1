"""The context stage alone for one instance (`codefix context`): the host checkout, then relevance,
ranking and packing into `context.json`, resumed file by file. Its ledger counts only this run's
calls (journaled as they happen); the budget is what earlier runs of the instance left."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codefix.core import run_layout as layout


@dataclass
class ContextRun:
    """What `context_instance` did."""

    result: Any
    """The context stage's `agent.context.result` (status, packed files, rankings)."""
    ledger: Any
    """This run's calls."""
    earlier_cost: float
    """USD earlier runs of the instance spent (on this stage when it never finished, else in total)."""
    path: Path
    """The instance's context.json."""


def context_instance(session, inst) -> ContextRun:
    """Run (or resume) the context stage of `inst` in `session` (`codefix.stages.run_session.RunSession`)."""
    from codefix.core.ledger import Ledger, journal_spent
    from codefix.core.ledger_journal import JOURNAL_NAME, Journal
    from codefix.stages.wiring import checked_out, run_context

    with session.images.lease(inst):
        inst, repo_dir = checked_out(inst, session.backend)
    out = session.store.artefact(inst.instance_id, layout.CONTEXT)
    instance_dir = session.store.instance_dir(inst.instance_id)
    earlier = max(spent_before(out, inst.instance_id), journal_spent(instance_dir))
    budget = session.config.budget
    ledger = Ledger(budget_usd=None if budget is None else max(0.0, budget - earlier),
                    journal=Journal(instance_dir / JOURNAL_NAME))
    result = run_context(inst, repo_dir, primary=session.primary, reader=session.reader, ledger=ledger, out_path=out,
                         config=session.config.context)
    return ContextRun(result, ledger, earlier, out)


def spent_before(out: Path, instance_id: str) -> float:
    """USD that unfinished earlier runs of this instance's context stage already spent."""
    from agent.context.checkpoint import Checkpoint
    from agent.context.result import FINAL_STATUSES

    record = Checkpoint.open(out, instance_id).record
    if record.get("status") in FINAL_STATUSES:
        return 0.0
    usages = [*record.get("earlier_usage", []), *([record["usage"]] if record.get("usage") else [])]
    return sum(float(u.get("totals", {}).get("cost", 0.0)) for u in usages)
