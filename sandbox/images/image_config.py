"""How codefix gets the Docker image of a SWE-bench instance, and when it removes it again."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.setting_bounds import FREE_GB, IMAGE_PULLS, PULL_RETRIES

CacheLevel = Literal["none", "base", "env", "instance"]
CACHE_LEVELS: tuple[str, ...] = ("none", "base", "env", "instance")


class ImageConfig(BaseModel):
    """Image acquisition and clean-up, as the commands' --pull/--registry/... options set it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pull: bool = True
    """Pull an instance image that is missing locally (off: such an instance fails with the reason)."""
    registry: str | None = None
    """A registry (HOST[:PORT]) to pull from instead of Docker Hub, e.g. a mirror; the pulled image
    is tagged with its usual local name `<namespace>/sweb.eval.<arch>.<id>:latest`."""
    namespace: str = "swebench"
    """The namespace of instance images, as the SWE-bench harness's --namespace: the local name is
    `<namespace>/sweb.eval.<arch>.<id with __ -> _1776_>:latest` and the pull comes from there."""
    build_missing: bool = False
    """Build an image that cannot be pulled with the swebench harness's own builders (base → env →
    instance), as arm64 hosts must."""
    cache_level: CacheLevel = "instance"
    """What codefix removes of the images it fetched in this run, like the harness's --cache_level:
    "none" removes instance images after their instance and built env/base images at the end,
    "base" keeps built base images, "env" keeps built env and base images, "instance" keeps all.
    An image that was present before the run is never removed."""
    max_pulls: int = IMAGE_PULLS.field(2)
    """Pulls (and builds) in flight at once in this process."""
    retries: int = PULL_RETRIES.field(3)
    """Further attempts after a pull fails for a reason that may pass (network, registry 5xx)."""
    backoff: float = Field(2.0, ge=0.0)
    """Seconds before the first retry; doubled before each further one."""
    min_free_gb: float = FREE_GB.field(10.0)
    """GiB that must be free on Docker's data root before a pull or build starts."""
    arch: str | None = None
    """Image architecture, x86_64 or arm64 (None: the host's)."""
