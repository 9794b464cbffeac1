"""One instance's job in a batch: everything it needs (picklable, for Ray), where its artefacts
go, and running it with its failure isolated and recorded in its status (`batch_status`)."""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codefix.core import run_layout as layout
from codefix.stages.batch_status import instance_spent, is_infrastructure, read_status, status_path
from codefix.core.store import RunStore, write_json

@dataclass
class BatchJob:
    """Everything one instance's run needs; picklable, so a Ray task can take it."""

    instance: Any
    dataset_name: str
    run_root: str
    run_config: dict
    """The run's `RunConfig` (`codefix.stages.run_config`) as a dict."""
    budget_usd: float | None
    """The instance's cap: its earlier spend plus what the batch budget had left when scheduled."""
    gate: Any = None
    """The run-wide budget gate every paid call passes before it is sent (`codefix.core.budget_gate`;
    on Ray a proxy of its actor), or None without a budget."""
    env: dict = field(default_factory=dict)
    evaluate: bool = False
    """Grade the chosen patch before the image is released (eval.json in the instance's folder)."""
    eval_network: bool = True
    """Whether grading sandboxes have the network (the official harness's way)."""


def prediction_path(run_root: Path, instance_id: str) -> Path:
    """Where a batch instance's job records its prediction: `<run>/<instance>/prediction/preds.jsonl`,
    so parallel jobs never share a file (the driver gathers them into `<run>/preds.jsonl`)."""
    return RunStore(Path(run_root).parent, Path(run_root).name).instance_dir(instance_id) / \
        layout.PREDICTION_DIR / layout.PREDICTIONS


def run_instance(job: BatchJob, backend=None) -> dict:
    """Run (or resume) `solve` for one instance; never raises for the instance's own failures:
    returns (and stores) its status record. `backend` is the batch's shared sandbox backend; without
    one (a Ray task) the job opens its own from the run config's `sandbox`. One process at a time works
    on an instance: a second one (a duplicated task) is refused without touching the first one's
    records."""
    from codefix.core.run_lock import RunInUse, RunLock

    os.environ.update(job.env)
    iid = job.instance.instance_id
    try:
        with RunLock(Path(job.run_root) / iid, f"instance {iid} of run {Path(job.run_root).name}"):
            return _run_instance(job, backend)
    except RunInUse as exc:
        return {"instance_id": iid, "status": "infra_error", "error": str(exc), "traceback": None,
                "spent": instance_spent(Path(job.run_root), iid)}


ENGINE_MOVES = 2
"""Times an instance whose engine stopped answering is moved to another engine of a pool and
resumed there (its finished work kept: solve resumes from its artefacts)."""


def _on_a_live_engine(attempt, backend, inst, rec: dict):
    """`attempt()` under the instance's image lease; when it ends cut short or raises a
    SandboxError and the backend moved the instance off a dead engine (`backend.moved`), again on
    the new one (`rec["engine_moves"]` counts it), at most ENGINE_MOVES times."""
    from codefix.core.errors import SandboxError

    for tries in range(ENGINE_MOVES + 1):
        try:
            with backend.images.lease(inst):
                outcome = attempt()
        except SandboxError:
            if tries < ENGINE_MOVES and backend.moved(inst):
                rec["engine_moves"] = rec.get("engine_moves", 0) + 1
                continue
            raise
        if outcome.complete or tries == ENGINE_MOVES or not backend.moved(inst):
            return outcome
        rec["engine_moves"] = rec.get("engine_moves", 0) + 1
    raise AssertionError("unreachable: the last try returns or raises")


def _run_instance(job: BatchJob, backend=None) -> dict:
    from contextlib import ExitStack

    from codefix.core.datasets import Dataset
    from codefix.stages.evaluation import grade_patch
    from codefix.stages.run_config import RunConfig
    from codefix.stages.solve import load_ledger, model_name, solve_instance
    from codefix.stages.wiring import make_models
    from sandbox.images.image_pull import DiskSpaceLow

    inst = job.instance
    root = Path(job.run_root)
    previous = read_status(root, inst.instance_id) or {}
    rec: dict[str, Any] = {
        "instance_id": inst.instance_id, "status": "running", "stage": "starting",
        "attempt": int(previous.get("attempt", 0)) + 1, "host": socket.gethostname(),
        "started": time.time(), "spent": float(previous.get("spent", 0.0)),
    }
    path = status_path(root, inst.instance_id)
    write_json(path, rec)
    ledger = None
    try:
        stack = ExitStack()
        config = RunConfig.model_validate(job.run_config)
        if backend is None:
            backend = stack.enter_context(config.sandbox.open())
        ds = Dataset(job.dataset_name, [inst])
        primary, reader = make_models(ds, config.model)
        store = RunStore(root.parent, root.name)
        predictions = prediction_path(root, inst.instance_id)
        ledger = load_ledger(store.instance_dir(inst.instance_id), job.budget_usd)
        ledger.gate = job.gate
        calls_before, spent_before = len(ledger.calls), ledger.spent

        def progress(msg: str) -> None:
            rec.update(stage=msg, spent=ledger.spent)
            write_json(path, rec)

        def attempt():
            progress("image")
            done = solve_instance(inst, primary=primary, reader=reader, ledger=ledger, store=store,
                                  predictions=predictions, config=config, progress=progress, backend=backend)
            if job.evaluate and done.patch.strip():
                progress("evaluation")
                rec["eval"] = grade_patch(ds, inst, done.patch, store, model_name=model_name(config.model.name),
                                          network=job.eval_network, backend=backend,
                                          summary=predictions.parent / layout.EVAL_SUMMARY)
            return done

        with stack:
            outcome = _on_a_live_engine(attempt, backend, inst, rec)
        rec.update(status="done" if outcome.complete else "incomplete", outcome=outcome.status,
                   unfinished=outcome.unfinished, skipped_pairs=outcome.skipped_pairs, calls_this_run=len(ledger.calls) - calls_before,
                   cost_this_run=ledger.spent - spent_before, error=None, traceback=None)
    except Exception as exc:  # isolate: this instance fails, the batch goes on
        rec.update(status="infra_error" if is_infrastructure(exc) else "error",
                   error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(),
                   error_kind="disk" if isinstance(exc, DiskSpaceLow) else None)
    if ledger is not None:
        rec["spent"] = ledger.spent
    rec["finished"] = time.time()
    rec["seconds"] = rec["finished"] - rec["started"]
    write_json(path, rec)
    return rec
