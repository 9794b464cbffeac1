"""Containers this process started and has not removed yet, removed at interpreter exit
and on SIGINT/SIGTERM (then the signal takes its usual course)."""

from __future__ import annotations

import atexit
import os
import signal
import threading

SANDBOX_LABEL = "codefix.sandbox"
"""The label on every container codefix starts; `codefix clean` removes by it."""



def label_value() -> str:
    """The value set on `SANDBOX_LABEL`: $CODEFIX_SANDBOX_SESSION, else "1". A test session
    can set its own, then check and remove only `codefix.sandbox=<its value>`."""
    return os.environ.get("CODEFIX_SANDBOX_SESSION") or "1"


_lock = threading.Lock()
_live: dict[str, object] = {}
_installed = False
_previous: dict[int, object] = {}


def register(container) -> None:
    """Track `container` (a docker-py Container) until `unregister`."""
    global _installed
    with _lock:
        _live[container.id] = container
        if not _installed:
            _installed = True
            atexit.register(remove_all)
    install_signal_handlers()


def unregister(container) -> None:
    """Stop tracking `container` (it was removed by its owner)."""
    with _lock:
        _live.pop(container.id, None)


def remove_all() -> int:
    """Force-remove every tracked container; returns how many were removed."""
    with _lock:
        containers = list(_live.values())
        _live.clear()
    removed = 0
    for container in containers:
        try:
            container.remove(force=True)
            removed += 1
        except Exception:  # already gone, or the engine is down: nothing more to do
            pass
    return removed


def install_signal_handlers() -> bool:
    """Hook SIGINT/SIGTERM so live containers are removed first (idempotent).

    Only possible from the main thread: a command that starts sandboxes in worker threads
    calls this once at startup. Returns whether the handlers are in place.
    """
    if _previous:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False  # atexit still applies
    for signum in (signal.SIGINT, signal.SIGTERM):
        _previous[signum] = signal.getsignal(signum)
        signal.signal(signum, _on_signal)
    return True


def _on_signal(signum, frame) -> None:
    remove_all()
    previous = _previous.get(signum)
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def remove_labelled(client=None) -> int:
    """Force-remove every container on the engine carrying `SANDBOX_LABEL`; how many."""
    import docker

    from codefix.errors import SandboxError

    try:
        client = client or docker.from_env(timeout=120)
        containers = client.containers.list(all=True, sparse=True, filters={"label": SANDBOX_LABEL})
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot reach the Docker engine: {exc}") from exc
    removed = 0
    for container in containers:
        try:
            container.remove(force=True)
            removed += 1
        except docker.errors.NotFound:  # removed meanwhile by its owner
            pass
    return removed
