"""The run-wide budget of a batch, as one gate every paid call of every instance passes before it
is sent (`Ledger.reserve` asks it), so the run's spend holds with any number of workers.

The gate knows two sums: committed (USD recorded: the run's journals when the batch started,
earlier invocations and calls cut off by a kill included, plus every call settled since) and
reserved (the worst-case estimates of the calls in flight now). A call is let through only if
committed + reserved + its estimate stays within the budget; when its reply is back its
reservation is replaced by its real cost, and a call that failed unpaid gives its reservation
back. Since an estimate is a call's worst case, the run's spend passes the budget only by what
calls in flight cost beyond their estimates (docs/ledger.md).

On Ray the same object lives in a small actor (`codefix.stages.ray_budget_gate`); callers only
use `reserve`, `settle` and `snapshot`, whose arguments and results are plain numbers.
"""

from __future__ import annotations

import threading


class BudgetGate:
    """Committed and reserved USD of one run against its budget; thread-safe."""

    def __init__(self, budget: float, committed: float = 0.0):
        if budget < 0 or committed < 0:
            raise ValueError(f"budget and spend must not be negative, got {budget} and {committed}")
        self.budget = budget
        """USD the whole run may spend."""
        self._committed = committed
        self._reserved = 0.0
        self._calls_in_flight = 0
        self._lock = threading.Lock()

    def reserve(self, estimate: float) -> tuple[float, float] | None:
        """Hold `estimate` for a call about to be sent: None when granted, else the (committed,
        reserved) sums that left no room for it (nothing is held then)."""
        with self._lock:
            if self._committed + self._reserved + estimate > self.budget:
                return self._committed, self._reserved
            self._reserved += estimate
            self._calls_in_flight += 1
            return None

    def settle(self, estimate: float, cost: float) -> None:
        """A call granted `estimate` is over: it cost `cost` (0 when it failed unpaid)."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate)
            self._calls_in_flight = max(0, self._calls_in_flight - 1)
            self._committed += cost

    def snapshot(self) -> tuple[float, float, int]:
        """(committed USD, reserved USD, calls in flight) now."""
        with self._lock:
            return self._committed, self._reserved, self._calls_in_flight
