"""Who owns a container: the run and the process that started it, as labels, and whether that
process is still alive (so leftovers of a killed process can be told from live sandboxes)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

SANDBOX_LABEL = "codefix.sandbox"
"""The label on every container codefix starts; its value is the session (`label_value`)."""
RUN_LABEL = "codefix.run"
"""The run id the container works for ("" outside a run)."""
OWNER_LABEL = "codefix.owner"
"""`<host>:<pid>:<process start time>` of the process that started the container."""
RUN_ENV = "CODEFIX_RUN_ID"
"""Environment variable naming the run this process works for (set when it takes the run lock,
and passed on to Ray workers)."""


def label_value() -> str:
    """The value set on `SANDBOX_LABEL`: $CODEFIX_SANDBOX_SESSION, else "1". A test session
    can set its own, then check and remove only `codefix.sandbox=<its value>`."""
    return os.environ.get("CODEFIX_SANDBOX_SESSION") or "1"


def current_run() -> str:
    """The run this process works for ("" when none)."""
    return os.environ.get(RUN_ENV, "")


def process_start(pid: int) -> str:
    """The start time of process `pid` in clock ticks since boot ("" when unknown or gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else ""


def owner_id(pid: int | None = None) -> str:
    """This process (or `pid` on this host) as an owner label value."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}"


def owner_alive(owner: str) -> bool | None:
    """True/False for an owner on this host; None when it is another host's (cannot tell).

    A pid that now belongs to a younger process (pid reuse) counts as dead."""
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname():
        return None
    if not pid_text.isdigit():
        return False
    now = process_start(int(pid_text))
    if not now:
        return False
    return not started or now == started


def owner_labels() -> dict[str, str]:
    """The labels every container this process starts carries."""
    return {SANDBOX_LABEL: label_value(), RUN_LABEL: current_run(), OWNER_LABEL: owner_id()}


def is_orphan(labels: dict[str, str]) -> bool:
    """A container whose owner is known dead on this host, or that names no owner (left by an
    older codefix). Containers of live owners and of other hosts are not orphans."""
    owner = labels.get(OWNER_LABEL)
    if not owner:
        return True
    return owner_alive(owner) is False
