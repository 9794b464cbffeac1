"""Find and remove codefix containers on the engine: orphans (their owner process is dead),
a run's orphans (reaped when the run is resumed), or all of them (`codefix clean --all`).

Only containers labelled with this session's `codefix.sandbox` value are ever considered."""

from __future__ import annotations

from dataclasses import dataclass

from codefix.core.errors import SandboxError
from sandbox.docker.ownership import RUN_LABEL, SANDBOX_LABEL, is_orphan, label_value


@dataclass(frozen=True)
class Sweep:
    """What a clean-up removed and what it left alone."""

    removed: int
    """Containers removed."""
    kept_live: int
    """Containers kept because their owner process is alive (or on another host)."""


def _client(client=None):
    import docker

    try:
        return client or docker.from_env(timeout=120)
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot reach the Docker engine: {exc}") from exc


def _containers(client, run_id: str | None = None) -> list:
    import docker

    labels = [f"{SANDBOX_LABEL}={label_value()}"]
    if run_id is not None:
        labels.append(f"{RUN_LABEL}={run_id}")
    try:
        return client.containers.list(all=True, filters={"label": labels})
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot list containers: {exc}") from exc


def _remove(container) -> bool:
    import docker

    try:
        container.remove(force=True)
        return True
    except docker.errors.NotFound:  # removed meanwhile by its owner
        return False
    except docker.errors.APIError as exc:
        raise SandboxError(f"cannot remove container {container.short_id}: {exc.explanation or exc}") from exc


def sweep(*, everything: bool = False, run_id: str | None = None, client=None) -> Sweep:
    """Remove orphaned containers (of `run_id` only, when given); with `everything`, all."""
    client = _client(client)
    removed = kept = 0
    for container in _containers(client, run_id):
        if everything or is_orphan(container.labels or {}):
            removed += _remove(container)
        else:
            kept += 1
    return Sweep(removed, kept)


def reap_run(run_id: str, client=None) -> int:
    """Remove the orphaned containers of `run_id` (a resumed run's dead predecessors); how many.
    Without a reachable engine there is nothing to reap."""
    try:
        return sweep(run_id=run_id, client=client).removed
    except SandboxError:
        return 0
