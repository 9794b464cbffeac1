"""`docker exec` as the sandbox needs it: short internal scripts run to completion (retried when
the engine or the pids limit refuses), and commands whose output is streamed while the host keeps
its own deadline (for an engine that never returns)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from codefix.core.errors import SandboxError


def run_script(api, container_id: str, script: str, *, env: dict[str, str], workdir: str, retries: int = 0,
               user: str = "0") -> tuple[str, int]:
    """(output, exit code) of `bash -c script`; SandboxError when the engine refuses every try."""
    import docker

    for attempt in range(retries + 1):
        try:
            exec_id = api.exec_create(container_id, ["bash", "-c", script], environment=env, workdir=workdir,
                                      user=user)["Id"]
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


def run_streaming(api, container_id: str, argv: list[str] | str, *, env: dict[str, str], workdir: str, collector,
                  wait: float, on_overdue: Callable[[], None]) -> tuple[int | None, bool]:
    """Run `argv` (a bash script when a string), its output streamed into `collector` (`.add(bytes)`).

    After `wait` seconds `on_overdue()` kills what runs; if the stream still does not end, it is
    abandoned. Returns (exit code, wedged); the code is None when the engine has none to give."""
    import docker

    try:
        argv = ["bash", "-c", argv] if isinstance(argv, str) else argv
        exec_id = api.exec_create(container_id, argv, environment=env, workdir=workdir)["Id"]
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
    reader.join(wait)
    if reader.is_alive():
        on_overdue()
        reader.join(5.0)
        if reader.is_alive():
            stream.close()
            return -1, True
    if failure and not isinstance(failure[0], Exception):
        raise failure[0]
    try:
        return api.exec_inspect(exec_id)["ExitCode"], False
    except docker.errors.NotFound:
        return None, False
