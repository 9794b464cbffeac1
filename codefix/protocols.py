"""The core contracts, in one place. Implementations need not inherit from these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ExecResult:
    """What one command run in a sandbox produced. A non-zero exit is data, not an error."""

    output: str
    """Combined stdout and stderr, truncated in the middle past the sandbox's limit."""
    exit_code: int
    """The command's exit status; -1 when it was killed at the timeout."""
    timed_out: bool = False
    """True when the command was killed because it ran past its timeout."""
    duration: float = 0.0
    """Wall-clock seconds the command took."""


@runtime_checkable
class Sandbox(Protocol):
    """An isolated checkout of one instance's repository at its base commit.

    Opened as a context manager; `reset` returns it to the state it started in, so one
    sandbox serves many runs.
    """

    def run(self, command: str, timeout: float | None = None) -> ExecResult: ...

    def read_file(self, path: str) -> str: ...

    def write_file(self, path: str, content: str) -> None: ...

    def reset(self) -> None: ...
