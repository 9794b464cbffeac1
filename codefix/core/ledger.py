"""What model calls cost, per stage, for one instance: passed in by the caller, never global.

`check` runs before a call with a pessimistic estimate, so a budget is overrun by at most one
call; `record` runs after it with the call's real usage and cost. Calls made concurrently
hold a `reserve(estimate)` while in flight, so that many threads checking at once cannot
together pass the budget either. A call that does not fit only because of other calls'
reservations waits for them to settle (they usually cost far less than their worst case), as at
the run-wide gate; one that would not fit even then raises BudgetExceeded.

With a run-wide gate (`codefix.core.budget_gate`, a batch's budget), every reserve also passes the
gate, which holds the estimate against the spend and reservations of every instance of the run.

With a journal (`codefix.core.ledger_journal`), every reserve and every recorded call is written
durably as it happens; `Ledger.open(dir)` rebuilds the ledger from it, so a killed process
loses no record of spending and a budget holds across kill and resume. A call that was in
flight when its process died counts at its estimate (`unconfirmed`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.budget_gate import pass_gate
from codefix.core.errors import BudgetExceeded
from codefix.core.ledger_journal import JOURNAL_NAME, Journal, read_journal

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

    def __init__(self, budget_usd: float | None = None, *, journal: Journal | None = None, gate=None):
        if budget_usd is not None and budget_usd < 0:
            raise ValueError(f"budget must not be negative, got {budget_usd}")
        self._budget = budget_usd
        self._stages: dict[str, StageTotals] = {}
        self._calls: list[dict] = []
        self._unconfirmed: list[dict] = []
        self._pending = 0.0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        """Notified whenever a reservation ends (a call waiting for room asks again)."""
        self._journal = journal
        self._reservation = threading.local()
        self.gate = gate
        """The run-wide budget every reserve also passes (`codefix.core.budget_gate.BudgetGate` or its
        Ray actor's proxy), or None."""
        self.warnings: list[str] = []
        """Problems met reading the journal that were worked around (one line each)."""

    @classmethod
    def open(cls, directory: Path, budget_usd: float | None = None) -> "Ledger":
        """The instance's ledger from its journal in `directory` (every call of every earlier
        run counted), appending to it from now on. A `ledger.json` of an older codefix without a
        journal is carried into a new journal first."""
        path = Path(directory) / JOURNAL_NAME
        journal = Journal(path)
        if not path.exists():
            _import_summary(Path(directory) / layout.LEDGER, journal)
        state = read_journal(path)
        ledger = cls(budget_usd, journal=journal)
        for call in state.calls:
            ledger._add(call.get("stage", "?"), StageTotals(**{k: call.get(k, 0) for k in FIELDS}), call.get("meta") or {})
        ledger._unconfirmed = state.unconfirmed
        ledger.warnings = state.warnings
        return ledger

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
        return sum(t.cost for t in self._stages.values()) + self.unconfirmed_usd

    @property
    def unconfirmed_usd(self) -> float:
        """Worst-case USD of calls that were in flight when an earlier process died."""
        return sum(float(u.get("estimate") or 0.0) for u in self._unconfirmed)

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
        what calls in flight reserved, here or, with a gate, anywhere in the run) could pass the
        budget."""
        with self._lock:
            self._check(estimate_usd)
        if self.gate is not None:
            state = self.gate.snapshot()
            if state.committed + state.reserved + estimate_usd > state.budget:
                raise _run_budget_exceeded(state, estimate_usd)

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
        self._hold(estimate_usd)
        gate = self.gate
        try:  # the run-wide gate: may wait for other calls in flight to settle
            refused = None if gate is None else pass_gate(gate, estimate_usd)
        except BaseException:  # interrupted while waiting: nothing is held
            self._release(estimate_usd)
            raise
        if refused is not None:
            self._release(estimate_usd)
            raise _run_budget_exceeded(refused, estimate_usd)
        ident = uuid.uuid4().hex
        self._reservation.cost = 0.0
        try:
            if self._journal is not None:
                self._journal.append({"kind": "reserve", "id": ident, "estimate": estimate_usd})
            self._reservation.id = ident
            yield
        finally:
            self._release(estimate_usd)
            if gate is not None:  # the gate holds the real cost from now on (0: nothing was paid)
                gate.settle(estimate_usd, self._reservation.cost)
            self._reservation.cost = 0.0
            if getattr(self._reservation, "id", None) == ident:  # no call recorded: nothing paid
                self._reservation.id = None
                if self._journal is not None:
                    self._journal.append({"kind": "release", "id": ident})

    def _hold(self, estimate_usd: float) -> None:
        """Add `estimate_usd` to the reservations, waiting while it does not fit only because of
        calls in flight; BudgetExceeded when it would not fit even once they all settled."""
        with self._settled:
            while True:
                if self._budget is None or self._spent() + self._pending + estimate_usd <= self._budget \
                        or self._in_flight == 0 or self._spent() + estimate_usd > self._budget:
                    self._check(estimate_usd)  # raises unless it fits now
                    self._pending += estimate_usd
                    self._in_flight += 1
                    return
                self._settled.wait(timeout=1.0)

    def _release(self, estimate_usd: float) -> None:
        with self._settled:
            self._pending -= estimate_usd
            self._in_flight -= 1
            self._settled.notify_all()

    def record(self, stage: str, completion, meta: dict | None = None) -> None:
        """Add one call's usage and cost (a `codefix.core.protocols.Completion`) under `stage`."""
        u = completion.usage
        entry = StageTotals(1, u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens, completion.cost)
        ident = getattr(self._reservation, "id", None) or uuid.uuid4().hex
        self._reservation.id = None
        self._reservation.cost = getattr(self._reservation, "cost", 0.0) + completion.cost
        if self._journal is not None:  # durable before anything else happens
            self._journal.append({"kind": "call", "id": ident, "stage": stage, "meta": _plain(meta or {}), **asdict(entry)})
        self._add(stage, entry, meta or {})

    def _add(self, stage: str, entry: StageTotals, meta: dict) -> None:
        with self._lock:
            self._stages.setdefault(stage, StageTotals()).add(entry)
            self._calls.append({"stage": stage, "meta": _plain(meta), **asdict(entry)})

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
        """A JSON-ready record for artefacts (budget, per-stage sums, totals, calls, and calls
        unconfirmed because a process died while they were in flight)."""
        return {"budget_usd": self._budget, "by_stage": self.by_stage(), "totals": self.totals(), "calls": self.calls,
                "unconfirmed": [dict(u) for u in self._unconfirmed], "unconfirmed_usd": self.unconfirmed_usd}

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


