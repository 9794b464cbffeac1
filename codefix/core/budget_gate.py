"""The run-wide budget of a batch, as one gate every paid call of every instance passes before it
is sent (`Ledger.reserve` asks it), so the run's spend holds with any number of workers.

The gate knows two sums: committed (USD recorded: the run's journals when the batch started,
earlier invocations and calls cut off by a kill included, plus every call settled since) and
reserved (the worst-case estimates of the calls in flight now). A call is let through only if
committed + reserved + its estimate stays within the budget; when its reply is back its
reservation is replaced by its real cost, and a call that failed unpaid gives its reservation
back. A call that does not fit only because of other calls' reservations waits for them to
settle (they usually cost far less than their worst case); one that would not fit even then is
refused for good. Since an estimate is a call's worst case, the run's spend passes the budget
only by what calls in flight cost beyond their estimates (docs/ledger.md).

On Ray the same object lives in a small actor (`codefix.stages.ray_budget_gate`); callers only
use `reserve`, `settle` and `snapshot`, whose arguments and results are plain data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

WAIT_POLL_SECONDS = 0.05
"""How often a call waiting for room asks the gate again."""


@dataclass(frozen=True)
class GateState:
    """The gate's sums at one moment."""

    budget: float
    """USD the whole run may spend."""
    committed: float
    """USD recorded as paid."""
    reserved: float
    """USD held for calls in flight, at their worst case."""
    in_flight: int
    """Calls holding a reservation."""
    refused: int
    """Calls refused for good (the budget cannot hold them even once every call in flight settled)."""


class BudgetGate:
    """Committed and reserved USD of one run against its budget; thread-safe."""

    def __init__(self, budget: float, committed: float = 0.0):
        if budget < 0 or committed < 0:
            raise ValueError(f"budget and spend must not be negative, got {budget} and {committed}")
        self.budget = budget
        """USD the whole run may spend."""
        self._committed = committed
        self._reserved = 0.0
        self._in_flight = 0
        self._refused = 0
        self._lock = threading.Lock()

    def reserve(self, estimate: float) -> GateState | None:
        """Hold `estimate` for a call about to be sent: None when granted, else the state that
        left no room for it (nothing is held then; a refusal for good is counted)."""
        with self._lock:
            if self._committed + self._reserved + estimate <= self.budget:
                self._reserved += estimate
                self._in_flight += 1
                return None
            if self._committed + estimate > self.budget:
                self._refused += 1
            return self._state()

    def settle(self, estimate: float, cost: float) -> None:
        """A call granted `estimate` is over: it cost `cost` (0 when it failed unpaid)."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate)
            self._in_flight = max(0, self._in_flight - 1)
            self._committed += cost

    def snapshot(self) -> GateState:
        with self._lock:
            return self._state()

    def _state(self) -> GateState:
        return GateState(self.budget, self._committed, self._reserved, self._in_flight, self._refused)


def pass_gate(gate, estimate: float, *, sleep: Callable[[float], None] = time.sleep) -> GateState | None:
    """Reserve `estimate` at `gate`, waiting while only other calls' reservations stand in the
    way; None once granted, the refusing state when the budget cannot hold the call."""
    while True:
        state = gate.reserve(estimate)
        if state is None or state.committed + estimate > state.budget or state.in_flight == 0:
            return state
        sleep(WAIT_POLL_SECONDS)
