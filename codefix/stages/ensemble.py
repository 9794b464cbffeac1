"""Ensembling: read submissions and codefix runs, build per-instance candidate pools, optionally
select one candidate per instance, and report what the ensemble could score and did.

Every skipped line or record is kept as an `IngestProblem` and shown; nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefix.core import run_layout as layout
from codefix.core.predictions import Prediction
from codefix.core.store import read_json, write_json

logger = logging.getLogger(__name__)

ENSEMBLE_MODEL_NAME = "codefix-ensemble"


@dataclass
class EnsembleInput:
    """The members read and everything skipped while reading them."""

    submissions: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def read_members(submission_dirs: Sequence[Path], codefix_runs: Sequence[Path], *, known) -> EnsembleInput:
    """Every submission directory (experiments layout) and codefix run, with their problems."""
    from selection.submissions import read_codefix_run, read_submission

    out = EnsembleInput()
    for directory in submission_dirs:
        sub = read_submission(Path(directory), known_instances=known)
        out.submissions.append(sub)
        out.problems.extend(sub.problems)
    for run in codefix_runs:
        sub = read_codefix_run(Path(run), known_instances=known)
        out.submissions.append(sub)
        out.problems.extend(sub.problems)
    return out


def write_pools(store, pools: dict) -> None:
    """Each instance's pool as `<instance>/pool.json`: every candidate with the members that proposed
    it (its sources) and every dropped patch with the reason, so a run shows who proposed what."""
    for iid, pool in pools.items():
        write_json(store.instance_dir(iid) / layout.POOL, {
            "instance_id": iid,
            "candidates": [c.model_dump() for c in pool.candidates],
            "dropped": [{"patch": d.patch, "sources": list(d.sources), "reason": d.reason} for d in pool.dropped],
        })


@dataclass
class EnsembleSelection:
    """What `select_all` picked and paid."""

    chosen: dict[str, str] = field(default_factory=dict)
    """Instance id → the picked candidate's id."""
    failed: dict[str, str] = field(default_factory=dict)
    """Instance id → why its selection failed (it has no prediction)."""
    ledger: Any = None
    """The run's selection ledger (`runs/<run>/ledger.json`, journaled)."""
    calls_this_run: int = 0


def select_all(session, ds, pools: dict, *, sandbox_factory_for: Callable | None = None) -> EnsembleSelection:
    """Pick one candidate per instance with a pool (resumed from `<instance>/selection.json`) with
    the session's model (`codefix.stages.run_session.RunSession`), as its config's selection and
    sandbox settings say, within its budget for the whole run; record each pick in the run's
    predictions once. An instance whose selection fails is reported and skipped. Its image is
    fetched when missing and released after it."""
    from contextlib import nullcontext

    from codefix.core.errors import CodefixError
    from codefix.core.ledger import Ledger
    from codefix.stages.solve import record_prediction

    store, images = session.store, session.images
    ledger = Ledger.open(store.root, session.config.budget)  # journaled: a kill loses no record of spending
    out = EnsembleSelection(ledger=ledger)
    calls_before = len(ledger.calls)
    try:
        for iid, pool in pools.items():
            if not pool.candidates:
                continue
            try:
                with images.lease(ds.get(iid)) if len(pool.candidates) > 1 else nullcontext():
                    result = _select_one(ds, iid, pool, session, ledger, sandbox_factory_for)
            except CodefixError as exc:
                out.failed[iid] = f"{type(exc).__name__}: {exc}"
                logger.warning(f"{iid}: selection failed, no prediction: {out.failed[iid]}")
                continue
            out.chosen[iid] = str(result["winner"])
            logger.info(f"{iid}: picked {out.chosen[iid]} of {len(pool.candidates)} ({result.get('method', '')})")
            record_prediction(session.predictions, Prediction(iid, ENSEMBLE_MODEL_NAME, result["patch"]))
    finally:
        write_json(store.root / layout.LEDGER, ledger.to_dict())
    out.calls_this_run = len(ledger.calls) - calls_before
    return out


def _select_one(ds, iid, pool, session, ledger, sandbox_factory_for) -> dict:
    from codefix.stages.solve import plain, select
    from codefix.stages.wiring import checked_out
    from selection.stage import ONLY_CANDIDATE

    config = session.config
    out_dir = session.store.instance_dir(iid)
    result_path = out_dir / layout.SELECTION
    if result_path.is_file():
        return read_json(result_path)
    if len(pool.candidates) == 1:
        only = pool.candidates[0]
        result = {"winner": only.id, "patch": only.patch, "method": ONLY_CANDIDATE}
    else:
        inst, _ = checked_out(ds.get(iid), session.backend)
        factory = (sandbox_factory_for(inst) if sandbox_factory_for
                   else session.sandboxes(inst, config.selection.workers))
        result = plain(select(inst, pool.candidates, model=session.primary, ledger=ledger,
                              sandbox_factory=factory, out_dir=out_dir / layout.SELECTION_DIR,
                              config=config.selection, apply_patch=session.backend.apply_patch))
    write_json(result_path, result)
    return result


def report_for(instance_ids, submissions, pools: dict, selected: dict[str, str] | None):
    """The ensemble report; pool figures only when some pool holds a candidate (patches known)."""
    from selection.ensemble_report import ensemble_report, member_labels

    with_patches = any(p.candidates for p in pools.values())
    return ensemble_report(instance_ids, member_labels(submissions),
                           pools=pools if with_patches else None, selected=selected)
