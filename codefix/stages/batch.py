"""`batch`'s scheduler: the whole `solve` pipeline for many instances, instances in parallel on an
executor (`codefix.stages.executors`) within the run's budget, which every paid call of every
instance passes before it is sent (the executor's `budget_gate`, see `codefix.core.budget_gate`);
each instance's job (`batch_job`) isolates and records its failure in its status
(`batch_status`).

Per instance, in `runs/<run>/<instance>/`: everything `solve` writes, plus `batch_status.json`
(status, the stage it is in or stopped in, spend, and the error with its traceback);
the instance's own prediction goes to `<instance>/prediction/preds.jsonl` and the driver alone
writes `runs/<run>/preds.jsonl` (one line per solved instance) and `runs/<run>/batch.json`.

Statuses: "done" (skipped on resume), "incomplete" (a stage was cut short, e.g. by the
budget), "infra_error" (Docker, model API, I/O, an image that cannot be had) and "running" (the
batch was killed) are retried on resume; "error" (anything else, e.g. a bad instance) is retried
only when asked. Each instance holds a lease on its image (`sandbox.images.image_acquire`) while it
runs, so its image is fetched when missing and removed after it when the cache level says so;
too little disk for a pull stops the scheduling of further instances.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from codefix.stages.batch_job import run_instance
from codefix.stages.batch_status import instance_spent, read_status, status_path
from codefix.core import run_layout as layout
from codefix.core.store import write_json
from codefix.stages.ray_shipping import is_node_loss

RETRIED = ("incomplete", "infra_error", "running")
NODE_LOSS_RETRIES = 2
"""Times an instance whose node (or worker process) was lost is run again elsewhere in one batch."""
ENV_PASSED = ("CODEFIX_", "LITELLM_LOCAL_MODEL_COST_MAP", "DOCKER_")
"""Environment variables (by prefix) a job carries to the process that runs it (Ray workers)."""


@dataclass
class BatchState:
    """What the progress display shows; updated by `run_batch`."""

    total: int
    workers: int
    budget: float | None
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Finished in an earlier invocation."""
    failed: dict[str, str] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    running: dict[str, str] = field(default_factory=dict)
    """instance id → its current stage."""
    unscheduled: list[str] = field(default_factory=list)
    rescheduled: dict[str, int] = field(default_factory=dict)
    """instance id → times it was run again because its node was lost."""
    spent: float = 0.0
    """USD the run's journals record (earlier invocations included)."""
    committed: float = 0.0
    """USD the budget gate counts as paid (None budget: the journals' spend)."""
    reserved: float = 0.0
    """USD the budget gate holds for calls in flight now, at their worst case."""
    calls_in_flight: int = 0
    """Paid calls in flight now, over every instance (known with a budget)."""
    calls_refused: int = 0
    """Paid calls the budget gate refused for good: the budget is spent to within one call."""
    durations: list[float] = field(default_factory=list)
    budget_stop: bool = False
    disk_stop: str = ""
    """Why scheduling stopped for lack of disk (the first such instance's error), or ""."""
    started: float = field(default_factory=time.time)

    @property
    def queued(self) -> int:
        return self.total - len(self.done) - len(self.skipped) - len(self.failed) - len(self.incomplete) \
            - len(self.running) - len(self.unscheduled)

    def eta_seconds(self) -> float | None:
        if not self.durations:
            return None
        left = self.queued + len(self.running)
        return left * (sum(self.durations) / len(self.durations)) / self.workers


