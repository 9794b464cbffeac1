"""Read a `.json` (a list, an object, or one record) or `.jsonl` (one record a line) file,
naming where each record came from so errors can point at it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from codefix.core.errors import CodefixWarning, InputError


def read_records(path: Path, what: str, *, skip_torn_last: bool = False) -> list[tuple[str, Any]]:
    """`[(where, record)]`: `where` is "line N", "record N" or "entry 'key'" (for a JSON
    object whose values are objects). Raises `InputError` naming the file and the line.

    With `skip_torn_last`, a malformed last line of a `.jsonl` that does not end in a newline (a
    writer killed mid-line) is skipped with a one-line warning instead."""
    if not path.is_file():
        raise InputError(f"{path}: no such {what} file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
        if isinstance(data, list):
            return [(f"record {i + 1}", rec) for i, rec in enumerate(data)]
        return [("record 1", data)]
    out: list[tuple[str, Any]] = []
    lines = text.splitlines()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append((f"line {lineno}", json.loads(line)))
        except json.JSONDecodeError as exc:
            if skip_torn_last and lineno == len(lines) and not text.endswith("\n"):
                warnings.warn(f"{path}: line {lineno} is cut short (a writer was killed mid-line); skipped",
                              CodefixWarning, stacklevel=2)
                continue
            raise InputError(f"{path}: line {lineno}: malformed JSON: {exc.msg}") from None
    return out
