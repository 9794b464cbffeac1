"""On Ray the batch's budget gate is one actor that every task's calls pass: three instances in three
worker processes, each of which alone could spend the whole budget, together stay within it, and
the driver reads the committed spend from the actor (needs the `ray` extra)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codefix.core.ledger import journal_spent

ROOT = Path(__file__).resolve().parents[2]
EPS = 1e-9


@dataclass
class ListedInstance:
    instance_id: str


@dataclass
class Job:
    instance: ListedInstance
    run_root: str
    budget_usd: float | None
    gate: object
    env: dict = field(default_factory=dict)


def pay_calls(job) -> dict:
    """A test double of `run_instance` for Ray tasks: the instance's ledger (journal, cap and the
    run's gate) pays up to 40 calls of $0.001, two threads at a time, each held at $0.002."""
    from codefix.core.errors import BudgetExceeded
    from codefix.core.ledger import Ledger
    from codefix.core.protocols import Completion, Usage

    ledger = Ledger.open(Path(job.run_root) / job.instance.instance_id, job.budget_usd)
    ledger.gate = job.gate
    left, lock, cut = [40], threading.Lock(), []

    def pay():
        while True:
            with lock:
                if not left[0]:
                    return
                left[0] -= 1
            try:
                with ledger.reserve(0.002):
                    time.sleep(0.01)
                    ledger.record("editing", Completion("x", Usage(100, 10), 0.001))
            except BudgetExceeded:
                cut.append(1)
                return

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"instance_id": job.instance.instance_id, "status": "incomplete" if cut else "done", "seconds": 0.1}


def test_ray_tasks_share_one_budget_gate(tmp_path):
    ray = pytest.importorskip("ray")
    from codefix.stages.batch import run_batch
    from codefix.stages.executors import RayExecutor

    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    try:
        executor = RayExecutor(3)
        ids = ["a", "b", "c"]
        state = run_batch([ListedInstance(i) for i in ids], lambda inst, cap, gate: Job(inst, str(tmp_path), cap, gate),
                          executor, run_root=tmp_path, budget=0.06, poll=0.05, run=pay_calls)
        executor.shutdown()
    finally:
        ray.shutdown()
    paid = sum(journal_spent(tmp_path / i) for i in ids)
    assert 0.06 - 0.002 - EPS <= paid <= 0.06 + EPS  # alone, each instance would have spent $0.04
    assert state.committed == pytest.approx(paid) and state.reserved == pytest.approx(0.0)
    assert state.calls_refused and state.incomplete
