"""How a sandbox container is created: a read-only root filesystem, memory-backed writable areas
(the workdir, home and scratch), the image's snapshot mounted read-only, and the limits."""

from __future__ import annotations

from sandbox.docker.pristine import Pristine
from sandbox.docker.sandbox_config import SandboxConfig, default_cpus
from sandbox.docker.start_state import HOME, PRISTINE_MOUNT, SCRATCH_DIRS


def memory_bytes(cfg: SandboxConfig, pristine: Pristine) -> int:
    """The container's memory limit: `cfg.memory` plus what the workdir and home take at start
    (they live in memory), so processes keep `cfg.memory` to themselves."""
    from docker.utils import parse_bytes

    return parse_bytes(cfg.memory) + pristine.workdir_bytes + pristine.home_bytes


def run_kwargs(cfg: SandboxConfig, pristine: Pristine, *, name: str, labels: dict[str, str],
               environment: dict[str, str]) -> dict:
    """Keyword arguments for `client.containers.run` (detached)."""
    from docker.types import Mount
    from docker.utils import parse_bytes

    disk = parse_bytes(cfg.disk)
    memory = memory_bytes(cfg, pristine)
    tmpfs = {cfg.workdir: f"rw,exec,size={pristine.workdir_bytes + disk}",
             HOME: f"rw,exec,mode=700,size={pristine.home_bytes + disk}"}
    tmpfs |= {path: f"rw,exec,mode=1777,size={disk}" for path in SCRATCH_DIRS}
    return dict(
        image=cfg.image,
        command=["sleep", "infinity"],
        name=name,
        detach=True,
        init=True,
        labels=labels,
        read_only=not cfg.writable_root,
        tmpfs=tmpfs,
        mounts=[Mount(PRISTINE_MOUNT, pristine.volume, type="volume", read_only=True)],
        network_mode=None if cfg.network else "none",
        mem_limit=memory,
        memswap_limit=memory,
        pids_limit=cfg.pids_limit,
        nano_cpus=int((cfg.cpus or default_cpus(cfg.parallel)) * 1e9),
        working_dir=cfg.workdir,
        environment=environment,
    )


def check_layout(cfg: SandboxConfig) -> str | None:
    """Why `cfg.workdir` cannot be a sandbox workdir (None when it can)."""
    workdir = cfg.workdir.rstrip("/")
    if not workdir.startswith("/") or workdir in ("", "/"):
        return f"the workdir must be an absolute directory below /, got {cfg.workdir!r}"
    for area in (HOME, PRISTINE_MOUNT, *SCRATCH_DIRS, "/dev", "/proc", "/sys"):
        if workdir == area or workdir.startswith(area + "/") or area.startswith(workdir + "/"):
            return f"the workdir {cfg.workdir} overlaps {area}, which the sandbox manages itself"
    return None
