"""One `docker pull` done carefully: the free disk checked first, progress reported, failures
that may pass retried with exponential backoff, and a one-line reason when it gives up."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from codefix.core.errors import SandboxError
from sandbox.images.pull_progress import PullProgress

GIB = 1024**3
# Engine messages after which another attempt cannot help.
PERMANENT = ("not found", "manifest unknown", "unauthorized", "denied", "no matching manifest",
             "invalid reference", "repository name must", "does not exist")


class ImageUnavailable(SandboxError):
    """An instance's image is not there and could not be pulled or built (infrastructure)."""


class DiskSpaceLow(ImageUnavailable):
    """Too little free disk on Docker's data root to fetch another image."""


def remote_ref(name: str, registry: str | None) -> str:
    """The reference to pull for local image `name`: itself, or `registry/name` for a mirror."""
    if not registry:
        return name
    host = registry.strip().rstrip("/")
    for scheme in ("https://", "http://"):
        host = host.removeprefix(scheme)
    return name if host in ("docker.io", "index.docker.io", "registry-1.docker.io") else f"{host}/{name}"


def split_ref(ref: str) -> tuple[str, str]:
    """(repository, tag) of `ref`; the tag defaults to latest (a registry port is not a tag)."""
    head, _, last = ref.rpartition("/")
    if ":" in last:
        repo, tag = last.rsplit(":", 1)
        return (f"{head}/{repo}" if head else repo), tag
    return ref, "latest"


def is_permanent(message: str) -> bool:
    low = message.lower()
    return any(p in low for p in PERMANENT)


def backoff_delays(retries: int, first: float) -> list[float]:
    """Seconds to wait before each retry: first, 2×first, 4×first, ..."""
    return [first * (2**k) for k in range(retries)]


def check_free_disk(client, min_free_gb: float) -> float | None:
    """Raise DiskSpaceLow when Docker's data root has less than `min_free_gb` GiB free; the free
    GiB, or None when the root is not on this host (a remote engine) and cannot be checked."""
    if min_free_gb <= 0:
        return None
    try:
        root = Path(client.info().get("DockerRootDir") or "/var/lib/docker")
    except Exception as exc:  # engine gone: the pull would fail the same way
        raise SandboxError(f"cannot ask the Docker engine for its data root: {exc}") from exc
    if not root.exists():
        return None
    free = shutil.disk_usage(root).free / GIB
    if free < min_free_gb:
        raise DiskSpaceLow(
            f"only {free:.1f} GiB free on {root} (Docker's data root), below --min-free-gb {min_free_gb:g}: "
            "free space (codefix images prune, docker image prune) or use --cache-level none"
        )
    return free


def pull_once(client, ref: str, on_progress: Callable[[PullProgress], None] | None = None) -> PullProgress:
    """One attempt; raises SandboxError with the engine's message when it fails."""
    import docker

    repo, tag = split_ref(ref)
    progress = PullProgress(ref)
    try:
        for event in client.api.pull(repo, tag=tag, stream=True, decode=True):
            progress.update(event)
            if progress.error:
                break
            if on_progress is not None:
                on_progress(progress)
    except docker.errors.APIError as exc:
        progress.error = str(exc.explanation or exc)
    except Exception as exc:  # the stream broke (engine restarted, socket closed)
        progress.error = f"{type(exc).__name__}: {exc}"
    if progress.error:
        raise SandboxError(progress.error)
    return progress


def pull_with_retries(client, ref: str, *, retries: int, backoff: float,
                      on_progress: Callable[[PullProgress], None] | None = None,
                      on_retry: Callable[[int, float, str], None] | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> tuple[PullProgress, int]:
    """Pull `ref`, retrying what may pass; (final progress, attempts made). Raises
    ImageUnavailable with a one-line reason when every attempt failed or one cannot help."""
    delays = backoff_delays(retries, backoff)
    for attempt in range(1, retries + 2):
        try:
            return pull_once(client, ref, on_progress), attempt
        except SandboxError as exc:
            message = " ".join(str(exc).split())[:300]
            if is_permanent(message) or attempt > retries:
                tried = f" after {attempt} attempts" if attempt > 1 else ""
                raise ImageUnavailable(f"cannot pull {ref}{tried}: {message}") from exc
            wait = delays[attempt - 1]
            if on_retry is not None:
                on_retry(attempt, wait, message)
            sleep(wait)
    raise AssertionError("unreachable")
