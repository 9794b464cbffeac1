"""Where sandboxes run, as configuration: one pydantic class per backend, told apart by `kind`
(a discriminated union, as SWE-ReX configures its deployments). A config's `open()` makes the
live backend that owns the run's use of its engine (images, host checkout, sandboxes, clean-up:
`sandbox.docker_backend.DockerBackend` is the shape every backend has).

Adding a backend touches this file (its config class, added to `SandboxBackendConfig`) and the
module implementing it; its import stays inside `open`, so choosing Docker never loads the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.instance import Instance
from sandbox.images.image_config import ImageConfig


class DockerBackendConfig(BaseModel):
    """Sandboxes as hardened containers of a Docker engine (`sandbox.docker.docker_sandbox`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["docker"] = "docker"
    """The backend's name (the union's discriminator)."""
    docker_host: str | None = None
    """URL of the engine the run uses (unix:///var/run/docker.sock, tcp://HOST:2376,
    ssh://USER@HOST); None: the local engine ($DOCKER_HOST or the default socket). Everything goes
    to that engine: instance images are pulled or built there, the context stage's checkout is
    exported from there, sandboxes run there, and reaping and `codefix clean` act there."""
    images: ImageConfig = Field(default_factory=ImageConfig)
    """How SWE-bench instance images are fetched onto the engine (pull, mirror, build) and removed
    after use."""

    def open(self, *, log: Callable[[str], None] | None = None):
        """The live backend (`sandbox.docker_backend.DockerBackend`); `log` hears its image messages."""
        from sandbox.docker_backend import DockerBackend

        return DockerBackend(self, log=log)


class DockerEngine(BaseModel):
    """One engine of a pool."""

    model_config = ConfigDict(extra="forbid")

    docker_host: str | None = None
    """URL of the engine (None: the local one)."""
    capacity: int = Field(1, ge=1, le=1024)
    """Instances it runs at once before the pool prefers another engine (instances go to the engine
    with the most free capacity)."""


class DockerPoolConfig(BaseModel):
    """A pool of Docker engines for one machine's run (`sandbox.docker_pool_backend.DockerPool`):
    each instance runs on one engine, its image acquired there; an engine that stops answering
    is left out and its instances are retried on another one; reaping and `clean` sweep all."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["docker_pool"] = "docker_pool"
    """The backend's name (the union's discriminator)."""
    engines: list[DockerEngine] = Field(min_length=1)
    """The engines (`--docker-host` given more than once: one each, capacity 1)."""
    images: ImageConfig = Field(default_factory=ImageConfig)
    """How SWE-bench instance images are fetched onto each engine and removed after use."""

    def open(self, *, log: Callable[[str], None] | None = None):
        from sandbox.docker_pool_backend import DockerPool

        return DockerPool(self, log=log)


SandboxBackendConfig = Annotated[Union[DockerBackendConfig, DockerPoolConfig], Field(discriminator="kind")]
"""Every backend's config; a new one joins the Union."""


def sandbox_factory(instance: Instance, backend=None, **settings) -> tuple[Callable[[], object], Instance]:
    """`(factory, instance)` of `backend.sandboxes` (see `DockerBackend.sandboxes`): `backend` is a
    live backend, or a backend config opened for this call (default: the local Docker engine)."""
    backend = DockerBackendConfig() if backend is None else backend
    if isinstance(backend, BaseModel):
        backend = backend.open()
    return backend.sandboxes(instance, **settings)
