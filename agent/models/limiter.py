"""One limiter per provider endpoint (model + api base + key), shared by every call of the process.

A provider caps requests and tokens per minute and counts refused requests against the cap, so
callers that each honour `retry-after` on their own come back together and keep the window full.
`EndpointLimiter` is the one place the calls of an endpoint wait:

- adaptive concurrency (AIMD): a 429 or 529 halves the requests allowed in flight (once per
  round of calls: the refusals of calls sent before a cut do not cut again), each answered call
  grows the allowance by 1/allowance back to the ceiling;
- an adaptive request rate (AIMD too): concurrency alone cannot hold a rate when answers are
  quick, so once the first pause is over the pace is set to the answers per second since the
  endpoint was last idle (IDLE_SECONDS; a minute at most: the pause is part of the provider's window); as that guess is low
  when the first calls were slow, the pace then grows fast (SLOW_START_GROWTH per answer) until
  the next round of refusals; each round sets it to the lower of `rate_cut` x the pace and the
  answers per second over the last minute, pauses included (slow start may have taken the pace
  far past what the endpoint served: cutting the pace alone took several rounds, each with its
  pause, to come down), after which each answered call adds `rate_growth` requests/s, a quarter
  of that once the pace is back within NEAR_REFUSED of the pace last refused; a refusal leaves
  the pace's bucket one call of credit and none accrues while paused, so calls resume evenly;
- a refusal pauses the whole endpoint: for the `retry-after` the provider sent, else for a
  backoff that doubles with consecutive rounds of refusals; every waiter adds its own jitter;
- known limits (`EndpointLimits`: requests, input tokens, output tokens per minute) are paced as
  token buckets holding a tenth of a second's worth, plus a tenth kept for a caller woken late
  (LATE_SECONDS; a call may take one into debt), so a call
  waits before the provider has to refuse; output tokens are reserved at the request's
  max_tokens and the unused part given back;
- a call that cannot be sent within `max_wait` seconds raises `RateLimited`, an infrastructure
  failure (never a verdict).

`shared_limiter(key, limits)` hands every model of the process the same limiter per endpoint.
On a Ray cluster each task's process takes `limits.share(nodes)` (its 1/N of the known limits,
given by `codefix.stages.limit_share` in `batch --executor ray`);
the adaptive part needs no coordination. The clock and sleep are injectable so tests never wait.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.errors import RateLimited

REFUSAL_STATUSES = (429, 529)
"""429 Too Many Requests; 529 Anthropic's overloaded."""


