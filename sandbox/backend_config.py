"""Where sandboxes run, as configuration: one pydantic class per backend, told apart by `kind`
(a discriminated union, as SWE-ReX configures its deployments), and the one function every stage
gets its sandboxes from.

Adding a backend touches this file (its config class, added to `SandboxBackendConfig`) and the
module implementing it (a factory of unopened objects that satisfy `codefix.core.protocols.Sandbox`);
its import stays inside `sandboxes`, so choosing Docker never loads the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.instance import Instance


class DockerBackendConfig(BaseModel):
    """Sandboxes as hardened containers of a Docker engine (`sandbox.docker.docker_sandbox`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["docker"] = "docker"
    """The backend's name (the union's discriminator)."""
    docker_host: str | None = None
    """URL of the engine running the sandboxes (unix:///var/run/docker.sock, tcp://HOST:2376,
    ssh://USER@HOST); None: the local engine ($DOCKER_HOST or the default socket). Local images
    are built on that engine; SWE-bench images must be present on it or pullable by it."""

    def sandboxes(self, instance: Instance, *, images=None, **settings) -> tuple[Callable[[], object], Instance]:
        from sandbox.docker_backend import docker_sandboxes

        return docker_sandboxes(self, instance, images=images, **settings)


SandboxBackendConfig = Annotated[Union[DockerBackendConfig], Field(discriminator="kind")]
"""Every backend's config; a new one joins the Union."""


def sandbox_factory(instance: Instance, backend: DockerBackendConfig | None = None, *, images=None,
                    **settings) -> tuple[Callable[[], object], Instance]:
    """`(factory, instance)`: a factory of unopened sandboxes (context managers satisfying
    `codefix.core.protocols.Sandbox`) for `instance` on `backend` (default: the local Docker engine),
    and the instance with the base commit of the image its sandboxes start from (a local `source`
    gets its real commit). The image is built, or fetched by `images` (an ImageAcquirer), once,
    here. `settings` are the sandboxes' own (`sandbox.docker.sandbox_config.SandboxConfig` fields such as
    network, output_limit, writable_root, and `parallel`: how many run at once)."""
    return (backend or DockerBackendConfig()).sandboxes(instance, images=images, **settings)
