"""The Docker backend: sandboxes as containers of the local engine or of `docker_host`."""

from __future__ import annotations

from collections.abc import Callable

from codefix.core.instance import Instance


def docker_sandboxes(backend, instance: Instance, *, images=None, **settings) -> tuple[Callable[[], object], Instance]:
    """`(factory, instance)` for `sandbox.backend_config.sandbox_factory` on Docker: a local
    `source` is built into an image (its instance then carries the image's real base commit), a
    missing SWE-bench image is fetched by `images`; `settings` go to `SandboxConfig`."""
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import build_local_image, sandbox_config_for

    client = engine(backend.docker_host)
    built = instance
    if instance.source is not None and instance.image is None:
        tag, commit = build_local_image(instance, client=client() if client else None)
        built = instance.model_copy(update={"base_commit": commit, "image": tag})
    if images is not None and built.is_swebench:
        settings = {"image": images.ensure(built)} | settings
    config = sandbox_config_for(built, **settings)
    if client is None:
        return (lambda: DockerSandbox(config)), built
    return (lambda: DockerSandbox(config, client=client())), built


def engine(docker_host: str | None) -> Callable[[], object] | None:
    """A maker of clients of the engine at `docker_host` (None for the local engine, whose client
    each sandbox makes itself)."""
    if not docker_host:
        return None

    def client():
        import docker

        from codefix.core.errors import SandboxError

        try:
            return docker.DockerClient(base_url=docker_host, timeout=120)
        except docker.errors.DockerException as exc:
            raise SandboxError(f"cannot reach the Docker engine at {docker_host}: {exc}") from exc

    return client
