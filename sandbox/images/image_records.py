"""Which images codefix itself fetched (pulled or built), kept across runs so that
`codefix images prune` removes those and never an image the user had.

One JSON file, `<cache>/images/acquired.json`: {image name: {"id", "how", "kind", "source", "at"}},
read and written under an exclusive lock so parallel runs on one host do not lose entries.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codefix.core.store import atomic_write_text


class ImageRecords:
    """The acquired-images file; every method takes the lock for its own read-modify-write."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def _locked(self) -> Iterator[dict]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def add(self, name: str, *, image_id: str, how: str, kind: str, source: str = "") -> None:
        """Note that codefix fetched `name` (how: pulled/built; kind: instance/env/base)."""
        with self._locked() as data:
            data[name] = {"id": image_id, "how": how, "kind": kind, "source": source, "at": time.time()}

    def drop(self, name: str) -> None:
        with self._locked() as data:
            data.pop(name, None)

    def all(self) -> dict[str, dict]:
        with self._locked() as data:
            return dict(data)

    def get(self, name: str) -> dict | None:
        return self.all().get(name)
