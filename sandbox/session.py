"""Open a sandbox for an instance: build its image if it is local, fill in its base commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from codefix.instance import Instance


@contextmanager
def instance_sandbox(instance: Instance, *, images=None, **overrides) -> Iterator[tuple[object, Instance]]:
    """Yield `(sandbox, instance)`; for a local `source` the instance carries the real base
    commit of the image built for it; `images` (an ImageAcquirer) fetches a missing SWE-bench
    image first. `overrides` go to `SandboxConfig`."""
    from sandbox.docker_sandbox import DockerSandbox
    from sandbox.images import build_local_image, sandbox_config_for

    built = instance
    if instance.source is not None and instance.image is None:
        tag, commit = build_local_image(instance)
        built = instance.model_copy(update={"base_commit": commit, "image": tag})
    if images is not None and built.is_swebench:
        overrides = {"image": images.ensure(built)} | overrides
    config = sandbox_config_for(built, **overrides)
    with DockerSandbox(config) as sandbox:
        yield sandbox, built
