"""Cache warm-up: the first editing call of an instance goes alone, so that the parallel ones
read the prefix it wrote to the provider's prompt cache instead of each writing it again.

A provider makes a cache entry visible only once the call that writes it has been answered, so
N editing trajectories starting together would all pay the write price (1.25x on Anthropic) for
the same system prompt, issue and packed context. The paper warms the cache with one call first;
`WarmedModel` does the same inside a running generation: the first call through it is made
while every other call through it waits, then all go freely.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class WarmupGate:
    """Lets one call through first; the others wait until it returned (or failed)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._leader_chosen = False
        self._done = threading.Event()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold for the duration of one call."""
        if not self._done.is_set():
            with self._lock:
                lead, self._leader_chosen = not self._leader_chosen, True
            if lead:
                try:
                    yield
                finally:
                    self._done.set()
                return
            self._done.wait()
        yield

    @property
    def warm(self) -> bool:
        """True once the first call has returned."""
        return self._done.is_set()


class WarmedModel:
    """A Model whose calls pass through a `WarmupGate` (the wrapped model does the work)."""

    def __init__(self, model, gate: WarmupGate | None = None):
        self.model = model
        self.gate = gate or WarmupGate()
        self.name = model.name

    def query(self, messages: list[dict], **kwargs):
        with self.gate.turn():
            return self.model.query(messages, **kwargs)

    def __getattr__(self, name: str):  # max_tokens, litellm_model, ... of the wrapped model
        return getattr(self.model, name)
