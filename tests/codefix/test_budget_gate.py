"""A batch's budget holds with any number of workers: every paid call of every instance passes one
run-wide gate (committed + reserved + the call's estimate within the budget) before it is sent,
also across kill and resume, where the run's journals are the gate's starting spend."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from codefix.core.budget_gate import BudgetGate, GateState, pass_gate
from codefix.core.errors import BudgetExceeded
from codefix.core.ledger import Ledger, journal_spent
from codefix.core.protocols import Completion, Usage
from codefix.stages.batch import run_batch
from codefix.stages.executors import LocalExecutor

EPS = 1e-9


def test_the_gate_grants_within_the_budget_and_holds_each_grant_until_settled():
    gate = BudgetGate(1.0, committed=0.25)
    assert gate.reserve(0.5) is None
    assert gate.snapshot() == GateState(1.0, 0.25, 0.5, 1, 0)
    # 0.25 + 0.5 + 0.5 > 1, but 0.25 + 0.5 fits once the call in flight settles: not refused for good
    assert gate.reserve(0.5) == GateState(1.0, 0.25, 0.5, 1, 0)
    assert gate.reserve(0.8) == GateState(1.0, 0.25, 0.5, 1, 1)  # 0.25 + 0.8 > 1 whatever happens
    gate.settle(0.5, 0.125)  # the reply cost less than its worst case: the rest is free again
    assert gate.snapshot() == GateState(1.0, 0.375, 0.0, 0, 1)
    assert gate.reserve(0.625) is None
    gate.settle(0.625, 0.0)  # failed unpaid
    assert gate.snapshot() == GateState(1.0, 0.375, 0.0, 0, 1)


def test_a_call_kept_out_only_by_reservations_waits_for_them_and_one_that_cannot_fit_is_refused():
    gate = BudgetGate(1.0)
    assert gate.reserve(0.75) is None
    waits = []

    def settle_while_waiting(seconds):
        waits.append(seconds)
        gate.settle(0.75, 0.25)

    assert pass_gate(gate, 0.5, sleep=settle_while_waiting) is None and len(waits) == 1
    assert gate.snapshot() == GateState(1.0, 0.25, 0.5, 1, 0)
    refused = pass_gate(gate, 0.8, sleep=lambda s: pytest.fail("waited for a call that can never fit"))
    assert refused == GateState(1.0, 0.25, 0.5, 1, 1)


def completion(cost: float) -> Completion:
    return Completion("x", Usage(100, 10), cost)


def test_two_instances_each_capped_at_what_was_left_cannot_together_pass_the_run_budget(tmp_path):
    """The overspend of issue 19: each instance, scheduled when $1 was left, was capped at $1 and
    both spent it. Through the gate the second instance sees what the first one paid and holds."""
    gate = BudgetGate(1.0)
    first = Ledger.open(tmp_path / "a", budget_usd=1.0)
    second = Ledger.open(tmp_path / "b", budget_usd=1.0)
    first.gate = second.gate = gate
    with first.reserve(0.6):
        first.record("editing", completion(0.5))
    with first.reserve(0.3):
        with pytest.raises(BudgetExceeded, match=r"the run's budget \$1.0000 would be exceeded: every instance "
                                                 r"together spent \$0.5000 and \$0.3000 reserved"):
            with second.reserve(0.6):  # its own cap allows it; the run's cannot, whatever the call in flight costs
                pass
        first.record("editing", completion(0.2))
    with second.reserve(0.3):  # room for this one once the first call settled at its real cost
        second.record("editing", completion(0.3))
    assert gate.snapshot() == GateState(1.0, pytest.approx(1.0), 0.0, 0, 1)
    assert first.spent + second.spent == pytest.approx(1.0)


def test_many_threads_of_many_ledgers_never_pass_the_run_budget(tmp_path):
    gate = BudgetGate(0.5)
    ledgers = [Ledger.open(tmp_path / str(i), budget_usd=0.5) for i in range(4)]
    for ledger in ledgers:
        ledger.gate = gate
    start = threading.Barrier(16)

    def worker(ledger: Ledger) -> None:
        start.wait()
        for _ in range(50):
            try:
                with ledger.reserve(0.03):
                    time.sleep(0.001)
                    ledger.record("editing", completion(0.02))
            except BudgetExceeded:
                return

    threads = [threading.Thread(target=worker, args=(ledgers[i % 4],)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    paid = sum(journal_spent(tmp_path / str(i)) for i in range(4))
    assert 0.5 - 0.03 <= paid <= 0.5 + EPS  # every estimate is a worst case: the budget holds exactly
    now = gate.snapshot()
    assert now.committed == pytest.approx(paid) and now.reserved == pytest.approx(0.0) and now.in_flight == 0


@dataclass
class ListedInstance:
    instance_id: str


class PaidCallsInstance:
    """A test double of `run_instance`: the instance's ledger (its journal in the run, its cap and
    the run's gate, as `run_instance` wires them) pays `calls` calls of `cost` each, `threads` at
    a time, each held at `estimate`, until done or refused by the budget."""

    def __init__(self, calls: int, cost: float, estimate: float, threads: int = 2):
        self.calls, self.cost, self.estimate, self.threads = calls, cost, estimate, threads
        self.all_running = threading.Barrier(3)

    def __call__(self, job) -> dict:
        ledger = Ledger.open(Path(job.run_root) / job.instance.instance_id, job.budget_usd)
        ledger.gate = job.gate
        left = [self.calls]
        lock = threading.Lock()
        cut = []
        try:
            self.all_running.wait(timeout=5)  # the three instances spend side by side
        except threading.BrokenBarrierError:
            pass

        def pay():
            while True:
                with lock:
                    if not left[0]:
                        return
                    left[0] -= 1
                try:
                    with ledger.reserve(self.estimate):
                        time.sleep(0.002)
                        ledger.record("editing", completion(self.cost))
                except BudgetExceeded:
                    cut.append(1)
                    return

        threads = [threading.Thread(target=pay) for _ in range(self.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"instance_id": job.instance.instance_id, "status": "incomplete" if cut else "done", "seconds": 0.1}


@dataclass
class Job:
    instance: ListedInstance
    run_root: str
    budget_usd: float | None
    gate: object


def batch(tmp_path: Path, budget: float, ids: list[str], runner: PaidCallsInstance):
    executor = LocalExecutor(3)
    try:
        return run_batch([ListedInstance(i) for i in ids], lambda inst, cap, gate: Job(inst, str(tmp_path), cap, gate),
                         executor, run_root=tmp_path, budget=budget, poll=0.01, run=runner)
    finally:
        executor.shutdown()


def test_a_batch_of_three_workers_holds_its_budget_and_so_does_its_resume(tmp_path):
    """Three instances that would each spend $0.05 under a $0.06 run budget: each was capped at
    what was left when it started, so together they spent up to $0.15 before; through the gate
    the run spends at most $0.06, scheduling stops once a call was refused, and a resumed run
    with the same budget spends nothing more."""
    ids = ["a", "b", "c"]
    state = batch(tmp_path, 0.06, ids, PaidCallsInstance(calls=50, cost=0.001, estimate=0.002))
    paid = sum(journal_spent(tmp_path / i) for i in ids)
    assert paid <= 0.06 + EPS and state.spent == pytest.approx(paid)
    assert state.committed == pytest.approx(paid) and state.reserved == pytest.approx(0.0)
    assert state.incomplete and state.calls_refused  # the budget cut the run short
    again = batch(tmp_path, 0.06, ids, PaidCallsInstance(calls=50, cost=0.001, estimate=0.002))
    assert sum(journal_spent(tmp_path / i) for i in ids) <= 0.06 + EPS
    assert again.spent == pytest.approx(sum(journal_spent(tmp_path / i) for i in ids))


def test_calls_in_flight_at_a_kill_count_against_the_resumed_batch(tmp_path):
    """A killed run's journal holds a reserve with no reply: the resumed gate starts from it at its
    worst case, so the resumed instances have that much less."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ledger.jsonl").write_text('{"kind": "reserve", "id": "lost", "estimate": 0.05}\n')
    ids = ["a", "b", "c"]
    state = batch(tmp_path, 0.06, ids, PaidCallsInstance(calls=50, cost=0.001, estimate=0.002))
    paid_now = sum(journal_spent(tmp_path / i) for i in ids) - 0.05
    assert paid_now <= 0.01 + EPS
    assert state.spent == pytest.approx(paid_now + 0.05)
