"""A sandbox in a Docker container (docker-py): run commands with a real timeout, read and
write files, and reset to the exact start state so one container serves many runs."""

from __future__ import annotations

import io
import posixpath
import tarfile
import threading
import time
import uuid

from codefix.errors import SandboxError
from codefix.protocols import ExecResult
from sandbox import container_scripts, live_sandboxes
from sandbox.live_sandboxes import SANDBOX_LABEL
from sandbox.sandbox_config import BASE_ENV, SWEBENCH_ENV_SETUP, SandboxConfig
from sandbox.secrets import redact
from sandbox.truncate import HeadTail

__all__ = ["SANDBOX_LABEL", "SWEBENCH_ENV_SETUP", "DockerSandbox", "SandboxConfig"]


class DockerSandbox:
    """`with DockerSandbox(config) as sb: sb.run("pytest")`. Implements `codefix.protocols.Sandbox`.

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
        self._exec_env: dict[str, str] = dict(BASE_ENV) | config.env

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
        """Create and start the container and record its start state."""
        import docker

        cfg = self.config
        try:
            self.client.images.get(cfg.image)
        except docker.errors.ImageNotFound as exc:
            raise SandboxError(f"image {cfg.image} is not available locally; pull it: docker pull {cfg.image}") from exc
        try:
            self.container = self.client.containers.run(
                cfg.image,
                command=["sleep", "infinity"],
                name=f"codefix-{uuid.uuid4().hex[:12]}",
                detach=True,
                init=True,
                labels={SANDBOX_LABEL: live_sandboxes.label_value()},
                network_mode=None if cfg.network else "none",
                mem_limit=cfg.memory,
                memswap_limit=cfg.memory,
                pids_limit=cfg.pids_limit,
                nano_cpus=int(cfg.cpus * 1e9) if cfg.cpus else None,
                working_dir=cfg.workdir,
                environment=self._exec_env,
            )
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot start a container from {cfg.image}: {exc.explanation or exc}") from exc
        live_sandboxes.register(self.container)
        try:
            self._record_start_state()
        except BaseException:
            self.close()
            raise

    def _record_start_state(self) -> None:
        out, code = self._exec(container_scripts.start(self.config.workdir), env=BASE_ENV)
        if code != 0:
            raise SandboxError(f"{self.config.image}: {self.config.workdir} is not a usable git checkout: {out.strip()[-300:]}")
        self.base_commit = out.strip().splitlines()[-1]
        if self.config.env_setup:
            out, code = self._exec(f"{self.config.env_setup} >/dev/null 2>&1 && env -0", env=BASE_ENV)
            if code != 0:
                raise SandboxError(f"environment setup failed in {self.config.image}: {self.config.env_setup}")
            pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
            self._exec_env = {k: v for k, v in pairs} | dict(BASE_ENV) | self.config.env

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
        """Run `command` with bash in the workdir; kill all it started after `timeout` s."""
        limit = float(timeout or self.config.timeout)
        start = time.monotonic()
        collector = HeadTail(self.config.output_limit * 4)
        code, wedged = self._exec_streaming(container_scripts.timed(command, limit), collector, limit)
        duration = time.monotonic() - start
        timed_out = wedged or (code == 137 and duration >= limit - 0.05)
        if timed_out:
            self._kill_others()  # what left the process group (setsid, daemons) goes too
        if code == 137 and not timed_out:
            self._check_alive()  # a SIGKILL: the OOM killer, or the container removed under us
        output = redact(collector.text(self.config.output_limit))
        if timed_out:
            output += f"\n[codefix: command killed after {limit:g} s]"
        if wedged:
            output += f"\n[codefix: the engine did not return within {limit:g} s + grace; command abandoned]"
        return ExecResult(output, -1 if timed_out else code, timed_out, round(duration, 4))

    def read_file(self, path: str) -> str:
        """Text of the file at `path` (relative to the workdir or absolute; symlinks followed)."""
        import docker

        full = self._abs(path)
        for _ in range(8):
            try:
                chunks, _stat = self._running().get_archive(full)
            except docker.errors.NotFound as exc:
                raise FileNotFoundError(full) from exc
            with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
                member = tar.next()
                if member is not None and member.issym():
                    full = posixpath.normpath(posixpath.join(posixpath.dirname(full), member.linkname))
                    continue
                if member is None or not member.isfile():
                    raise IsADirectoryError(full)
                data = tar.extractfile(member)
                return redact(data.read().decode("utf-8", "replace") if data else "")
        raise FileNotFoundError(f"{path}: too many levels of symbolic links")

    def write_file(self, path: str, content: str) -> None:
        """Write `content` to `path` (relative to the workdir or absolute), making parents."""
        full = self._abs(path)
        data = content.encode("utf-8")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(full.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), 0o644, time.time()
            tar.addfile(info, io.BytesIO(data))
        import docker

        try:
            written = self._running().put_archive("/", buf.getvalue())
        except docker.errors.APIError as exc:
            raise SandboxError(f"could not write {full} in the sandbox: {exc.explanation or exc}") from exc
        if not written:
            raise SandboxError(f"could not write {full} in the sandbox")

    def reset(self) -> None:
        """Back to the start state: base commit, start untracked files only, no processes, empty /tmp."""
        out, code = self._exec(container_scripts.reset(self.config.workdir), env=BASE_ENV, retries=3)
        if code != 0:
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
        """Raise a clear SandboxError when the container was removed or stopped under us."""
        import docker

        try:
            self._running().reload()
        except docker.errors.NotFound as exc:
            raise SandboxError("the sandbox container is gone (removed by `codefix clean` or another process)") from exc
        if self.container.status != "running":
            raise SandboxError(f"the sandbox container is {self.container.status}, not running")

    def _kill_others(self) -> None:
        self._exec(container_scripts.kill_others(), env=BASE_ENV, retries=5)

    def _exec(self, script: str, *, env: dict[str, str], retries: int = 0) -> tuple[str, int]:
        """Run a short internal script to completion; (output, exit code)."""
        import docker

        api = self.client.api
        for attempt in range(retries + 1):
            try:
                exec_id = api.exec_create(self._running().id, ["bash", "-c", script], environment=env,
                                          workdir=self.config.workdir)["Id"]
                out = api.exec_start(exec_id)
                code = api.exec_inspect(exec_id)["ExitCode"]
            except docker.errors.APIError as exc:
                if attempt == retries:
                    raise SandboxError(f"docker exec failed: {exc.explanation or exc}") from exc
                time.sleep(0.2)
                continue
            if code is not None and code != 126 or attempt == retries:  # 126: exec could not start (pids)
                return out.decode("utf-8", "replace"), code if code is not None else -1
            time.sleep(0.2)
        return "", -1

    def _exec_streaming(self, argv: list[str] | str, collector: HeadTail, limit: float) -> tuple[int, bool]:
        """Run `argv` (a bash script when a string), streaming its output into `collector`;
        (exit code, wedged)."""
        import docker

        api = self.client.api
        try:
            argv = ["bash", "-c", argv] if isinstance(argv, str) else argv
            exec_id = api.exec_create(self._running().id, argv, environment=self._exec_env,
                                      workdir=self.config.workdir)["Id"]
            stream = api.exec_start(exec_id, stream=True)
        except docker.errors.APIError as exc:
            raise SandboxError(f"docker exec failed: {exc.explanation or exc}") from exc
        failure: list[BaseException] = []

        def pump() -> None:
            try:
                for chunk in stream:
                    collector.add(chunk)
            except BaseException as exc:  # socket closed by the guard, or engine trouble
                failure.append(exc)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reader.join(limit + self.config.host_grace)
        if reader.is_alive():
            self._kill_others()
            reader.join(5.0)
            if reader.is_alive():
                stream.close()
                return -1, True
        if failure and not isinstance(failure[0], Exception):
            raise failure[0]
        try:
            code = api.exec_inspect(exec_id)["ExitCode"]
        except docker.errors.NotFound:
            code = None
        if code is None:
            self._check_alive()
            raise SandboxError("docker exec ended without an exit code (container gone?)")
        return code, False
