"""How a Docker sandbox is started and run (limits, environment, timeouts)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SWEBENCH_ENV_SETUP = ("if [ -f /opt/miniconda3/bin/activate ]; then "
                      "source /opt/miniconda3/bin/activate && conda activate testbed; fi")
"""A SWE-bench image's environment: its conda env `testbed` where the image has conda (the Python
repositories' images); other images (a Go or JavaScript repository's) keep their own environment."""


class SandboxConfig(BaseModel):
    """How to start and run a sandbox container."""

    model_config = ConfigDict(extra="forbid")

    image: str
    """The image whose workdir holds the repository at its base commit."""
    workdir: str = "/testbed"
    """The repository inside the container; relative paths and commands start there."""
    env_setup: str = ""
    """Shell run once at start whose resulting environment every command gets (e.g. conda activation)."""
    timeout: float = 300.0
    """Default seconds a command may run before everything it started is killed."""
    output_limit: int = 200_000
    """Characters of output returned; past it the middle is cut, head and tail kept."""
    memory: str = "4g"
    """Memory limit (no swap on top); a command allocating past it is OOM-killed."""
    pids_limit: int = 512
    """Most processes the container may hold at once (contains fork bombs)."""
    network: bool = False
    """Whether the container has a network; off by default."""
    cpus: float | None = None
    """CPU cores the container may use; None: an even share of the host's cores among `parallel`
    sandboxes, at least one core and never all of them on a multi-core host (`default_cpus`)."""
    parallel: int = Field(1, ge=1)
    """How many sandboxes the caller runs at once (sets the default CPU share)."""
    writable_root: bool = False
    """Let commands write the root filesystem too (site-packages, /etc), as grading scripts that
    reinstall the package expect. Reset cannot restore the root filesystem, so after anything ran,
    every reset of such a sandbox replaces its container with a fresh one."""
    disk: str = "2g"
    """Most bytes a run may add to each writable area (workdir, home, /tmp, /var/tmp). The root
    filesystem is read-only and these areas are memory-backed (tmpfs), so everything a run writes
    also counts against `memory`; the memory limit is raised by the workdir's and home's start size."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables for the container (the host environment never passes)."""
    host_grace: float = 30.0
    """Seconds past a command's timeout after which the host stops waiting for the engine."""


BASE_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "LANG": "C.UTF-8",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "TERM": "dumb",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


def default_cpus(parallel: int, cores: int | None = None) -> float:
    """CPU cores per sandbox when `parallel` run at once: an even share of the host's cores, at
    least 1, at most all but one (so one runaway sandbox cannot hold the whole host)."""
    import os

    cores = cores or os.cpu_count() or 1
    return max(1.0, min(float(max(cores - 1, 1)), cores / max(parallel, 1)))
