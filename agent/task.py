"""What a state machine is to the trajectory loop: a task with a start and an observe step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from codefix.core.protocols import Sandbox

EXIT_SUBMITTED = "submitted"
"""The model accepted its work; the step's result holds it."""
EXIT_MAX_CALLS = "max_calls"
"""The call limit was reached before the model accepted."""
EXIT_CONTEXT_WINDOW = "context_window"
"""The conversation outgrew the model's context window."""
EXIT_BUDGET = "budget_exceeded"
"""The ledger refused the next call (the budget would be exceeded)."""
EXIT_MODEL_ERROR = "model_error"
"""A model call failed for good (auth, server down after retries, replay exhausted)."""
EXIT_SANDBOX_ERROR = "sandbox_error"
"""The execution infrastructure failed (container died, engine down)."""

FINISHED = frozenset({EXIT_SUBMITTED, EXIT_MAX_CALLS, EXIT_CONTEXT_WINDOW})
"""Exits a rerun keeps as they are."""
RESUMABLE = frozenset({EXIT_BUDGET, EXIT_MODEL_ERROR, EXIT_SANDBOX_ERROR})
"""Exits that stop this run but that a rerun resumes from the last saved step (a bigger
budget, the server back, a fresh sandbox); finished calls are never repeated."""


@dataclass
class Step:
    """What the task made of one reply."""

    message: str = ""
    """The next user message (an observation, or a format-fix re-prompt)."""
    finished: bool = False
    """True when the task is done; `result` holds what it produced."""
    result: dict[str, Any] | None = None
    """The task's product on finish (e.g. the script, or the patch and test)."""
    format_error: bool = False
    """True when the reply could not be parsed and `message` asks again."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Execution outputs of this step (exit codes, truncated output), stored in the trajectory."""


class Task(Protocol):
    """A state machine driven by `agent.loop.run_trajectory`.

    `observe` must not depend on what the sandbox holds from earlier steps (it resets the
    sandbox itself); its own memory goes in `state()`, so a saved trajectory can resume.
    """

    def start(self) -> list[dict]: ...

    def observe(self, reply: str, sandbox: Sandbox) -> Step: ...

    def state(self) -> dict: ...

    def restore(self, state: dict) -> None: ...
