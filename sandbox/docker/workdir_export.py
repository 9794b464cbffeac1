"""Copy an image's /testbed to the host (the context stage reads repositories there)."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

from codefix.core.errors import SandboxError
from codefix.core.safe_names import remove_marked

MARKER = ".codefix-image-id"


def export_workdir(image: str, dest_dir: Path, *, workdir: str = "/testbed", client=None) -> Path:
    """`dest_dir` holding the image's `workdir`, reused while the image id is unchanged. An
    existing `dest_dir` is replaced only when codefix made it (it holds the marker file)."""
    import docker

    from sandbox.docker import live_sandboxes

    dest = Path(dest_dir)
    if client is None:
        try:
            client = docker.from_env(timeout=600)
        except docker.errors.DockerException as exc:
            raise SandboxError(f"cannot reach the Docker engine: {exc}") from exc
    try:
        image_id = client.images.get(image).id
    except docker.errors.ImageNotFound as exc:
        raise SandboxError(f"image {image} is not available locally (it went after it was fetched, or pulling is off): "
                               f"fetch it with `codefix images prefetch` or `docker pull {image}`, or rerun with --pull") from exc
    marker = dest / MARKER
    if marker.is_file() and marker.read_text() == image_id:
        return dest
    remove_marked(dest, MARKER)  # refuses a folder codefix did not make, before any work
    with live_sandboxes.starting():
        container = client.containers.create(image, command=["true"], labels=live_sandboxes.container_labels(),
                                             network_mode="none")
    live_sandboxes.register(container)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.export-", dir=dest.parent))
    try:
        stream, _ = container.get_archive(workdir)
        with tarfile.open(fileobj=_Reader(stream), mode="r|") as tar:
            for member in tar:
                parts = member.name.split("/", 1)
                if len(parts) < 2 or not parts[1]:
                    continue
                member.name = parts[1]
                tar.extract(member, tmp, **_filter())
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)  # our own temporary folder
        if isinstance(exc, docker.errors.NotFound):
            raise SandboxError(f"image {image} has no {workdir}") from exc
        raise
    finally:
        live_sandboxes.unregister(container)
        container.remove(force=True)
    (tmp / MARKER).write_text(image_id)
    remove_marked(dest, MARKER)
    try:
        tmp.rename(dest)
    except OSError:  # made meanwhile by another process from the same image
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _filter() -> dict:
    return {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}


class _Reader:
    """A file-like view of docker-py's chunk iterator, for tarfile's stream mode."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buf = self._buf, b""
        else:
            data, self._buf = self._buf[:size], self._buf[size:]
        return data
