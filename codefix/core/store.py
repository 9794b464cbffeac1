"""The run store: where every artefact lives, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from codefix.core.errors import CodefixWarning, DamagedArtefact


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half;
    host secrets in it are redacted (`codefix.core.redaction`)."""
    from codefix.core.redaction import redact

    text = redact(text)
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
    """The JSON in `path`; a damaged file raises DamagedArtefact naming it, in one line."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DamagedArtefact(f"{path}: damaged (not UTF-8 text); move it aside to redo what wrote it", path) from None
    except json.JSONDecodeError as exc:
        what = "empty" if not exc.doc.strip() else f"truncated or not JSON: {exc.msg} at line {exc.lineno}"
        raise DamagedArtefact(f"{path}: damaged ({what}); move it aside to redo what wrote it", path) from None


def read_jsonl(path: Path) -> list[Any]:
    """One JSON value per line of `path` (blank lines skipped); a damaged line raises
    DamagedArtefact naming the file and the line."""
    path = Path(path)
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DamagedArtefact(f"{path}: line {number} is damaged ({exc.msg}); move the file aside to redo it",
                                  path) from None
    return out


def set_aside(path: Path) -> Path:
    """Rename a damaged artefact to `<name>.damaged-<time>` (kept for inspection, out of the way)."""
    path = Path(path)
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    os.replace(path, target)
    return target


def read_or_set_aside(path: Path, redo: str) -> Any | None:
    """The JSON in `path`, or None when there is none or it is damaged; a damaged file is set aside
    with a one-line warning saying what is redone (`redo`)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return read_json(path)
    except DamagedArtefact as exc:
        moved = set_aside(path)
        warnings.warn(f"{exc}; set aside as {moved.name}, {redo}", CodefixWarning, stacklevel=2)
        return None


class RunStore:
    """`<runs_dir>/<run_id>/` and the per-instance folders below it (ids checked: nothing is
    written outside the runs directory)."""

    def __init__(self, runs_dir: Path, run_id: str):
        from codefix.core.safe_names import inside

        self.root = inside(Path(runs_dir), run_id, "run id")
        self.run_id = run_id

    def instance_dir(self, instance_id: str) -> Path:
        from codefix.core.safe_names import inside

        path = inside(self.root, instance_id, "instance id")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def artefact(self, instance_id: str, name: str) -> Path:
        return self.instance_dir(instance_id) / name
