"""The record of one state machine's run, as the trajectory loop keeps it and stores it in
`runs/<run>/<instance>/trajectories/<pair>.<machine>.traj.json` (`selection.traj.json` for the
selection machine).

The JSON keeps the shape the loop always wrote (the same keys in the same order), so runs from
before this model and readers that take the file as plain JSON (`codefix view`, `codefix report`)
read it unchanged. Keys this version does not know are kept as they are.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.protocols import Usage

RUNNING = "running"
"""The status of a trajectory the loop has not finished (or that was stopped mid-run)."""


def add_usage(total: Usage, call: Usage) -> Usage:
    """`total` with one call's tokens added."""
    return Usage(**{f.name: getattr(total, f.name) + int(getattr(call, f.name, 0) or 0) for f in fields(Usage)})


class TrajectoryRecord(BaseModel):
    """One state machine's run: its conversation, what each step executed, how it ended and what
    it cost. Saved after every call and step, so a crash loses at most the call in flight."""

    model_config = ConfigDict(extra="allow")

    stage: str
    """The machine's stage (`testing`, `editing`, `selection`); also the ledger's stage."""
    meta: dict[str, Any] = Field(default_factory=dict)
    """What identifies the run for the ledger (instance id, pair number, machine)."""
    status: str = RUNNING
    """`running` until the loop stops: then an exit of `agent.task` (`submitted`, `max_calls`, ...)."""
    error: str = ""
    """Why the run stopped when it did not finish (model, budget, window or sandbox error)."""
    calls: int = 0
    """Model calls made (format errors and cut replies count)."""
    format_errors: int = 0
    """Replies the task could not read and asked again for, including replies cut at the output limit."""
    truncated: int = 0
    """Replies cut at the output limit (`finish_reason == "length"`), never observed."""
    messages: list[dict[str, Any]] = Field(default_factory=list)
    """The conversation: system, user and assistant messages (a cut reply carries `finish_reason`
    and `output_tokens`)."""
    steps: list[dict[str, Any]] = Field(default_factory=list)
    """One entry per observed reply: `call`, `format_error` and the task's execution outputs."""
    task_state: dict[str, Any] = Field(default_factory=dict)
    """The task's memory after its last step (`Task.state()`), from which a rerun resumes."""
    result: dict[str, Any] | None = None
    """What the task produced: its product on `submitted`, else what it had so far (or None)."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens of all calls, split as the ledger splits them."""
    cost: float = 0.0
    """USD of all calls."""
    model_seconds: float = 0.0
    """Wall time spent waiting for the model."""
    sandbox_seconds: float = 0.0
    """Wall time spent in the task's observe steps (script runs in the sandbox)."""

    def to_json(self) -> dict[str, Any]:
        """The record as the trajectory file stores it."""
        return self.model_dump(mode="json")
