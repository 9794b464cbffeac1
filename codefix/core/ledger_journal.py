"""The append-only journal of one instance's model calls (`<run>/<instance>/ledger.jsonl`).

One JSON line per event, written and fsynced as it happens, so a kill at any point loses no
record of money spent:

- `{"kind": "reserve", "id", "estimate", "stage", "meta"}` before a call is sent;
- `{"kind": "call", "id", "stage", "meta", <tokens>, "cost"}` when its reply is back;
- `{"kind": "release", "id"}` when it failed without a reply (nothing was paid).

A reserve with neither a call nor a release is a call that was in flight when its process died:
it may have been paid, so it counts at its estimate (the worst case) and is reported as
unconfirmed. A crash can tear the line being written: a torn line (the start of an event, cut) is
skipped with a warning, also when later runs appended after it (a torn call leaves its reserve
open, counted at its estimate). Any other damaged line is named in one clear error.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.errors import InputError
from codefix.core.redaction import redact

JOURNAL_NAME = layout.LEDGER_JOURNAL


@dataclass
class JournalState:
    """What a journal holds."""

    calls: list[dict] = field(default_factory=list)
    """One entry per confirmed call: stage, meta, token counts, cost."""
    unconfirmed: list[dict] = field(default_factory=list)
    """Reserves of calls in flight when a process died: id, stage, meta, estimate."""
    warnings: list[str] = field(default_factory=list)
    """One line per problem that was worked around (a torn last line)."""


class Journal:
    """Appends events to one journal file; thread-safe, each line fsynced before returning."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, event: dict) -> None:
        line = (redact(json.dumps(event, default=str)) + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if _ends_torn(fd):  # a crash tore the last line: start ours on a fresh one
                    os.write(fd, b"\n")
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)


def _ends_torn(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def read_journal(path: Path) -> JournalState:
    """Replay `path` (missing: empty). Raises InputError naming the file and line of damage."""
    state = JournalState()
    path = Path(path)
    if not path.is_file():
        return state
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    open_reserves: dict[str, dict] = {}
    last = len(lines) - 1 if lines[-1] else len(lines) - 2  # index of the last non-empty line
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            event = json.loads(line.decode("utf-8"))
            kind = event["kind"]
        except (ValueError, KeyError, TypeError):
            if number >= last and not raw.endswith(b"\n") or _torn_then_resumed(lines, number):
                # the last line without its newline is torn whatever it holds; earlier, only a cut event
                state.warnings.append(f"{path}: line {number + 1} is torn (the process died while writing it); skipped")
                continue
            raise InputError(f"{path}: line {number + 1} is damaged (not a journal event); "
                             "the spending record cannot be trusted: repair or remove that line") from None
        if kind == "reserve":
            open_reserves[str(event.get("id"))] = event
        elif kind == "call":
            open_reserves.pop(str(event.get("id")), None)
            state.calls.append({k: v for k, v in event.items() if k not in ("kind", "id")})
        elif kind == "release":
            open_reserves.pop(str(event.get("id")), None)
    state.unconfirmed = list(open_reserves.values())
    return state


EVENT_START = b'{"kind": "'
"""How every line `Journal.append` writes begins."""


def _torn_then_resumed(lines: list[bytes], number: int) -> bool:
    """A torn line that a later writer followed with a newline (see `Journal.append`): the start
    of an event, cut before its closing brace. Anything else is damage, never skipped."""
    line = lines[number].rstrip()
    cut_event = line.startswith(EVENT_START) or EVENT_START.startswith(line)
    return cut_event and not line.endswith(b"}")
