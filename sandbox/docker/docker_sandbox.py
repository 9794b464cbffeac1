"""A sandbox in a Docker container (docker-py): run commands with a real timeout, read and
write files, and reset to the exact start state so one container serves many runs."""

from __future__ import annotations

import posixpath
import time
import uuid
from decimal import Decimal, InvalidOperation

from codefix.core.errors import SandboxError, SandboxGone
from codefix.core.protocols import ExecResult
from codefix.core.truncation import HeadTail
from sandbox.docker import container_files, container_scripts, docker_exec, live_sandboxes
from sandbox.docker.container_spec import check_layout, run_kwargs
from sandbox.docker.ownership import SANDBOX_LABEL
from sandbox.docker.pristine import ensure_pristine, populate
from sandbox.docker.sandbox_config import BASE_ENV, SWEBENCH_ENV_SETUP, SandboxConfig
from sandbox.docker.secrets import redact

__all__ = ["SANDBOX_LABEL", "SWEBENCH_ENV_SETUP", "DockerSandbox", "SandboxConfig"]

MAX_COMMAND_SECONDS = 7 * 24 * 3600.0
"""A command's timeout is held to a week: beyond what any run needs, and far below what the
host's wait can take (a timeout of 1e12 s raised OverflowError on every command)."""


class DockerSandbox:
    """`with DockerSandbox(config) as sb: sb.run("pytest")`. Implements `codefix.core.protocols.Sandbox`.

    One caller at a time: parallel work uses one sandbox per worker.
    """

    def __init__(self, config: SandboxConfig | str, *, client=None, **overrides):
        if isinstance(config, str):
            config = SandboxConfig(image=config, **overrides)
        elif overrides:
            config = config.model_copy(update=overrides)
        self.config = config
        self._client = client
        self.container = None
        self.base_commit = ""
        self.recycled: list[str] = []
        """Why the container was replaced by a fresh one at a reset (one entry per replacement)."""
        self._exec_env: dict[str, str] = dict(BASE_ENV) | config.env
        self._pristine = None
        self._keeper = ""
        self._threshold = ""
        self._started_at = ""
        self._used = False

    # lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> DockerSandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def client(self):
        if self._client is None:
            import docker

            try:
                self._client = docker.from_env(timeout=120)
            except docker.errors.DockerException as exc:
                raise SandboxError(f"cannot reach the Docker engine: {exc}") from exc
        return self._client

    def start(self) -> None:
        """Create and start the container from the image's read-only snapshot."""
        import docker

        cfg = self.config
        problem = check_layout(cfg)
        if problem:
            raise SandboxError(problem)
        try:
            image_id = self.client.images.get(cfg.image).id
        except docker.errors.ImageNotFound as exc:
            raise SandboxError(f"image {cfg.image} is not available locally (it went after it was fetched, or pulling is off): "
                               f"fetch it with `codefix images prefetch` or `docker pull {cfg.image}`, or rerun with --pull") from exc
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot inspect image {cfg.image}: {exc.explanation or exc}") from exc
        self._pristine = ensure_pristine(self.client, cfg.image, image_id, cfg.workdir, live_sandboxes.container_labels())
        self._launch()
        if cfg.env_setup:
            try:
                self._setup_env()
            except BaseException:
                self.close()
                raise

    def _launch(self, *, repopulated: bool = False) -> None:
        """A new container filled from the snapshot; the start state's time recorded."""
        import docker

        kwargs = run_kwargs(self.config, self._pristine, name=f"codefix-{uuid.uuid4().hex[:12]}",
                            labels=live_sandboxes.container_labels(), environment=self._exec_env)
        try:
            with live_sandboxes.starting():
                self.container = self.client.containers.run(**kwargs)
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot start a container from {self.config.image}: {exc.explanation or exc}") from exc
        live_sandboxes.register(self.container)
        try:
            out, code = self._exec(container_scripts.start(self.config.workdir), env=BASE_ENV)
            if code == container_scripts.SNAPSHOT_MISSING and not repopulated:  # removed while we started
                self.close()
                populate(self.client, self.config.image, self._pristine.volume, self.config.workdir,
                         live_sandboxes.container_labels())
                return self._launch(repopulated=True)
            if code != 0:
                raise SandboxError(f"{self.config.image}: cannot fill the sandbox from its snapshot (step {code}): {out.strip()[-300:]}")
            fields = _fields(out)
            self._keeper, self.base_commit = fields.get("KEEPER", ""), fields.get("BASE", "")
            self._threshold = _before(fields["STAMP"])
            self.container.reload()
            self._started_at = self.container.attrs.get("State", {}).get("StartedAt", "")
            self._used = False
        except BaseException:
            self.close()
            raise

    def _setup_env(self) -> None:
        """Run `env_setup` once; every command gets the environment it leaves."""
        out, code = self._exec(f"{self.config.env_setup} >/dev/null 2>&1 && env -0", env=BASE_ENV, user="")
        if code != 0:
            raise SandboxError(f"environment setup failed in {self.config.image}: {self.config.env_setup}")
        pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
        self._exec_env = {k: v for k, v in pairs} | dict(BASE_ENV) | self.config.env
        self.reset()  # whatever the setup wrote (caches in the home) is not part of the start state

    def close(self) -> None:
        """Remove the container (idempotent)."""
        container, self.container = self.container, None
        if container is None:
            return
        live_sandboxes.unregister(container)
        try:
            container.remove(force=True)
        except Exception:  # already gone (Ctrl-C handler, `codefix clean`) or engine down
            pass

    # Sandbox protocol -----------------------------------------------------------------
    def run(self, command: str, timeout: float | None = None) -> ExecResult:
        """Run `command` with bash in the workdir; kill all it started after `timeout` s.

        A container that died under the command raises SandboxError: its exit code (137 for a
        `docker kill`) is never passed off as the command's."""
        self._used = True
        limit = min(float(timeout or self.config.timeout), MAX_COMMAND_SECONDS)
        start = time.monotonic()
        collector = HeadTail(self.config.output_limit * 4)
        code, wedged = self._exec_streaming(container_scripts.timed(command, limit), collector, limit)
        duration = time.monotonic() - start
        timed_out = wedged or (code == 137 and duration >= limit - 0.05)
        if timed_out:
            self._kill_others()  # what left the process group (setsid, daemons) goes too
        elif code >= 128:
            self._check_alive()  # a signal: the OOM killer, or the container killed under us
        output = redact(collector.text(self.config.output_limit))
        if timed_out:
            output += f"\n[codefix: command killed after {limit:g} s]"
        if wedged:
            output += f"\n[codefix: the engine did not return within {limit:g} s + grace; command abandoned]"
        return ExecResult(output, -1 if timed_out else code, timed_out, round(duration, 4))

    def read_file(self, path: str) -> str:
        """Text of the file at `path` (relative to the workdir or absolute; symlinks followed)."""
        try:
            data = container_files.read_bytes(self.client.api, self._running().id, self._abs(path))
        except (FileNotFoundError, SandboxError):
            self._check_alive()  # a missing file, or a missing container?
            raise
        return redact(data.decode("utf-8", "replace"))

    def write_file(self, path: str, content: str) -> None:
        """Write `content` to `path` (relative to the workdir or absolute), making parents."""
        self._used = True
        try:
            container_files.write_bytes(self.client.api, self._running().id, self._abs(path), content.encode("utf-8"))
        except SandboxError:
            self._check_alive()
            raise

    def reset(self) -> None:
        """Back to the start state: no processes, the workdir and home as in the snapshot, the
        scratch areas empty. When a run changed what cannot be restored in place (/dev, SysV IPC)
        or too much to restore file by file, the container is replaced by a fresh one."""
        if self.config.writable_root and self._used:  # the root filesystem may have changed: start afresh
            self.recycled.append("writable root filesystem")
            self.close()
            self._launch()
            return
        script = container_scripts.reset(self.config.workdir, self._keeper, self._threshold)
        out, code = self._exec(script, env=BASE_ENV, retries=3)
        if code == 0:
            self._threshold = _before(_fields(out)["STAMP"])
            return
        if code in (container_scripts.TAINTED, container_scripts.TOO_MANY_CHANGES):
            self.recycled.append(out.strip().splitlines()[-1] if out.strip() else f"exit {code}")
            self.close()
            self._launch()
            return
        self._check_alive()
        raise SandboxError(f"sandbox reset failed (step {code}): {out.strip()[-300:]}")

    # internals ------------------------------------------------------------------------
    def _abs(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.config.workdir, path))

    def _running(self):
        if self.container is None:
            raise SandboxError("the sandbox is not started (use it as a context manager)")
        return self.container

    def _check_alive(self) -> None:
        """Raise SandboxError when the container was removed, stopped, restarted or is dying.

        The engine may report a killed container as running for a moment, so the idle keeper
        process is asked too."""
        import docker

        for attempt in range(3):
            try:
                self._running().reload()
            except docker.errors.NotFound as exc:
                raise SandboxGone("the sandbox container is gone (removed by `codefix clean` or another process)") from exc
            except docker.errors.APIError as exc:
                raise SandboxError(f"cannot inspect the sandbox container: {exc.explanation or exc}") from exc
            state = self.container.attrs.get("State", {})
            if self.container.status != "running":
                raise SandboxGone(f"the sandbox container is {self.container.status}, not running (killed from outside?)")
            if self._started_at and state.get("StartedAt") != self._started_at:
                raise SandboxGone("the sandbox container was restarted: its workdir is gone")
            try:  # whatever the engine answers for a dying container, only a live keeper says "alive"
                _out, code = docker_exec.run_script(self.client.api, self.container.id, f"kill -0 {self._keeper}",
                                                    env=BASE_ENV, workdir=self.config.workdir)
            except SandboxError:
                code = -1
            if code == 0:
                return
            time.sleep(0.2 * (attempt + 1))
        raise SandboxGone("the sandbox container is dying (its idle process was killed)")

    def _classified(self, exc: SandboxError) -> SandboxError:
        """`exc` (an engine error) as SandboxGone when the container died; `exc` when it lives."""
        if isinstance(exc, SandboxGone) or self.container is None or not self._keeper:  # not started yet
            return exc
        try:
            self._check_alive()
        except SandboxError as gone:
            return gone
        return exc

    def _kill_others(self) -> None:
        self._exec(container_scripts.kill_others(self._keeper), env=BASE_ENV, retries=5)

    def _exec(self, script: str, *, env: dict[str, str], retries: int = 0, user: str = "0") -> tuple[str, int]:
        """Run a short internal script to completion (as root unless `user` is ""); (output, exit code)."""
        try:
            return docker_exec.run_script(self.client.api, self._running().id, script, env=env,
                                          workdir=self.config.workdir, retries=retries, user=user)
        except SandboxError as exc:
            raise self._classified(exc) from exc

    def _exec_streaming(self, argv: list[str] | str, collector: HeadTail, limit: float) -> tuple[int, bool]:
        """Run `argv` (a bash script when a string), streaming its output into `collector`;
        (exit code, wedged). The processes are killed when the engine does not return in time."""
        try:
            code, wedged = docker_exec.run_streaming(
                self.client.api, self._running().id, argv, env=self._exec_env, workdir=self.config.workdir,
                collector=collector, wait=limit + self.config.host_grace, on_overdue=self._kill_others)
        except SandboxError as exc:
            raise self._classified(exc) from exc
        if code is None:
            self._check_alive()
            raise SandboxError("docker exec ended without an exit code (container gone?)")
        return code, wedged

def _fields(out: str) -> dict[str, str]:
    """`KEY value` lines a container script printed."""
    fields = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key.isupper():
            fields[key] = value.strip()
    if "STAMP" not in fields:
        raise SandboxError(f"the sandbox script printed no time stamp: {out.strip()[-300:]}")
    return fields


def _before(stamp: str) -> str:
    """A time just before `stamp` (seconds since the epoch), so that a change in the same clock
    tick still counts as after it."""
    try:
        return str(Decimal(stamp) - Decimal("0.000000001"))
    except InvalidOperation as exc:
        raise SandboxError(f"the sandbox reported a bad time stamp: {stamp!r}") from exc
