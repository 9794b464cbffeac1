"""context.json, written as the stage goes so an interrupted run resumes file by file.

Relevance decisions arrive from many threads; they are recorded under a lock and written in
batches (every N decisions or every few seconds), atomically through codefix.core.store.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from codefix.core.store import read_or_set_aside, write_json

FORMAT = 1


class Checkpoint:
    """The stage's record and the file it lives in."""

    def __init__(self, path: Path, record: dict, *, every: int = 64, seconds: float = 2.0):
        self.path = Path(path)
        self.record = record
        self._every = every
        self._seconds = seconds
        self._pending = 0
        self._last = time.monotonic()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, instance_id: str, **kwargs) -> "Checkpoint":
        """The stored record when there is one for this instance, else a fresh one."""
        path = Path(path)
        record = read_or_set_aside(path, "the context stage is redone")  # damaged: named, kept aside, not trusted
        if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("instance_id") != instance_id:
            record = {"format": FORMAT, "instance_id": instance_id, "status": "in_progress", "relevance": {}, "rankings": []}
        return cls(path, record, **kwargs)

    def set_decision(self, path: str, decision: dict) -> None:
        """Record one file's relevance decision; writes when a batch is due."""
        with self._lock:
            self.record["relevance"][path] = decision
            self._pending += 1
            due = self._pending >= self._every or time.monotonic() - self._last >= self._seconds
            if due:
                self._write_locked()

    def update(self, **fields) -> None:
        """Set top-level fields and write now."""
        with self._lock:
            self.record.update(fields)
            self._write_locked()

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._write_locked()

    def _write_locked(self) -> None:
        write_json(self.path, self.record)
        self._pending = 0
        self._last = time.monotonic()
