"""The testing state machine: the issue only → a reproduction script, revised on its output."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from codefix.protocols import ExecResult, Sandbox

from agent.context.templates import render
from agent.reply_parsing import accepts, find_script
from agent.task import Step

STAGE = "testing"


class ScriptRunConfig(BaseModel):
    """How reproduction scripts run in the sandbox (shared by both machines)."""

    model_config = ConfigDict(extra="forbid")

    timeout: float = 100.0
    """Seconds a script may run before it is killed."""
    output_limit: int = 8192
    """Characters of output the model sees; the middle is cut past this."""
    script_path: str = "codefix_reproduce.py"
    """Where the script is written, relative to the repository root (never part of a patch)."""
    python: str = "python3"
    """The interpreter that runs the script."""


def truncate_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - head
    return f"{text[:head]}\n[... {len(text) - limit} characters omitted ...]\n{text[-tail:]}"


def run_script(sandbox: Sandbox, script: str, config: ScriptRunConfig, files: dict | None = None) -> ExecResult:
    """Reset the sandbox, write `files` (path → text) and the script, run it."""
    sandbox.reset()
    for path, text in (files or {}).items():
        if text is not None:
            sandbox.write_file(path, text)
    sandbox.write_file(config.script_path, script)
    return sandbox.run(f"{config.python} {config.script_path}", timeout=config.timeout)


def outputs_of(result: ExecResult, limit: int) -> dict:
    """What the trajectory stores about one run."""
    return {
        "exit_code": result.exit_code,
        "timed_out": result.timed_out,
        "duration": result.duration,
        "output": truncate_middle(result.output, limit),
    }


class TestingTask:
    """Writes and revises a reproduction script; finishes with {"test", "exit_code"}."""

    __test__ = False  # not a pytest class

    def __init__(self, issue: str, config: ScriptRunConfig | None = None):
        self.issue = issue
        self.config = config or ScriptRunConfig()
        self.script: str | None = None
        self.exit_code: int | None = None

    def start(self) -> list[dict]:
        return [
            {"role": "system", "content": render(STAGE, "system", timeout=f"{self.config.timeout:g}")},
            {"role": "user", "content": render(STAGE, "user", issue=self.issue)},
        ]

    def observe(self, reply: str, sandbox: Sandbox) -> Step:
        script = find_script(reply)
        if script is None:
            if accepts(reply) and self.script is not None:
                return Step(finished=True, result=self.result_so_far())
            problem = "ACCEPT before any script has run." if accepts(reply) else "no ```python block and no ACCEPT line."
            return Step(message=render(STAGE, "reask", problem=problem), format_error=True)
        result = run_script(sandbox, script, self.config)
        self.script, self.exit_code = script, result.exit_code
        out = outputs_of(result, self.config.output_limit)
        message = render(
            STAGE,
            "observation",
            exit_code=result.exit_code,
            timed_out=f" (killed after {self.config.timeout:g} s)" if result.timed_out else "",
            output=out["output"],
        )
        return Step(message=message, outputs={"run": out})

    def result_so_far(self) -> dict | None:
        if self.script is None:
            return None
        return {"test": self.script, "exit_code": self.exit_code}

    def state(self) -> dict:
        return {"script": self.script, "exit_code": self.exit_code}

    def restore(self, state: dict) -> None:
        self.script, self.exit_code = state.get("script"), state.get("exit_code")
