"""Reaching one Docker engine: a client of the engine at a URL (or the local one), and the one
line that says which engine did not answer and what to do when it cannot be reached."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from codefix.core.errors import EngineUnreachable

LOCAL_SOCKET = "unix:///var/run/docker.sock"


def engine_name(docker_host: str | None) -> str:
    """The URL of the engine `docker_host` means (None: $DOCKER_HOST, else the default socket)."""
    return docker_host or os.environ.get("DOCKER_HOST") or LOCAL_SOCKET


def connect(docker_host: str | None, *, timeout: int = 120):
    """A docker-py client of the engine at `docker_host` (None: the local one) that has answered;
    EngineUnreachable, one line naming the engine, otherwise."""
    import docker

    try:
        client = (docker.DockerClient(base_url=docker_host, timeout=timeout) if docker_host
                  else docker.from_env(timeout=timeout))
        client.ping()
        return client
    except Exception as exc:  # docker-py wraps some causes, requests raises others: all mean "no answer"
        raise EngineUnreachable(unreachable_line(engine_name(docker_host), exc)) from exc


def unreachable_line(url: str, exc: BaseException) -> str:
    """Why the engine at `url` did not answer, and what to do, in one line."""
    parsed = urlparse(url)
    text = " ".join(str(exc).split())
    if parsed.scheme in ("unix", "npipe") and not os.path.exists(parsed.path):
        why = f"no socket at {parsed.path}"
    elif "refused" in text.lower():
        why = "connection refused"
    elif "timed out" in text.lower() or "timeout" in text.lower():
        why = "no answer before the timeout"
    else:
        why = text[:160]
    return (f"cannot reach the Docker engine at {url} ({why}): start that engine, or give the URL of one "
            "that runs (--docker-host, or sandbox.docker_host in --config)")