class EndpointLimits(BaseModel):
    """What the limiter of one endpoint knows and allows (model.limits in the config)."""

    model_config = ConfigDict(extra="forbid")

    requests_per_minute: float | None = Field(None, gt=0)
    """The provider's request limit; calls are paced under it (None: learnt from refusals only)."""
    input_tokens_per_minute: float | None = Field(None, gt=0)
    """The provider's input-token limit; each prompt is counted before it is sent."""
    output_tokens_per_minute: float | None = Field(None, gt=0)
    """The provider's output-token limit; a call reserves its max_tokens and returns what it did not use."""
    pace: float = Field(0.95, gt=0, le=1)
    """Share of the known limits the calls are paced at: headroom for arrival jitter and the
    provider's clock, so pacing alone never draws a refusal."""
    max_in_flight: int = Field(64, ge=1)
    """Ceiling of the requests in flight to the endpoint; the adaptive allowance starts here."""
    max_wait: float = Field(900.0, ge=0)
    """Seconds one call may wait on the limiter (pauses, pacing, refusals) before it fails as an
    infrastructure error (RateLimited)."""
    base_pause: float = Field(1.0, ge=0)
    """Seconds the endpoint pauses after a refusal without retry-after; doubles with each
    consecutive one, up to max_pause."""
    max_pause: float = Field(60.0, ge=0)
    """Cap on one pause without retry-after."""
    jitter: float = Field(0.1, ge=0, le=1)
    """Each waiter adds a random fraction up to this of the pause, so callers do not return together."""
    rate_cut: float = Field(0.9, gt=0, le=1)
    """Factor applied to the learnt request rate at each round of refusals."""
    rate_growth: float = Field(0.01, ge=0)
    """Requests/s the learnt rate grows by with each answered call (1% a second at any rate)."""

    def share(self, parts: int) -> EndpointLimits:
        """This endpoint's limits divided among `parts` processes (Ray nodes) calling it at once."""
        if parts <= 1:
            return self
        per = {k: (getattr(self, k) / parts if getattr(self, k) else None)
               for k in ("requests_per_minute", "input_tokens_per_minute", "output_tokens_per_minute")}
        return self.model_copy(update={**per, "max_in_flight": max(1, self.max_in_flight // parts)})


@dataclass
class StageFigures:
    """What the limiter saw of one stage's calls."""

    sent: int = 0
    refused: int = 0
    """429s and 529s answered."""
    waited: float = 0.0
    """Seconds calls spent waiting on the limiter."""


BURST_SECONDS = 0.1
"""A bucket holds this many seconds of its rate (at least one request): paced calls go out evenly."""
LATE_SECONDS = 0.1
"""Credit a bucket keeps, beyond BURST_SECONDS, for a caller woken late: a waiter is woken when the
bucket holds its call, but on a busy interpreter (32 callers sharing the GIL on 2 cores) it runs
milliseconds later, and a bucket capped at one request loses that lateness at every call (0.89
of a 10 req/s limit instead of the 0.95 paced). Kept, the next call goes that much sooner, so the
pace holds on average; the most it adds to a window is this many seconds of the rate."""
SLOW_START_GROWTH = 0.25
"""Requests/s the learnt pace grows by per answered call between its first setting and the next
round of refusals."""
HISTORY_SECONDS = 60.0
"""How far back the answers are counted when a refusal sets the learnt rate."""
IDLE_SECONDS = 1.0
"""A call that finds nothing in flight, nobody waiting, no pause and no answer for this long starts
a new busy spell: the rate served is counted from there, idle time would under-state it."""
NEAR_REFUSED = 0.9
"""Share of the pace last refused (`refused_rate`) above which the learnt pace grows at a quarter
of `rate_growth`: it spends longer just under the limit and reaches the next refusal later (each
round of refusals costs a pause of at least the whole second a retry-after is rounded up to)."""


@dataclass
class Bucket:
    """A token bucket of `rate` per second holding BURST_SECONDS of it (at least 1) plus LATE_SECONDS
    of it (made with `level` at most the former); may go into debt."""

    rate: float
    level: float
    at: float

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate * BURST_SECONDS)

    def refill(self, now: float) -> None:
        self.level = min(self.capacity + self.rate * LATE_SECONDS, self.level + max(0.0, now - self.at) * self.rate)
        self.at = max(self.at, now)

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` may be taken: the level holds it, or the bucket is full (a
        request larger than the bucket then takes it into debt)."""
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need - 1e-9 else max(0.001, (need - self.level) / self.rate)


@dataclass
class Permit:
    """One call's place in flight; `refused` / `answered` tell the limiter how it went."""

    round: int
    output_reserved: float
    waited: float = 0.0
    refused: int = 0
    done: bool = field(default=False, repr=False)


class EndpointLimiter:
    """The calls of one endpoint: see the module docstring."""

    def __init__(self, limits: EndpointLimits | None = None, *, name: str = "endpoint",
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 rng: Callable[[], float] = random.random):
        self.limits = limits or EndpointLimits()
        self.name = name
        self.clock, self.sleep, self.rng = clock, sleep, rng
        self._cond = threading.Condition()
        self.allowed = float(self.limits.max_in_flight)
        """Requests the endpoint may have in flight now (adaptive)."""
        self.in_flight = 0
        self.paused_until = 0.0
        self._streak = 0  # consecutive refusals, for the backoff without retry-after
        self._round = 0  # bumped at each cut: refusals of calls sent before it do not cut again
        now = clock()
        self._answers: deque[float] = deque()  # when calls were answered, the last HISTORY_SECONDS
        self.learnt_rate: float | None = None
        """Requests/s the refusals taught (None until the first pause is over)."""
        self._learn_pending = False
        self._slow_start = False
        self._waiting = 0  # callers inside acquire
        self._last_done = float("-inf")  # the last answer, refusal or release
        self._busy_since: float | None = None  # the first call of the current busy spell
        self.refused_rate: float | None = None
        """The learnt pace when the endpoint last refused (in slow start: at most the rate it served);
        the pace grows slowly near it."""
        pace = self.limits.pace / 60
        self._buckets = {key: Bucket(rate * pace, max(1.0, rate * pace * BURST_SECONDS), now) for key, rate in (
            ("requests", self.limits.requests_per_minute), ("input", self.limits.input_tokens_per_minute),
            ("output", self.limits.output_tokens_per_minute)) if rate}
        self.stages: dict[str, StageFigures] = {}

    # -- the one entry point -------------------------------------------------------------
    def call(self, fn: Callable[[], object], *, stage: str = "", input_tokens: int = 0, output_tokens: int = 0,
             is_refusal: Callable[[BaseException], float | None | bool] = lambda exc: False,
             output_of: Callable[[object], int | None] = lambda result: None,
             describe: str = "model call") -> tuple[object, Permit]:
        """Run `fn` when the endpoint allows it; a refusal (`is_refusal(exc)` is the retry-after in
        seconds, None when the provider gave none, False when `exc` is no refusal) is retried
        here after the endpoint's pause. Returns (result, the last permit, whose `waited` and
        `refused` cover every attempt). `output_of(result)`: output tokens the answer used."""
        started = self.clock()
        refused, waited = 0, 0.0
        while True:
            asked_at = self.clock()
            permit = self.acquire(stage=stage, input_tokens=input_tokens, output_tokens=output_tokens,
                                  deadline=started + self.limits.max_wait, describe=describe)
            waited += self.clock() - asked_at
            permit.refused, permit.waited = refused, waited
            try:
                result = fn()
            except BaseException as exc:
                asked = is_refusal(exc)
                if asked is False:
                    self.release(permit, stage=stage)
                    raise
                refused += 1
                self.refused(permit, asked, stage=stage)
                if self.clock() - started >= self.limits.max_wait:
                    raise RateLimited(f"{describe}: {self.name} still refused after {self.clock() - started:.0f} s "
                                      f"of waiting (wait budget {self.limits.max_wait:.0f} s)") from exc
                continue
            self.answered(permit, stage=stage, output_tokens=output_of(result))
            return result, permit

    # -- the parts, for callers that need them -------------------------------------------
    def acquire(self, *, stage: str = "", input_tokens: int = 0, output_tokens: int = 0,
                deadline: float | None = None, describe: str = "model call") -> Permit:
        """Wait until a call may be sent (paused, allowance, pacing); RateLimited past `deadline`."""
        started = self.clock()
        deadline = started + self.limits.max_wait if deadline is None else deadline
        with self._cond:
            if (self.in_flight == 0 and self._waiting == 0 and started >= self.paused_until
                    and started - self._last_done > IDLE_SECONDS):
                self._busy_since = started
            self._waiting += 1
            try:
                return self._acquire(started, deadline, stage, input_tokens, output_tokens, describe)
            finally:
                self._waiting -= 1

    def _acquire(self, started: float, deadline: float, stage: str, input_tokens: int, output_tokens: int,
                 describe: str) -> Permit:
        """`acquire` inside the lock."""
        while True:
            now = self.clock()
            delay = self._delay(now, input_tokens, output_tokens)
            if delay == 0.0:
                self._take(now, input_tokens, output_tokens)
                figures = self._figures(stage)
                figures.sent += 1
                figures.waited += now - started
                return Permit(round=self._round, output_reserved=float(output_tokens))
            left = deadline - now
            if left <= 0 or (delay is not None and delay > left):
                self._figures(stage).waited += now - started
                raise RateLimited(f"{describe}: {self.name} would not take the call within the wait budget "
                                  f"({self.limits.max_wait:.0f} s): {self._why(now)}")
            if delay is None:  # full: a finished call wakes us
                self._cond.wait(timeout=min(left, 1.0))
                continue
            self._cond.release()
            try:
                self.sleep(delay + self.rng() * self.limits.jitter * delay)
            finally:
                self._cond.acquire()

    def answered(self, permit: Permit, *, stage: str = "", output_tokens: int | None = None) -> None:
        """The call was answered: grow the allowance, give back unused output tokens."""
        with self._cond:
            if permit.done:
                return
            permit.done = True
            self.in_flight -= 1
            self._streak = 0
            self._last_done = self.clock()
            self.allowed = min(float(self.limits.max_in_flight), self.allowed + 1 / max(1.0, self.allowed))
            now = self.clock()
            self._answers.append(now)
            while self._answers and self._answers[0] < now - HISTORY_SECONDS:
                self._answers.popleft()
            if self.learnt_rate is not None:
                near = self.refused_rate is not None and self.learnt_rate >= NEAR_REFUSED * self.refused_rate
                self.learnt_rate += SLOW_START_GROWTH if self._slow_start else (
                    self.limits.rate_growth / 4 if near else self.limits.rate_growth)
                self._buckets["learnt"].rate = self.learnt_rate
            if output_tokens is not None and "output" in self._buckets:
                self._buckets["output"].level += max(0.0, permit.output_reserved - output_tokens)
            self._cond.notify_all()

    def release(self, permit: Permit, *, stage: str = "") -> None:
        """The call failed for another reason: free its place, nothing learnt."""
        with self._cond:
            if permit.done:
                return
            permit.done = True
            self.in_flight -= 1
            self._last_done = self.clock()
            self._cond.notify_all()

    def refused(self, permit: Permit, retry_after: float | None, *, stage: str = "") -> None:
        """A 429/529: cut the allowance (once per round), pause the whole endpoint."""
        with self._cond:
            self._figures(stage).refused += 1
            if not permit.done:
                permit.done = True
                self.in_flight -= 1
            now = self.clock()
            self._last_done = now
            if permit.round == self._round:
                self._streak += 1
                self.allowed = max(1.0, self.allowed / 2)
                self._round += 1
                self._learn(now)
            pause = retry_after if retry_after is not None else min(
                self.limits.max_pause, self.limits.base_pause * 2 ** (self._streak - 1))
            self.paused_until = max(self.paused_until, now + pause)
            learnt = self._buckets.get("learnt")
            if learnt is not None:  # no credit for the pause: the calls resume at the pace, not in a burst
                learnt.level, learnt.at = min(learnt.level, 1.0), max(learnt.at, self.paused_until)
            self._cond.notify_all()

    def snapshot(self) -> dict:
        """{endpoint, in_flight, allowed, rate (learnt requests/s or None), paused_for, sent, refused,
        waited} now (the live display)."""
        with self._cond:
            now = self.clock()
            return {"endpoint": self.name, "in_flight": self.in_flight, "allowed": int(self.allowed),
                    "rate": round(self.learnt_rate, 2) if self.learnt_rate is not None else None,
                    "paused_for": round(max(0.0, self.paused_until - now), 3),
                    "sent": sum(f.sent for f in self.stages.values()),
                    "refused": sum(f.refused for f in self.stages.values()),
                    "waited": round(sum(f.waited for f in self.stages.values()), 3)}

    # -- inside the lock -----------------------------------------------------------------
    def _learn(self, now: float) -> None:
        """A round of refusals: the first one's pace is set when its pause is over (`_first_pace`),
        later ones cut the pace."""
        if self.learnt_rate is None:
            self._learn_pending = True
        else:
            served = self._served_rate(now)
            self.refused_rate = min(self.learnt_rate, served) if self._slow_start and served else self.learnt_rate
            self._slow_start = False
            cut = self.learnt_rate * self.limits.rate_cut
            self.learnt_rate = max(1.0 / 60, cut if served is None else min(cut, served))
            self._buckets["learnt"].refill(now)
            self._buckets["learnt"].rate = self.learnt_rate

    def _delay(self, now: float, input_tokens: int, output_tokens: int) -> float | None:
        """0 when a call may go now, seconds to sleep when paused or paced, None when full."""
        if self.paused_until > now:
            return self.paused_until - now
        if self._learn_pending:
            self._first_pace(now)
        if self.in_flight >= max(1, int(self.allowed)):
            return None
        amounts = {"requests": 1, "learnt": 1, "input": input_tokens, "output": output_tokens}
        waits = []
        for key, bucket in self._buckets.items():
            bucket.refill(now)
            waits.append(bucket.wait_for(amounts[key]))
        return max(waits, default=0.0)

    def _served_rate(self, now: float) -> float | None:
        """Answers per second over the last HISTORY_SECONDS (since the busy spell began if later),
        pauses included: over a span as long as the provider's window, what it served is at most
        its limit (over a shorter one, after a pause emptied the window, it can be more). None when
        that is under a second or two answers, too little to tell."""
        since = max(self._busy_since if self._busy_since is not None else now, now - HISTORY_SECONDS)
        answers = sum(1 for t in self._answers if t > since)
        if now - since < 1.0 or answers < 2:
            return None
        return answers / (now - since)

    def _first_pace(self, now: float) -> None:
        """The answers per second since the busy spell began (the last HISTORY_SECONDS at most), pause included."""
        span = min(HISTORY_SECONDS, max(1.0, now - (self._busy_since if self._busy_since is not None else now)))
        recent = sum(1 for t in self._answers if t >= now - span)
        if not recent:  # nothing answered yet: no pace to learn, the pauses alone hold the calls
            return
        self.learnt_rate = recent / span
        self._buckets["learnt"] = Bucket(self.learnt_rate, max(1.0, self.learnt_rate * BURST_SECONDS), now)
        self._learn_pending = False
        self._slow_start = True

    def _take(self, now: float, input_tokens: int, output_tokens: int) -> None:
        self.in_flight += 1
        for key, amount in (("requests", 1), ("learnt", 1), ("input", input_tokens), ("output", output_tokens)):
            if key in self._buckets:
                self._buckets[key].level -= amount

    def _why(self, now: float) -> str:
        if self.paused_until > now:
            return f"paused for {self.paused_until - now:.0f} s more after refusals"
        if self.in_flight >= max(1, int(self.allowed)):
            return f"{self.in_flight} calls in flight, {int(self.allowed)} allowed"
        return "paced under the configured limits"

    def _figures(self, stage: str) -> StageFigures:
        return self.stages.setdefault(stage or "?", StageFigures())


def snapshot_line(snap: dict) -> str:
    """One line of an `EndpointLimiter.snapshot()` for the live display."""
    pace = f"  pace {snap['rate']:.1f}/s" if snap.get("rate") is not None else ""
    paused = f"  paused {snap['paused_for']:.0f}s" if snap.get("paused_for") else ""
    return (f"{snap['endpoint']}: in flight {snap['in_flight']}/{snap['allowed']}{pace}  "
            f"429s {snap['refused']}  waited {snap['waited']:.0f}s{paused}")


def endpoint_key(model: str, api_base: str | None, api_key: str | None) -> str:
    """model|api base|first 12 hex of the key's sha256 (the key itself is never kept)."""
    digest = hashlib.sha256((api_key or "").encode()).hexdigest()[:12] if api_key else "-"
    return f"{model}|{api_base or '-'}|{digest}"


_SHARED: dict[str, EndpointLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(key: str, limits: EndpointLimits | None = None) -> EndpointLimiter:
    """The process's limiter of endpoint `key` (made with `limits` by the first model that asks)."""
    with _SHARED_LOCK:
        limiter = _SHARED.get(key)
        if limiter is None:
            limiter = _SHARED[key] = EndpointLimiter(limits, name=key.split("|", 1)[0])
        return limiter


def shared_limiters() -> list[EndpointLimiter]:
    """Every endpoint limiter of the process (the live display reads their snapshots)."""
    with _SHARED_LOCK:
        return list(_SHARED.values())


@contextmanager
def no_shared_limiters() -> Iterator[None]:
    """Tests: start from no limiters and drop the ones made inside."""
    with _SHARED_LOCK:
        saved = dict(_SHARED)
        _SHARED.clear()
    try:
        yield
    finally:
        with _SHARED_LOCK:
            _SHARED.clear()
            _SHARED.update(saved)
