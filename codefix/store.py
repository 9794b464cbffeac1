"""The run store: where every artefact lives, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class RunStore:
    """`<runs_dir>/<run_id>/` and the per-instance folders below it."""

    def __init__(self, runs_dir: Path, run_id: str):
        self.root = Path(runs_dir) / run_id
        self.run_id = run_id

    def instance_dir(self, instance_id: str) -> Path:
        path = self.root / instance_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def artefact(self, instance_id: str, name: str) -> Path:
        return self.instance_dir(instance_id) / name
