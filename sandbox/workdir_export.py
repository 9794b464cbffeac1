"""Copy an image's /testbed to the host (the context stage reads repositories there)."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

from codefix.errors import SandboxError

MARKER = ".codefix-image-id"


def export_workdir(image: str, dest_dir: Path, *, workdir: str = "/testbed", client=None) -> Path:
    """`dest_dir` holding the image's `workdir`, reused while the image id is unchanged."""
    import docker

    from sandbox.live_sandboxes import SANDBOX_LABEL, label_value

    dest = Path(dest_dir)
    if client is None:
        try:
            client = docker.from_env(timeout=600)
        except docker.errors.DockerException as exc:
            raise SandboxError(f"cannot reach the Docker engine: {exc}") from exc
    try:
        image_id = client.images.get(image).id
    except docker.errors.ImageNotFound as exc:
        raise SandboxError(f"image {image} is not available locally; pull it: docker pull {image}") from exc
    marker = dest / MARKER
    if marker.is_file() and marker.read_text() == image_id:
        return dest
    container = client.containers.create(image, command=["true"], labels={SANDBOX_LABEL: label_value()}, network_mode="none")
    tmp = dest.with_name(dest.name + f".export{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        stream, _ = container.get_archive(workdir)
        with tarfile.open(fileobj=_Reader(stream), mode="r|") as tar:
            for member in tar:
                parts = member.name.split("/", 1)
                if len(parts) < 2 or not parts[1]:
                    continue
                member.name = parts[1]
                tar.extract(member, tmp, **_filter())
    except docker.errors.NotFound as exc:
        raise SandboxError(f"image {image} has no {workdir}") from exc
    finally:
        container.remove(force=True)
    (tmp / MARKER).write_text(image_id)
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(dest)
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
