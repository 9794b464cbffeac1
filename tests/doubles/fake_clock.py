"""`FakeClock`: a TEST DOUBLE of time for the endpoint limiter: `sleep` advances `now` at once
and is recorded, so limiter tests and model tests with refusals never wait."""

from __future__ import annotations

import threading

from agent.models.limiter import EndpointLimiter, EndpointLimits


class FakeClock:
    """Monotonic seconds that only `sleep` moves."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(round(seconds, 6))
            self.now += seconds


def fake_time_limiter(limits: EndpointLimits | None = None, **fields) -> tuple[EndpointLimiter, FakeClock]:
    """A limiter on a FakeClock with no jitter (its sleeps are exactly the pauses)."""
    clock = FakeClock()
    limits = limits or EndpointLimits(**fields)
    return EndpointLimiter(limits, clock=clock, sleep=clock.sleep, rng=lambda: 0.0), clock
