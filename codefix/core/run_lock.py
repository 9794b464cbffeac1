"""One writer per run (or per instance of a batch): an advisory `flock` on a lock file that names
its holder. The kernel drops the lock when the holder dies, even by SIGKILL, so a lock left by a
dead process is simply taken over (and reported); a live holder is named in the refusal."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path

from codefix.core.errors import CodefixError

LOCK_NAME = ".codefix.lock"


class RunInUse(CodefixError):
    """Another live process holds the run (or the instance)."""

    exit_code = 3


class RunLock:
    """`with RunLock(run_dir, "run r1"):` — refused with `RunInUse` while another process holds it.

    `took_over` holds the record of a dead previous holder whose lock this one replaced."""

    def __init__(self, directory: Path, what: str):
        self.path = Path(directory) / LOCK_NAME
        self.what = what
        self.took_over: dict | None = None
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise RunInUse(f"{self.what} is in use by {describe(holder)}; wait for it to finish or stop it "
                           f"(lock {self.path})") from None
        previous = _read(fd)
        self.took_over = previous or None  # a clean release empties the file: content means its holder died
        record = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                  "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:4]))}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing drops the flock


def describe(holder: dict | None) -> str:
    """`pid 123 on host (codefix solve ..., since 12:00:01)`, or what is known of it."""
    if not holder:
        return "another process"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder["since"])) if holder.get("since") else "?"
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} ({holder.get('command') or 'codefix'}, since {since})"


def _read(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0)
        record = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}
