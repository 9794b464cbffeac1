"""A container that died under a command is SandboxGone whatever the engine answers about it
(the wording changes with the engine's version and its load); an engine error about a container
that lives stays a plain SandboxError. Against a scripted engine, one answer per case."""

from __future__ import annotations

import pytest

from codefix.core.errors import SandboxError, SandboxGone
from sandbox.docker.docker_sandbox import DockerSandbox


def api_error(kind: str, message: str):
    import docker

    return getattr(docker.errors, kind)(message, explanation=message)


class ScriptedContainer:
    """TEST DOUBLE of a docker-py container: `state` is what reload() finds ("removed" raises NotFound)."""

    id = "c0ffee"

    def __init__(self, state: str, started: str = "T0"):
        self.state, self.started = state, started
        self.status, self.attrs = "running", {"State": {"StartedAt": "T0"}}

    def reload(self):
        if self.state == "removed":
            raise api_error("NotFound", "No such container: c0ffee")
        self.status, self.attrs = self.state, {"State": {"StartedAt": self.started}}


class ScriptedEngine:
    """TEST DOUBLE of docker-py's low-level API: the command's exec answers with `answer`; the
    keeper probe (`kill -0`) answers with `keeper` (an exit code, or an exception to raise)."""

    def __init__(self, answer: dict, keeper):
        self.answer, self.keeper = answer, keeper
        self.execs: dict[str, list[str]] = {}

    @property
    def api(self):
        return self

    def exec_create(self, container_id, argv, **kwargs):
        is_probe = argv[-1].startswith("kill -0")
        if not is_probe and "create" in self.answer:
            raise self.answer["create"]
        if is_probe and isinstance(self.keeper, BaseException):
            raise self.keeper
        exec_id = f"e{len(self.execs)}"
        self.execs[exec_id] = argv
        return {"Id": exec_id}

    def exec_start(self, exec_id, stream=False):
        if self.execs[exec_id][-1].startswith("kill -0"):
            return b""
        if "start" in self.answer:
            raise self.answer["start"]
        return self._stream() if stream else b""

    def _stream(self):
        yield b"partial output\n"
        if "stream" in self.answer:
            raise self.answer["stream"]

    def exec_inspect(self, exec_id):
        if self.execs[exec_id][-1].startswith("kill -0"):
            return {"ExitCode": self.keeper}
        if "inspect" in self.answer:
            raise self.answer["inspect"]
        return {"ExitCode": self.answer.get("code", 0)}


def box(engine: ScriptedEngine, container: ScriptedContainer) -> DockerSandbox:
    sandbox = DockerSandbox("codefix-local/none:x", client=engine)
    sandbox.container, sandbox._keeper, sandbox._started_at = container, "7", "T0"
    return sandbox


DIED = {  # what the engine said about the command, what the container's state then is
    "exec refused: not running": ({"create": api_error("APIError", "Container c0ffee is not running")}, "exited", 1),
    "exec refused: No such exec instance": ({"start": api_error("NotFound", "No such exec instance: e0")}, "exited", 1),
    "No such exec instance, container still reported running": (
        {"start": api_error("NotFound", "No such exec instance: e0")}, "running", api_error("APIError", "is not running")),
    "exec refused: No such container": ({"create": api_error("NotFound", "No such container: c0ffee")}, "removed", 1),
    "exit code gone with the exec": ({"inspect": api_error("NotFound", "No such exec instance: e0")}, "exited", 1),
    "exit 137, state still running, keeper dead": ({"code": 137}, "running", 1),
    "exit 137, keeper probe refused as dying": ({"code": 137}, "running", api_error("APIError", "container is dying")),
    "stream broken, no exit code": ({"stream": ConnectionError("reset"), "inspect": api_error("NotFound", "gone")},
                                    "dead", 1),
    "restarted by the engine": ({"code": 137}, "running/restarted", 0),
    "paused from outside": ({"create": api_error("APIError", "Container c0ffee is paused")}, "paused", 1),
}


@pytest.mark.parametrize("answer,state,keeper", DIED.values(), ids=DIED.keys())
def test_every_answer_for_a_container_that_died_is_sandbox_gone(answer, state, keeper, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    state, _, restarted = state.partition("/")
    container = ScriptedContainer(state, started="T1" if restarted else "T0")
    with pytest.raises(SandboxGone):
        box(ScriptedEngine(answer, keeper), container).run("sleep 60", timeout=120)


def test_an_engine_error_about_a_live_container_is_not_sandbox_gone(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    engine = ScriptedEngine({"create": api_error("APIError", "500 Server Error: too many open files")}, keeper=0)
    with pytest.raises(SandboxError) as caught:
        box(engine, ScriptedContainer("running")).run("true")
    assert not isinstance(caught.value, SandboxGone) and "too many open files" in str(caught.value)


def test_a_command_killed_by_a_signal_in_a_live_container_is_its_exit_code(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    result = box(ScriptedEngine({"code": 137}, keeper=0), ScriptedContainer("running")).run("kill -9 $$")
    assert result.exit_code == 137 and not result.timed_out


def test_a_timeout_too_large_for_the_host_to_wait_is_held_to_a_week(monkeypatch):
    from sandbox.docker.docker_sandbox import MAX_COMMAND_SECONDS

    engine = ScriptedEngine({"code": 0}, keeper=0)
    result = box(engine, ScriptedContainer("running")).run("true", timeout=1e12)
    assert result.exit_code == 0 and not result.timed_out
    argv = next(a for a in engine.execs.values() if not a[-1].startswith("kill -0"))
    assert argv[:4] == ["timeout", "-s", "KILL", f"{MAX_COMMAND_SECONDS:g}"]
