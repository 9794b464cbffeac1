"""A host checkout of an instance's repository at its base commit, for the stages that read the
code outside a sandbox (the context stage)."""

from __future__ import annotations

from pathlib import Path


def checkout(inst, images=None, *, client=None) -> tuple[Path, str]:
    """A host checkout of the instance's repository at its base commit: (path, commit); `images`
    (an ImageAcquirer) fetches a missing SWE-bench image first, `client` (a maker of the engine's
    docker-py client; default: the local engine) is the engine its /testbed is exported from."""
    from sandbox.images.images import default_cache_dir

    cache = default_cache_dir()
    if inst.source is not None:
        from sandbox.images.source_repo import prepare_source_repo

        return prepare_source_repo(inst, cache / "source-repos")
    from sandbox.images.images import image_for
    from sandbox.docker.workdir_export import export_workdir

    image = images.ensure(inst) if images is not None else image_for(inst, cache_dir=cache)
    dest = export_workdir(image, cache / "workdirs" / inst.instance_id, client=client() if client else None)
    return dest, inst.base_commit
