"""How a Docker sandbox is started and run (limits, environment, timeouts)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SWEBENCH_ENV_SETUP = "source /opt/miniconda3/bin/activate && conda activate testbed"


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
    """CPU cores the container may use (None: no limit)."""
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
