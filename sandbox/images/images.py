"""Which image an instance's sandbox starts from, building one for a local `source`."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

from codefix.core.errors import SandboxError
from codefix.core.instance import Instance
from sandbox.docker.workdir_export import export_workdir

__all__ = ["build_local_image", "export_workdir", "image_for", "resolve_base_image", "sandbox_config_for"]

DEFAULT_BASE_IMAGE = "python:3.11-slim"
LOCAL_REPO = "codefix-local"
# Installs git and pytest only when the base lacks them, so it also builds offline.
DOCKERFILE = """\
FROM {base}
RUN command -v git >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*)
RUN python3 -c "import pytest" 2>/dev/null || pip install --no-cache-dir pytest
COPY testbed /testbed
WORKDIR /testbed
"""


def resolve_base_image(explicit: str | None = None) -> str:
    """The base for local images: the argument, else $CODEFIX_BASE_IMAGE, else python:3.11-slim."""
    return explicit or os.environ.get("CODEFIX_BASE_IMAGE") or DEFAULT_BASE_IMAGE


def image_for(instance: Instance, *, cache_dir: Path | None = None) -> str:
    """The image whose /testbed holds the instance's repository (built for a local source)."""
    if instance.image:
        return instance.image
    if instance.source is not None:
        return build_local_image(instance, cache_dir=cache_dir)[0]
    from sandbox.evaluation.specs import swebench_image_name

    return swebench_image_name(instance)


def sandbox_config_for(instance: Instance, *, cache_dir: Path | None = None, **overrides):
    """A `SandboxConfig` for the instance (SWE-bench images get the conda activation)."""
    from sandbox.docker.docker_sandbox import SWEBENCH_ENV_SETUP, SandboxConfig

    setup = SWEBENCH_ENV_SETUP if instance.is_swebench else ""
    fields = {"image": image_for(instance, cache_dir=cache_dir), "env_setup": setup} | overrides
    return SandboxConfig(**fields)


def build_local_image(
    instance: Instance, base_image: str | None = None, *, cache_dir: Path | None = None, client=None
) -> tuple[str, str]:
    """Build (or reuse) `codefix-local/<id>:<hash>` with the source committed at /testbed.

    Returns (image tag, base commit sha).
    """
    import docker

    from sandbox.images.source_repo import prepare_source_repo

    base = resolve_base_image(base_image)
    cache = Path(cache_dir) if cache_dir else default_cache_dir() / "repos"
    repo, commit = prepare_source_repo(instance, cache)
    dockerfile = DOCKERFILE.format(base=base)
    key = hashlib.sha256(f"{dockerfile}\0{commit}".encode()).hexdigest()[:12]
    tag = f"{LOCAL_REPO}/{instance.instance_id.lower()}:{key}"
    client = client or docker_client()
    try:
        client.images.get(tag)
        return tag, commit
    except docker.errors.ImageNotFound:
        pass
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        data = dockerfile.encode()
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        tar.add(repo, arcname="testbed")
    context.seek(0)
    try:
        client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                            labels={"codefix.core.instance": instance.instance_id})
    except docker.errors.BuildError as exc:
        tail = " | ".join(str(line.get("stream", line.get("error", ""))).strip() for line in exc.build_log)[-400:]
        raise SandboxError(f"building {tag} from {base} failed: {exc.msg}; {tail}") from exc
    except docker.errors.APIError as exc:
        raise SandboxError(f"building {tag} from {base} failed: {exc.explanation or exc}") from exc
    return tag, commit


def default_cache_dir() -> Path:
    """Host cache for source repositories and exported workdirs ($CODEFIX_CACHE or ~/.cache/codefix)."""
    return Path(os.environ.get("CODEFIX_CACHE") or Path.home() / ".cache" / "codefix")


def docker_client(timeout: int = 600):
    """A docker-py client for the engine; SandboxError when it cannot be reached."""
    import docker

    try:
        return docker.from_env(timeout=timeout)
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot reach the Docker engine: {exc}") from exc
