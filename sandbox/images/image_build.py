"""Build a SWE-bench instance image with the swebench harness's own builders, base → env →
instance, for when it cannot be pulled (arm64 hosts, no registry). Needs the network the
harness needs (Docker Hub base images, conda, PyPI, GitHub); its logs go where the harness
puts them, `logs/build_images/` under the current directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from codefix.core.instance import Instance
from sandbox.images.image_pull import ImageUnavailable


@dataclass(frozen=True)
class Built:
    """An image a build made (it was absent before)."""

    name: str
    kind: str
    """base, env or instance."""


def harness_builders():
    """swebench 4.1's builders and the spec maker, as one object (tests pass their own). swebench 5
    builds images from a task repository's own Dockerfiles, not from a record: refused clearly."""
    try:
        from swebench.harness import docker_build
        from swebench.harness.test_spec.test_spec import make_test_spec
    except ImportError:
        raise ImageUnavailable("--build-missing needs swebench 4.1's image builders; swebench 5 no longer builds "
                               "an image from a record (pull the image, or build it with `swebench images`)") from None

    return SimpleNamespace(make_test_spec=make_test_spec, build_env_images=docker_build.build_env_images,
                           build_instance_image=docker_build.build_instance_image,
                           log_dir=Path(docker_build.INSTANCE_IMAGE_BUILD_DIR).resolve().parent)


def build_instance(instance: Instance, client, *, arch: str, made: list[Built], builders=None) -> str:
    """Build the instance's image (and its base and env images when absent) with the harness.

    Returns the harness's name of the instance image; appends to `made` every image this build
    created (base and env first), also when a later step fails. Raises ImageUnavailable naming
    the failed step and where its log is."""
    h = builders or harness_builders()
    try:
        spec = h.make_test_spec(instance.to_record(), namespace=None, arch=arch)
    except Exception as exc:  # 4.1 fetches requirement files over the network for some repos
        raise ImageUnavailable(f"cannot build the image of {instance.instance_id}: the harness could not "
                               f"make its spec: {type(exc).__name__}: {_short(exc)}") from exc
    layers = [(spec.base_image_key, "base"), (spec.env_image_key, "env"), (spec.instance_image_key, "instance")]
    before = {name for name, _ in layers if _present(client, name)}
    try:
        _, failed = h.build_env_images(client, [spec], False, 1)
        if failed:
            raise RuntimeError(f"env image {spec.env_image_key} failed to build")
        h.build_instance_image(spec, client, None, False)
    except Exception as exc:
        step = "instance" if _present(client, spec.env_image_key) else "base/env"
        raise ImageUnavailable(f"building the {step} image of {instance.instance_id} with the swebench harness "
                               f"failed: {_short(exc)} (logs under {h.log_dir})") from exc
    finally:
        made.extend(Built(name, kind) for name, kind in layers if name not in before and _present(client, name))
    if not _present(client, spec.instance_image_key):
        raise ImageUnavailable(f"the swebench harness built no image {spec.instance_image_key}")
    return spec.instance_image_key


def _present(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
