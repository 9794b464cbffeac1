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


@dataclass(frozen=True)
class Usage:
    """Tokens one model call consumed."""

    input_tokens: int = 0
    """Prompt tokens billed at the full input price (cache reads and writes excluded)."""
    output_tokens: int = 0
    """Completion tokens."""
    cache_read_tokens: int = 0
    """Prompt tokens served from the provider's prompt cache."""
    cache_write_tokens: int = 0
    """Prompt tokens written to the provider's prompt cache."""


@dataclass(frozen=True)
class Completion:
    """One model answer with what it cost."""

    text: str
    """The assistant message's text."""
    usage: Usage
    """Token counts of the call."""
    cost: float
    """USD, priced through litellm's price map."""
    finish_reason: str = ""
    """Why the reply ended, as litellm normalises it: "stop", "length" (cut at the output limit;
    Anthropic's stop_reason max_tokens), ... ("" when the provider did not say)."""


class Model(Protocol):
    """A chat model. The real one goes through `litellm.completion`; test doubles are
    litellm custom providers, so the same path runs in tests.

    `ledger` (codefix.core.ledger.Ledger) is checked against the budget before the call and
    records the usage after it, under `stage` ("relevance", "ranking", "testing", ...).
    `meta` (e.g. {"instance_id": ..., "trajectory": 3, "path": ...}) travels with the call:
    recorded in the ledger, and visible to test-double providers as litellm metadata.
    Extra kwargs (temperature, max_tokens, ...) go to litellm.
    """

    name: str

    def query(
        self, messages: list[dict], *, ledger, stage: str, meta: dict | None = None, **kwargs
    ) -> Completion: ...
