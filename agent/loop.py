"""The one trajectory loop every state machine runs in.

query → observe → save, until the task finishes or a limit stops it. The trajectory is
written atomically after the reply arrives and after it is observed, so a crash loses at
most the call in flight; a saved unfinished trajectory resumes where it stopped and a
finished one is returned as it is.

Every call goes out with the system message and the last two user messages flagged for the
provider's prompt cache (`agent.models.caching.flag_for_caching`). A reply cut at the output limit
(`finish_reason == "length"`) is never observed: the model is told where it was cut and how to
continue (`agent/prompts/<stage>/truncated.md`), which costs the call like a format error.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from pydantic import ValidationError

from codefix.core.errors import BudgetExceeded, CodefixError, CodefixWarning, ContextWindowExceeded, SandboxError, RateLimited
from codefix.core.protocols import Model, Sandbox
from codefix.core.store import read_or_set_aside, set_aside, write_json

from agent.models.caching import flag_for_caching
from agent.prompts.render import PROMPTS_DIR, render
from agent.task import (
    EXIT_BUDGET,
    EXIT_CONTEXT_WINDOW,
    EXIT_MAX_CALLS,
    EXIT_MODEL_ERROR,
    EXIT_SANDBOX_ERROR,
    EXIT_SUBMITTED,
    FINISHED,
    Step,
    Task,
)
from agent.trajectory_record import RUNNING, TrajectoryRecord, add_usage

def load_trajectory(path: Path) -> TrajectoryRecord | None:
    """The saved trajectory at `path`, or None when there is none. A damaged one (truncated by a
    crash) is set aside with a one-line warning and its machine runs again from the start."""
    data = read_or_set_aside(path, "its trajectory is redone")
    if data is None:
        return None
    try:
        return TrajectoryRecord.model_validate(data)
    except ValidationError:
        moved = set_aside(path)
        warnings.warn(f"{path}: not a trajectory; set aside as {moved.name}, its trajectory is redone",
                      CodefixWarning, stacklevel=2)
        return None


def is_finished(record: TrajectoryRecord | None) -> bool:
    return record is not None and record.status in FINISHED


def run_trajectory(
    task: Task,
    model: Model,
    sandbox: Sandbox,
    *,
    ledger,
    stage: str,
    path: Path,
    max_calls: int = 8,
    meta: dict | None = None,
    **query_kwargs,
) -> TrajectoryRecord:
    """Drive `task` with `model` until it finishes or a limit stops it; return the trajectory.

    The returned (and saved) record holds messages, per-step execution outputs, the exit
    status (`agent.task.FINISHED`), the task's result, usage and cost.
    """
    path = Path(path)
    record = load_trajectory(path)
    if is_finished(record):
        return record
    if record is None or not record.messages:
        record = TrajectoryRecord(stage=stage, meta=dict(meta or {}), messages=task.start(), task_state=task.state())
    else:
        task.restore(record.task_state)
        record.status, record.error = RUNNING, ""
    write_json(path, record.to_json())
    try:
        _drive(task, model, sandbox, record, ledger, stage, path, max_calls, meta, query_kwargs)
    except BaseException as exc:  # saved below; the trajectory stays resumable
        record.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        write_json(path, record.to_json())
    return record


def _drive(task, model, sandbox, record: TrajectoryRecord, ledger, stage, path, max_calls, meta, query_kwargs) -> None:
    messages = record.messages
    while True:
        if messages[-1]["role"] != "assistant":
            if record.calls >= max_calls:
                return _finish(record, task, EXIT_MAX_CALLS)
            status = _query(model, record, ledger, stage, meta, query_kwargs)
            if status:
                return _finish(record, task, status)
            write_json(path, record.to_json())
        reply = messages[-1]
        if reply.get("finish_reason") == "length":
            step = Step(message=truncation_message(stage, reply.get("output_tokens") or _limit(model, query_kwargs)),
                        format_error=True, outputs={"truncated": reply.get("output_tokens") or None})
            record.truncated += 1
        else:
            started = time.monotonic()
            try:
                step = task.observe(reply["content"], sandbox)
            except SandboxError as exc:
                record.error = str(exc)
                return _finish(record, task, EXIT_SANDBOX_ERROR)
            finally:
                record.sandbox_seconds = round(record.sandbox_seconds + time.monotonic() - started, 4)
            record.task_state = task.state()
        record.steps.append({"call": record.calls, "format_error": step.format_error, **step.outputs})
        if step.format_error:
            record.format_errors += 1
        if step.finished:
            record.result = step.result
            record.status = EXIT_SUBMITTED
            return
        messages.append({"role": "user", "content": step.message})
        write_json(path, record.to_json())


def truncation_message(stage: str, tokens: int | None) -> str:
    """What the model is told when its reply was cut at the output limit: the stage's
    `truncated.md` (the common one for a stage without its own)."""
    name = stage if (PROMPTS_DIR / stage / "truncated.md").is_file() else "common"
    return render(name, "truncated", tokens=tokens or "the maximum number of")


def _limit(model, query_kwargs: dict) -> int | None:
    return query_kwargs.get("max_tokens") or getattr(model, "max_tokens", None)


def _query(model, record: TrajectoryRecord, ledger, stage, meta, query_kwargs) -> str | None:
    """One model call appended to the messages; an exit status when it cannot be made."""
    started = time.monotonic()
    try:
        completion = model.query(
            flag_for_caching(record.messages), ledger=ledger, stage=stage, meta=dict(meta or {}), **query_kwargs
        )
    except ContextWindowExceeded as exc:
        record.error = str(exc)
        return EXIT_CONTEXT_WINDOW
    except BudgetExceeded as exc:
        record.error = str(exc)
        return EXIT_BUDGET
    except RateLimited:  # infrastructure, not the model's doing: the trajectory stays resumable
        raise
    except CodefixError as exc:
        record.error = f"{type(exc).__name__}: {exc}"
        return EXIT_MODEL_ERROR
    finally:
        record.model_seconds = round(record.model_seconds + time.monotonic() - started, 4)
    record.calls += 1
    record.usage = add_usage(record.usage, completion.usage)
    record.cost = round(record.cost + float(completion.cost or 0.0), 8)
    reply = {"role": "assistant", "content": completion.text}
    if getattr(completion, "finish_reason", "") == "length":
        reply.update(finish_reason="length", output_tokens=int(completion.usage.output_tokens or 0))
    record.messages.append(reply)
    return None


def _finish(record: TrajectoryRecord, task: Task, status: str) -> None:
    """Stop without the model accepting: keep whatever the task had produced so far."""
    record.status = status
    so_far = getattr(task, "result_so_far", None)
    record.result = so_far() if callable(so_far) else None
