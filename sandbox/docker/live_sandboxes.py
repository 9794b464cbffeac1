"""Containers this process started and has not removed yet, removed at interpreter exit and on
SIGINT/SIGTERM (then the signal takes its usual course).

On a signal no new container may start: `starting()` refuses, and a container whose creation
was in flight when the signal came is removed as soon as it registers. The handler waits for
such creations, then also removes, by the owner label, anything of this process on the engine.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.docker.ownership import OWNER_LABEL, SANDBOX_LABEL, label_value, owner_id, owner_labels

__all__ = ["SANDBOX_LABEL", "container_labels", "install_signal_handlers", "label_value", "register",
           "remove_all", "starting", "unregister", "watch_engine"]

START_WAIT = 20.0
"""Seconds the signal handler waits for container creations in flight."""

_lock = threading.Lock()
_live: dict[str, object] = {}
_installed = False
_closing = False
_starting = 0
_previous: dict[int, object] = {}
_engines: list = []
"""Makers of clients of the engines this process's backends use (`watch_engine`): the last sweep
by owner label covers each of them (none watched: the local engine)."""


def container_labels() -> dict[str, str]:
    """Labels for a container this process starts: session, run and owner."""
    return owner_labels()


def watch_engine(connect) -> None:
    """Also sweep the engine `connect` (a maker of its client) for this process's containers on a
    signal; a backend calls this for its engine."""
    with _lock:
        if connect not in _engines:
            _engines.append(connect)


def closing() -> bool:
    """True once this process has been told to stop (no new container may start)."""
    return _closing


@contextmanager
def starting() -> Iterator[None]:
    """Wrap the creation of a container: refused once the process is stopping."""
    global _starting
    from codefix.core.errors import SandboxError

    with _lock:
        if _closing:
            raise SandboxError("codefix is stopping: no new sandbox is started")
        _starting += 1
    try:
        yield
    finally:
        with _lock:
            _starting -= 1


def register(container) -> None:
    """Track `container` (a docker-py Container) until `unregister`; when the process is
    stopping it is removed at once and SandboxError raised."""
    global _installed
    from codefix.core.errors import SandboxError

    with _lock:
        if not _closing:
            _live[container.id] = container
            if not _installed:
                _installed = True
                atexit.register(remove_all)
            stopping = False
        else:
            stopping = True
    if stopping:
        _remove(container)
        raise SandboxError("codefix is stopping: the new sandbox was removed")
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
    return sum(_remove(c) for c in containers)


def stop_and_remove_all(wait: float = START_WAIT, client=None) -> int:
    """Refuse new containers, remove tracked ones, wait for creations in flight, then remove
    whatever of this process is still on the engine (by owner label). How many were removed."""
    global _closing
    with _lock:
        _closing = True
    removed = remove_all()
    deadline = time.monotonic() + wait
    while _starting and time.monotonic() < deadline:
        time.sleep(0.05)
    removed += remove_all()
    return removed + _remove_mine(client)


def _remove(container) -> int:
    try:
        container.remove(force=True)
        return 1
    except Exception:  # already gone, or the engine is down: nothing more to do
        return 0


def _remove_mine(client=None) -> int:
    if client is not None:
        return _remove_mine_on(lambda: client)
    with _lock:
        engines = list(_engines)
    if not engines:
        import docker

        engines = [lambda: docker.from_env(timeout=30)]
    return sum(_remove_mine_on(connect) for connect in engines)


def _remove_mine_on(connect) -> int:
    try:
        mine = connect().containers.list(all=True, sparse=True, filters={
            "label": [f"{SANDBOX_LABEL}={label_value()}", f"{OWNER_LABEL}={owner_id()}"]})
    except Exception:  # no engine: nothing of ours can be on it
        return 0
    return sum(_remove(c) for c in mine)


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
    stop_and_remove_all()
    previous = _previous.get(signum)
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