def run_batch(instances: list, make_job, executor, *, run_root: Path, budget: float | None = None,
              retry_errors: bool = False, on_update=None, poll: float = 0.5, run=run_instance) -> BatchState:
    """Run every instance's job on `executor`, at most `executor.workers` at once.

    `make_job(inst, cap_usd, gate)` builds the job; with a `budget`, `gate` is the run-wide budget
    gate (made by `executor.budget_gate` from the spend the run's journals already record) that
    every paid call of the job passes, so instances running side by side can together spend no
    more than `budget` (docs/ledger.md). Before each launch the batch's spend (every instance's
    ledger in this run, earlier invocations included) plus the mean cost of an instance so far
    must stay within `budget`, and the gate must not have refused a call for good, else
    scheduling stops and the rest is listed in
    `state.unscheduled`; so is the rest once an instance failed for lack of disk. `run(job)` runs
    one instance (default `run_instance`)."""
    state = BatchState(total=len(instances), workers=executor.workers, budget=budget)
    spent_of = {d.name: instance_spent(run_root, d.name) for d in sorted(run_root.glob("*/")) if d.is_dir()}
    costs: list[float] = []
    pending = []
    for inst in instances:
        st = read_status(run_root, inst.instance_id) or {}
        spent_of[inst.instance_id] = instance_spent(run_root, inst.instance_id)
        status = st.get("status")
        if status == "done":
            state.skipped.append(inst.instance_id)
            costs.append(spent_of[inst.instance_id])
        elif status == "error" and not retry_errors:
            state.failed[inst.instance_id] = str(st.get("error", "error"))
        else:
            pending.append(inst)
    pending.reverse()
    by_id = {inst.instance_id: inst for inst in instances}
    losses: dict[str, dict] = {}
    update = on_update or (lambda s: None)

    def total_spent() -> float:  # every instance's journal: what was really paid, also by killed runs
        for iid in state.running:
            spent_of[iid] = instance_spent(run_root, iid)
        return sum(spent_of.values())

    gate = None if budget is None else executor.budget_gate(budget, total_spent())

    def observe() -> None:
        state.spent = total_spent()
        if gate is None:
            state.committed = state.spent
        else:
            now = gate.snapshot()
            state.committed, state.reserved = now.committed, now.reserved
            state.calls_in_flight, state.calls_refused = now.in_flight, now.refused

    while pending or executor.in_flight:
        while pending and not state.budget_stop and not state.disk_stop and executor.in_flight < executor.workers:
            inst = pending[-1]
            spent = total_spent() if gate is None else max(total_spent(), gate.snapshot().committed)
            estimate = sum(costs) / len(costs) if costs else 0.0
            if budget is not None and (spent >= budget or spent + estimate > budget or gate.snapshot().refused):
                state.budget_stop = True
                break
            pending.pop()
            cap = None if budget is None else spent_of[inst.instance_id] + (budget - spent)
            executor.submit(inst.instance_id, run, make_job(inst, cap, gate))
            state.running[inst.instance_id] = "starting"
        if (state.budget_stop or state.disk_stop) and pending:
            state.unscheduled = [i.instance_id for i in reversed(pending)]
            pending = []
        for iid, rec, exc in executor.wait(poll):
            state.running.pop(iid, None)
            if exc is not None and is_node_loss(exc) and state.rescheduled.get(iid, 0) < NODE_LOSS_RETRIES:
                state.rescheduled[iid] = state.rescheduled.get(iid, 0) + 1
                losses[iid] = {"node_lost": state.rescheduled[iid], "node_lost_at": time.time(),
                               "node_error": f"{type(exc).__name__}: {exc}"[:2000]}
                write_json(status_path(run_root, iid), {**(read_status(run_root, iid) or {}), "status": "running",
                           "stage": "rescheduled: its node was lost", **losses[iid]})
                pending.append(by_id[iid])  # next to run, from the driver's copy of its directory
                continue
            if exc is not None:  # the executor itself lost the job (e.g. a Ray worker died)
                rec = {"instance_id": iid, "status": "infra_error", "error": f"{type(exc).__name__}: {exc}",
                       "traceback": "".join(traceback.format_exception(exc)), "spent": spent_of[iid]}
                write_json(status_path(run_root, iid), {**(read_status(run_root, iid) or {}), **rec})
            if iid in losses:  # the job's own record starts afresh; the driver knows the losses
                write_json(status_path(run_root, iid), {**(read_status(run_root, iid) or {}), **losses[iid]})
            spent_of[iid] = instance_spent(run_root, iid)
            if rec["status"] == "done":
                state.done.append(iid)
                costs.append(spent_of[iid])
                state.durations.append(float(rec.get("seconds", 0.0)))
            elif rec["status"] == "incomplete":
                state.incomplete.append(iid)
            else:
                state.failed[iid] = str(rec.get("error"))
                if rec.get("error_kind") == "disk" and not state.disk_stop:
                    state.disk_stop = str(rec.get("error"))
            write_predictions(run_root)
        for iid in state.running:
            stage = (read_status(run_root, iid) or {}).get("stage")
            if stage:
                state.running[iid] = stage
        observe()
        update(state)
    write_predictions(run_root)
    observe()
    return state


def write_predictions(run_root: Path) -> int:
    """`<run>/preds.jsonl` from every instance's own prediction (one line each, sorted by id);
    returns the number of lines."""
    import json

    from codefix.core.store import atomic_write_text

    lines = {}
    for path in sorted(run_root.glob("*/prediction/preds.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                lines[rec["instance_id"]] = json.dumps(rec)
            except (ValueError, KeyError, TypeError):
                continue
    if lines:
        atomic_write_text(run_root / layout.PREDICTIONS, "".join(lines[k] + "\n" for k in sorted(lines)))
    return len(lines)


def summary(state: BatchState) -> dict:
    """`batch.json`: counts, spend, what remains and what was not scheduled."""
    return {
        "total": state.total, "done": len(state.done) + len(state.skipped), "skipped": state.skipped,
        "incomplete": state.incomplete, "failed": state.failed, "unscheduled": state.unscheduled,
        "rescheduled": state.rescheduled,
        "spent_usd": state.spent, "budget_usd": state.budget,
        "remaining_usd": None if state.budget is None else max(0.0, state.budget - state.spent),
        "budget_stop": state.budget_stop, "disk_stop": state.disk_stop, "seconds": time.time() - state.started,
    }


def passed_env() -> dict:
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PASSED)}
