"""Running a reproduction script in a sandbox, and what a trajectory stores about the run: the
execution helpers of the testing, editing and selection machines and of voting."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

from codefix.core.protocols import ExecResult, Sandbox
from codefix.core.setting_bounds import SCRIPT_TIMEOUT
from codefix.core.truncation import truncate_middle


class ScriptRunConfig(BaseModel):
    """How reproduction scripts run in the sandbox (shared by both machines)."""

    model_config = ConfigDict(extra="forbid")

    timeout: float = SCRIPT_TIMEOUT.field(100.0)
    """Seconds a script may run before it is killed."""
    output_limit: int = 8192
    """Characters of output the model sees; the middle is cut past this."""
    script_path: str = "codefix_reproduce.py"
    """Where the script is written: a file at the repository root named `codefix*.py` (so it can
    never land outside the repository nor overwrite one of its source files; never part of a patch)."""
    python: str = "python3"
    """The interpreter that runs the script."""

    @field_validator("script_path")
    @classmethod
    def _our_own_file(cls, value: str) -> str:
        if not SCRIPT_NAME.fullmatch(value):
            raise ValueError(f"{value!r} must be a file name at the repository root starting with 'codefix' and "
                             "ending in '.py' (e.g. codefix_reproduce.py): no directory, nothing outside the "
                             "repository, never one of its own files")
        return value


SCRIPT_NAME = re.compile(r"codefix[A-Za-z0-9_.-]*\.py")
"""A reproduction script's name (see ScriptRunConfig.script_path)."""


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
