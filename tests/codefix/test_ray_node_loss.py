"""A batch on a real two-node Ray cluster (`ray.cluster_utils.Cluster`: a head and a worker raylet,
each with its own scratch root) without a shared filesystem, and the worker node removed mid-run:
every instance ends done, the one that ran on the lost node is rescheduled from the driver's copy
(recorded in its status and in the batch's state), no call that finished on the lost node is paid
again, the call it had in flight is counted at its estimate (journal and gate), the gate's
committed spend is what the driver's journals record, and the instances ran in
the nodes' scratch directories, never in the driver's run directory (needs the `ray` extra)."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codefix.core.ledger import journal_spent

ROOT = Path(__file__).resolve().parents[2]
CALLS = 8
"""Paid calls of one instance."""
STALL_AT = 3
"""On the worker node, an instance stops (for good) in this call, once it is paid (its reply lost)."""
ESTIMATE = 0.002
COST = 0.001


@dataclass
class ListedInstance:
    instance_id: str


@dataclass
class StepJob:
    instance: ListedInstance
    run_root: str
    budget_usd: float | None
    gate: object
    paid_log: str
    stall_on: str
    """The scratch root of the node where instances stall."""
    env: dict = field(default_factory=dict)


def paid(log: Path) -> list[tuple[str, int]]:
    return [tuple(json.loads(line)) for line in log.read_text().splitlines()] if log.is_file() else []


def pay_steps(job: StepJob) -> dict:
    """A test double of `run_instance`: CALLS paid calls, each saved as a step file after it is paid
    (its trajectory) and journaled; a resumed instance goes on after its last saved step. Every
    payment is appended to `paid_log` (what a provider bills). On the node whose scratch root is
    `stall_on` it stops before call STALL_AT, and says so in `<paid_log>.stalled`."""
    from codefix.core.ledger import Ledger
    from codefix.core.protocols import Completion, Usage
    from codefix.stages.ray_shipping import SCRATCH_ENV

    iid = job.instance.instance_id
    here = Path(job.run_root) / iid
    here.mkdir(parents=True, exist_ok=True)
    (here / "ran_in.txt").write_text(str(here))
    ledger = Ledger.open(here, job.budget_usd)
    ledger.gate = job.gate
    steps = here / "steps"
    steps.mkdir(exist_ok=True)
    start = len(list(steps.iterdir()))
    for i in range(start, CALLS):
        with ledger.reserve(ESTIMATE):
            time.sleep(0.05)
            with open(job.paid_log, "a") as f:
                f.write(json.dumps([iid, i]) + "\n")
            if i == STALL_AT and os.environ.get(SCRATCH_ENV) == job.stall_on:
                Path(job.paid_log + ".stalled").write_text(iid)
                time.sleep(600)
            (steps / f"{i}.json").write_text("{}")
            ledger.record("editing", Completion("x", Usage(100, 10), COST))
    return {"instance_id": iid, "status": "done", "seconds": 0.1}


def test_a_lost_node_s_instance_is_rescheduled_and_runs_dir_is_the_driver_s(tmp_path):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    from codefix.stages.batch import run_batch
    from codefix.stages.executors import RayExecutor
    from codefix.stages.ray_shipping import SCRATCH_ENV

    head_scratch, worker_scratch, runs = tmp_path / "scratch-head", tmp_path / "scratch-worker", tmp_path / "runs" / "r"
    runs.mkdir(parents=True)
    log = tmp_path / "paid.jsonl"
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "env_vars": {SCRATCH_ENV: str(head_scratch)}})
    worker = cluster.add_node(num_cpus=1, resources={"spare": 1}, env_vars={SCRATCH_ENV: str(worker_scratch)})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    removed = []

    def remove_when_stalled() -> None:
        deadline = time.monotonic() + 120
        while not Path(str(log) + ".stalled").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a checkpoint of the stalled instance reaches the driver at most a second later
        cluster.remove_node(worker)
        removed.append(time.monotonic())

    remover = threading.Thread(target=remove_when_stalled)
    remover.start()
    ids = ["a", "b", "c"]
    try:
        executor = RayExecutor(2)
        state = run_batch([ListedInstance(i) for i in ids],
                          lambda inst, cap, gate: StepJob(inst, str(runs), cap, gate, str(log), str(worker_scratch)),
                          executor, run_root=runs, budget=1.0, poll=0.05, run=pay_steps)
        executor.shutdown()
    finally:
        remover.join()
        ray.shutdown()
        cluster.shutdown()
    assert removed, "no instance ran on the worker node"
    stalled = Path(str(log) + ".stalled").read_text()
    assert sorted(state.done) == ids and not state.failed and state.rescheduled == {stalled: 1}
    status = json.loads((runs / stalled / "batch_status.json").read_text())
    assert status["node_lost"] == 1, status
    assert status["node_error"].startswith(("NodeDiedError", "WorkerCrashedError")), status["node_error"]
    payments = paid(log)  # only the call in flight on the lost node was asked again, no finished one
    assert sorted(payments) == sorted([(i, n) for i in ids for n in range(CALLS)] + [(stalled, STALL_AT)])
    lost_call = ESTIMATE  # journaled by the driver as in flight: counted at its estimate, like after a kill
    for i in ids:  # the driver's copy: every step, every paid call journaled, no lock, ran elsewhere
        assert len(list((runs / i / "steps").iterdir())) == CALLS
        assert journal_spent(runs / i) == pytest.approx(CALLS * COST + (lost_call if i == stalled else 0))
        ran_in = Path((runs / i / "ran_in.txt").read_text())
        assert ran_in.is_relative_to(head_scratch) and not ran_in.is_relative_to(runs)
    assert Path((runs / stalled / "ran_in.txt").read_text()).is_relative_to(head_scratch)  # its rerun
    assert state.committed == pytest.approx(len(ids) * CALLS * COST + lost_call) and state.reserved == pytest.approx(0.0)
    assert state.spent == pytest.approx(state.committed) and state.calls_in_flight == 0
    assert not [p for p in head_scratch.rglob("*") if p.is_file()]  # scratch copies removed after shipping


class NodeLosingExecutor:
    """A test double of an executor whose first `losses` runs of every job end with Ray's
    NodeDiedError (the node died under them); later runs call the job's function in this thread."""

    def __init__(self, losses: int):
        self.workers = 1
        self.losses = losses
        self.submitted: list[str] = []
        self._queue: list = []

    @property
    def in_flight(self) -> int:
        return len(self._queue)

    def submit(self, key, fn, job) -> None:
        self.submitted.append(key)
        self._queue.append((key, fn, job))

    def wait(self, timeout):
        from ray.exceptions import NodeDiedError

        key, fn, job = self._queue.pop(0)
        if self.submitted.count(key) <= self.losses:
            return [(key, None, NodeDiedError("node 1 died"))]
        return [(key, fn(job), None)]


def finish(job) -> dict:
    return {"instance_id": job.instance.instance_id, "status": "done", "seconds": 0.0}


@pytest.mark.parametrize("losses,status", [(2, "done"), (3, "infra_error")])
def test_node_losses_are_retried_a_bounded_number_of_times(tmp_path, losses, status):
    pytest.importorskip("ray")
    from codefix.stages.batch import NODE_LOSS_RETRIES, run_batch

    executor = NodeLosingExecutor(losses)
    state = run_batch([ListedInstance("a")], lambda inst, cap, gate: StepJob(inst, str(tmp_path), cap, gate, "", ""),
                      executor, run_root=tmp_path, poll=0.0, run=finish)
    record = json.loads((tmp_path / "a" / "batch_status.json").read_text())
    assert executor.submitted == ["a"] * min(losses + 1, NODE_LOSS_RETRIES + 1)
    assert state.rescheduled == {"a": NODE_LOSS_RETRIES} and record["node_lost"] == NODE_LOSS_RETRIES
    if status == "done":
        assert state.done == ["a"] and not state.failed
    else:  # out of retries: an infrastructure failure, retried by the next invocation
        assert state.failed and record["status"] == "infra_error" and "NodeDiedError" in record["error"]
