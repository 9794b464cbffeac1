"""A log file of a run (e.g. `images.log` of a batch, whose live display owns stderr): timestamped
lines appended from any thread, redacted like every other artefact."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from codefix.core.redaction import redact


def appending_log(path: Path) -> Callable[[str], None]:
    """A log function appending `HH:MM:SS message` lines to `path`, host secrets masked."""
    lock = threading.Lock()

    def log(msg: str) -> None:
        line = redact(f"{time.strftime('%H:%M:%S')} {msg}") + "\n"
        with lock, Path(path).open("a", encoding="utf-8") as fh:
            fh.write(line)

    return log
