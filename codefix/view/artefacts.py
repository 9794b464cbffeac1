"""Read a run's artefacts without ever raising: each read returns the data or None, and a damaged
file (truncated, not JSON, not the expected shape) adds one line naming the file and the problem
to a `Problems` list that the page shows."""

from __future__ import annotations

import json
from pathlib import Path


class Problems(list):
    """Lines like `0.editing.traj.json: damaged: JSON cut short (line 3, column 5)`, relative to a root."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = Path(root)

    def add(self, path: Path, message: str) -> None:
        try:
            name = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            name = Path(path).name
        self.append(f"{name}: {message}")


def read_dict(path: Path, problems: Problems) -> dict | None:
    """The JSON object stored at `path`; None when absent (silently) or damaged (recorded)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path, f"unreadable: {exc}")
        return None
    if not text.strip():
        problems.add(path, "damaged: the file is empty")
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        problems.add(path, f"damaged: {_json_problem(exc, text)}")
        return None
    if not isinstance(data, dict):
        problems.add(path, f"damaged: expected a JSON object, found {type(data).__name__}")
        return None
    return data


def read_rows(path: Path, problems: Problems) -> list[dict] | None:
    """The JSON objects of a JSONL file (None when absent); unparsable lines are skipped and counted."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path, f"unreadable: {exc}")
        return None
    rows, bad = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            bad.append(number)
            continue
        if isinstance(row, dict):
            rows.append(row)
        else:
            bad.append(number)
    if bad:
        problems.add(path, f"damaged: {len(bad)} unreadable line(s) skipped (line {', '.join(map(str, bad[:5]))})")
    return rows


def _json_problem(exc: ValueError, text: str) -> str:
    pos = getattr(exc, "pos", None)
    if (pos is not None and pos >= len(text.rstrip())) or str(getattr(exc, "msg", "")).startswith("Unterminated string"):
        return f"JSON cut short after {len(text)} characters (a write was interrupted?)"
    line, col = getattr(exc, "lineno", "?"), getattr(exc, "colno", "?")
    return f"not valid JSON ({getattr(exc, 'msg', exc)} at line {line}, column {col})"


def as_dict(value) -> dict:
    """`value` when it is a dict, else {} (unknown shapes from newer or older writers)."""
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def as_number(value) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
