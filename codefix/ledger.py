"""What model calls cost, per stage, for one instance: passed in by the caller, never global.

`check` runs before a call with a pessimistic estimate, so a budget is overrun by at most one
call; `record` runs after it with the call's real usage and cost. Calls made concurrently
hold a `reserve(estimate)` while in flight, so that many threads checking at once cannot
together pass the budget either.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from codefix.errors import BudgetExceeded

FIELDS = ("calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost")


@dataclass
class StageTotals:
    """Sums over the calls of one stage."""

    calls: int = 0
    """Model calls recorded."""
    input_tokens: int = 0
    """Prompt tokens billed at the full input price."""
    output_tokens: int = 0
    """Completion tokens."""
    cache_read_tokens: int = 0
    """Prompt tokens read from the provider's cache."""
    cache_write_tokens: int = 0
    """Prompt tokens written to the provider's cache."""
    cost: float = 0.0
    """USD."""

    def add(self, other: "StageTotals") -> None:
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Ledger:
    """Thread-safe spending record of one instance, with an optional USD budget."""

    def __init__(self, budget_usd: float | None = None):
        if budget_usd is not None and budget_usd < 0:
            raise ValueError(f"budget must not be negative, got {budget_usd}")
        self._budget = budget_usd
        self._stages: dict[str, StageTotals] = {}
        self._calls: list[dict] = []
        self._pending = 0.0
        self._lock = threading.Lock()

    @property
    def budget(self) -> float | None:
        """USD this instance may spend; None means unlimited."""
        return self._budget

    @property
    def spent(self) -> float:
        """USD recorded so far."""
        with self._lock:
            return self._spent()

    def _spent(self) -> float:
        return sum(t.cost for t in self._stages.values())

    @property
    def remaining(self) -> float | None:
        """USD left under the budget (never negative); None when unlimited."""
        if self._budget is None:
            return None
        return max(0.0, self._budget - self.spent)

    @property
    def calls(self) -> list[dict]:
        """One entry per recorded call: stage, meta, tokens and cost (a copy)."""
        with self._lock:
            return [dict(c) for c in self._calls]

    def check(self, estimate_usd: float) -> None:
        """Raise BudgetExceeded if spending `estimate_usd` more (on top of what is spent and
        what calls in flight reserved) could pass the budget."""
        with self._lock:
            self._check(estimate_usd)

    def _check(self, estimate_usd: float) -> None:
        if self._budget is None:
            return
        spent = self._spent()
        if spent + self._pending + estimate_usd > self._budget:
            in_flight = f" and ${self._pending:.4f} reserved by calls in flight" if self._pending else ""
            raise BudgetExceeded(
                f"budget ${self._budget:.4f} would be exceeded: spent ${spent:.4f}{in_flight}, "
                f"next call may cost up to ${estimate_usd:.4f}",
                spent=spent,
                budget=self._budget,
            )

    @contextmanager
    def reserve(self, estimate_usd: float) -> Iterator[None]:
        """`check`, then hold `estimate_usd` against the budget until the block ends (record the
        call's real cost inside the block)."""
        with self._lock:
            self._check(estimate_usd)
            self._pending += estimate_usd
        try:
            yield
        finally:
            with self._lock:
                self._pending -= estimate_usd

    def record(self, stage: str, completion, meta: dict | None = None) -> None:
        """Add one call's usage and cost (a `codefix.protocols.Completion`) under `stage`."""
        u = completion.usage
        entry = StageTotals(1, u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens, completion.cost)
        with self._lock:
            self._stages.setdefault(stage, StageTotals()).add(entry)
            self._calls.append({"stage": stage, "meta": _plain(meta or {}), **asdict(entry)})

    def by_stage(self) -> dict[str, dict]:
        """{stage: {calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost}}."""
        with self._lock:
            return {stage: asdict(t) for stage, t in self._stages.items()}

    def totals(self) -> dict:
        """The same fields summed over every stage."""
        total = StageTotals()
        with self._lock:
            for t in self._stages.values():
                total.add(t)
        return asdict(total)

    def to_dict(self) -> dict:
        """A JSON-ready record for artefacts (budget, per-stage sums, totals, calls)."""
        return {"budget_usd": self._budget, "by_stage": self.by_stage(), "totals": self.totals(), "calls": self.calls}

    @classmethod
    def from_dict(cls, data: dict) -> "Ledger":
        """Rebuild a ledger stored with `to_dict` (the budget and every sum carry over)."""
        ledger = cls(budget_usd=data.get("budget_usd"))
        for stage, sums in (data.get("by_stage") or {}).items():
            ledger._stages[stage] = StageTotals(**{k: sums.get(k, 0) for k in FIELDS})
        ledger._calls = [dict(c) for c in data.get("calls") or []]
        return ledger

    def __repr__(self) -> str:
        return f"Ledger(spent={self.spent:.6f}, budget={self._budget})"


def _plain(meta: dict) -> dict:
    """Meta values that JSON can hold; anything else is stored as its repr."""
    out = {}
    for key, value in meta.items():
        out[str(key)] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
    return out
