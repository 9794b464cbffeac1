"""Running a reproduction script in a sandbox, and what a trajectory stores about the run: the
execution helpers of the testing, editing and selection machines and of voting."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

from codefix.core.protocols import ExecResult, Sandbox
from codefix.core.setting_bounds import SCRIPT_TIMEOUT
from codefix.core.truncation import truncate_middle

from agent.script_kinds import KINDS, run_command, script_file


class ScriptRunConfig(BaseModel):
    """How reproduction scripts run in the sandbox (shared by both machines)."""

    model_config = ConfigDict(extra="forbid")

    timeout: float = SCRIPT_TIMEOUT.field(100.0)
    """Seconds a script may run before it is killed."""
    output_limit: int = 8192
    """Characters of output the model sees; the middle is cut past this."""
    script_path: str = "codefix_reproduce.py"
    """Where the script is written: a file at the repository root named `codefix*.py` (so it can
    never land outside the repository nor overwrite one of its source files; never part of a patch);
    a shell script goes beside it, ending in `.sh` instead."""
    python: str = "python3"
    """The interpreter that runs a Python script (a shell script runs with the shell its `#!` line
    names: sh, bash or dash)."""
    kind: str = "auto"
    """The script the prompts ask for: `python` (run with `python`), `shell` (a bash or sh script
    driving the repository's own toolchain), or `auto`: Python for a Python repository (or one of
    unknown language), shell for any other (`agent.script_kinds`)."""

    @field_validator("script_path")
    @classmethod
    def _our_own_file(cls, value: str) -> str:
        if not SCRIPT_NAME.fullmatch(value):
            raise ValueError(f"{value!r} must be a file name at the repository root starting with 'codefix' and "
                             "ending in '.py' (e.g. codefix_reproduce.py): no directory, nothing outside the "
                             "repository, never one of its own files")
        return value

    @field_validator("kind")
    @classmethod
    def _a_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"{value!r} is not a script kind; use one of {', '.join(KINDS)}")
        return value

    @property
    def paths(self) -> tuple[str, str]:
        """Where a Python script and a shell script are written."""
        return self.script_path, self.script_path.removesuffix(".py") + ".sh"

    def command(self, script: str) -> tuple[str, str]:
        """(where `script` is written, the command running it)."""
        path = script_file(self.script_path, script)
        return path, run_command(script, path, self.python)


SCRIPT_NAME = re.compile(r"codefix[A-Za-z0-9_.-]*\.py")
"""A reproduction script's name (see ScriptRunConfig.script_path)."""


def run_script(sandbox: Sandbox, script: str, config: ScriptRunConfig, files: dict | None = None) -> ExecResult:
    """Reset the sandbox, write `files` (path → text) and the script, run it."""
    sandbox.reset()
    for path, text in (files or {}).items():
        if text is not None:
            sandbox.write_file(path, text)
    path, command = config.command(script)
    sandbox.write_file(path, script)
    return sandbox.run(command, timeout=config.timeout)


def outputs_of(result: ExecResult, limit: int) -> dict:
    """What the trajectory stores about one run."""
    return {
        "exit_code": result.exit_code,
        "timed_out": result.timed_out,
        "duration": result.duration,
        "output": truncate_middle(result.output, limit),
    }