def _run_budget_exceeded(state, estimate: float) -> BudgetExceeded:
    in_flight = f" and ${state.reserved:.4f} reserved by calls in flight" if state.reserved else ""
    return BudgetExceeded(f"the run's budget ${state.budget:.4f} would be exceeded: every instance together spent "
                          f"${state.committed:.4f}{in_flight}, next call may cost up to ${estimate:.4f}",
                          spent=state.committed, budget=state.budget)


def _import_summary(summary: Path, journal: Journal) -> None:
    """Carry the calls of an older codefix's `ledger.json` into a new journal."""
    import json

    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for call in data.get("calls") or []:
        if isinstance(call, dict):
            journal.append({"kind": "call", "id": uuid.uuid4().hex, **call})


def journal_spent(directory: Path) -> float:
    """USD recorded in the journal in `directory`, calls in flight at a crash at their estimate."""
    state = read_journal(Path(directory) / JOURNAL_NAME)
    return sum(float(c.get("cost") or 0.0) for c in state.calls) + sum(float(u.get("estimate") or 0.0) for u in state.unconfirmed)


def journal_by_stage(directory: Path) -> dict | None:
    """Per-stage sums of the journal in `directory` (None without one), read only: calls in flight
    at a kill appear as the stage "unconfirmed" at their estimate."""
    path = Path(directory) / JOURNAL_NAME
    if not path.is_file():
        return None
    state = read_journal(path)
    stages: dict[str, StageTotals] = {}
    for call in state.calls:
        stages.setdefault(str(call.get("stage", "?")), StageTotals()).add(StageTotals(**{k: call.get(k, 0) for k in FIELDS}))
    if state.unconfirmed:
        stages["unconfirmed"] = StageTotals(calls=len(state.unconfirmed),
                                            cost=sum(float(u.get("estimate") or 0.0) for u in state.unconfirmed))
    return {stage: asdict(t) for stage, t in stages.items()}


def _plain(meta: dict) -> dict:
    """Meta values that JSON can hold; anything else is stored as its repr."""
    out = {}
    for key, value in meta.items():
        out[str(key)] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
    return out


def cache_summary(totals: dict) -> str | None:
    """One line on the provider's prompt cache from ledger sums (`Ledger.totals()` or a stage's):
    the share of prompt tokens read from it and the tokens read and written; None when unused."""
    read, write = int(totals.get("cache_read_tokens", 0)), int(totals.get("cache_write_tokens", 0))
    if not read and not write:
        return None
    prompt = int(totals.get("input_tokens", 0)) + read + write
    return f"prompt cache: {read / prompt:.0%} of {prompt} prompt tokens read from it ({read} read, {write} written)"
