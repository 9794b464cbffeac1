"""Ensembling: read submissions and codefix runs, build per-instance candidate pools, optionally
select one candidate per instance, and report what the ensemble could score and did.

Every skipped line or record is kept as an `IngestProblem` and shown; nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codefix.predictions import Prediction
from codefix.store import read_json, write_json

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
        write_json(store.instance_dir(iid) / "pool.json", {
            "instance_id": iid,
            "candidates": [c.model_dump() for c in pool.candidates],
            "dropped": [{"patch": d.patch, "sources": list(d.sources), "reason": d.reason} for d in pool.dropped],
        })


def select_all(ds, pools: dict, *, model, ledger, store, config, sandbox_factory_for: Callable | None = None,
               images=None) -> tuple[dict[str, str], dict[str, str]]:
    """Pick one candidate per instance with a pool (resumed from `<instance>/selection.json`) as
    `config` (a `codefix.stages.run_config.RunConfig`: its selection and sandbox) says;
    record each pick in `preds.jsonl` once. An instance whose selection fails is reported and
    skipped. Returns ({instance_id: candidate id}, {instance_id: error}). `images` (an
    ImageAcquirer) fetches missing instance images, each released after its instance."""
    from contextlib import nullcontext

    from codefix.errors import CodefixError
    from codefix.stages.solve import record_prediction

    preds_path = store.root / "preds.jsonl"
    chosen: dict[str, str] = {}
    failed: dict[str, str] = {}
    for iid, pool in pools.items():
        if not pool.candidates:
            continue
        try:
            with images.lease(ds.get(iid)) if images is not None and len(pool.candidates) > 1 else nullcontext():
                result = _select_one(ds, iid, pool, model, ledger, store, config, sandbox_factory_for, images)
        except CodefixError as exc:
            failed[iid] = f"{type(exc).__name__}: {exc}"
            logger.warning(f"{iid}: selection failed, no prediction: {failed[iid]}")
            continue
        chosen[iid] = str(result["winner"])
        logger.info(f"{iid}: picked {chosen[iid]} of {len(pool.candidates)} ({result.get('method', '')})")
        record_prediction(preds_path, Prediction(iid, ENSEMBLE_MODEL_NAME, result["patch"]))
    return chosen, failed


def _select_one(ds, iid, pool, model, ledger, store, config, sandbox_factory_for, images=None) -> dict:
    from codefix.stages.solve import plain, select
    from codefix.stages.wiring import checked_out
    from sandbox.backend_config import sandbox_factory

    out_dir = store.instance_dir(iid)
    result_path = out_dir / "selection.json"
    if result_path.is_file():
        return read_json(result_path)
    if len(pool.candidates) == 1:
        only = pool.candidates[0]
        result = {"winner": only.id, "patch": only.patch, "method": "only candidate"}
    else:
        inst, _ = checked_out(ds.get(iid), images)
        factory = (sandbox_factory_for(inst) if sandbox_factory_for
                   else sandbox_factory(inst, config.sandbox, images=images, parallel=config.selection.workers)[0])
        result = plain(select(inst, pool.candidates, model=model, ledger=ledger, sandbox_factory=factory,
                              out_dir=out_dir / "selection", config=config.selection))
    write_json(result_path, result)
    return result


def report_for(instance_ids, submissions, pools: dict, selected: dict[str, str] | None):
    """The ensemble report; pool figures only when some pool holds a candidate (patches known)."""
    from selection.ensemble_report import ensemble_report, member_labels

    with_patches = any(p.candidates for p in pools.values())
    return ensemble_report(instance_ids, member_labels(submissions),
                           pools=pools if with_patches else None, selected=selected)
