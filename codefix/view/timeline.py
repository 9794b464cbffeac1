"""A trajectory record (`agent/loop.py`: messages, steps, status ...) as the steps of a timeline:
per model call, the reply, whether it was a format re-ask (and what the machine asked again), and
what ran: the testing script's run, the editing step's before/after runs and patch, the rejected
edit, or the selection machine's runs per column. Unknown step keys are kept as `extra`."""

from __future__ import annotations

from codefix.view.artefacts import as_dict, as_list, as_number
from codefix.view.capping import cap, cap_output

KNOWN_STEP_KEYS = {"call", "format_error", "run", "before", "after", "patch", "rejected", "runs", "problem", "notes"}
HEADER_KEYS = ("stage", "status", "error", "calls", "format_errors", "cost", "model_seconds", "sandbox_seconds")


def replies_and_followups(messages: list) -> list[tuple[str, str | None]]:
    """(assistant reply, the user message that followed it or None), in call order."""
    messages = [as_dict(m) for m in as_list(messages)]
    out = []
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        after = messages[i + 1] if i + 1 < len(messages) else {}
        out.append((_text(message.get("content")), _text(after.get("content")) if after.get("role") == "user" else None))
    return out


def timeline(record: dict, *, limit: int) -> dict:
    """The timeline of one trajectory record; texts capped at `limit` characters."""
    record = as_dict(record)
    head = {k: record.get(k) for k in HEADER_KEYS if k in record}
    head["meta"] = as_dict(record.get("meta"))
    replies = replies_and_followups(record.get("messages"))
    steps = [as_dict(s) for s in as_list(record.get("steps"))]
    by_call = {}
    for step in steps:
        call = as_number(step.get("call"))
        if call is not None:
            by_call.setdefault(int(call), step)
    out_steps = []
    for index, (reply, followup) in enumerate(replies, start=1):
        out_steps.append(_step(index, reply, followup, by_call.get(index), limit))
    answered = len(replies)
    for call in sorted(c for c in by_call if c > answered):  # a step without its reply (older or damaged record)
        out_steps.append(_step(call, None, None, by_call[call], limit))
    head["steps"] = out_steps
    head["result"] = _result(record.get("result"), limit)
    head["running"] = record.get("status") == "running"
    return head


def _step(call: int, reply, followup, step: dict | None, limit: int) -> dict:
    out: dict = {"call": call, "reply": cap(reply, limit)}
    if step is None:
        out["observed"] = False  # the reply arrived but was never observed (cut short, or still running)
        return out
    out["observed"] = True
    out["format_error"] = bool(step.get("format_error"))
    if out["format_error"] and followup is not None:
        out["reask"] = cap(followup, limit)
    for key in ("run", "before", "after"):
        if isinstance(step.get(key), dict):
            out[key] = cap_output(step[key], limit)
    if "patch" in step:
        out["patch"] = cap(step.get("patch") or "", limit)
    if step.get("rejected"):
        out["rejected"] = cap(str(step["rejected"]), limit)
    if step.get("problem"):  # why the reply was re-asked, as the machine put it
        out["problem"] = cap(str(step["problem"]), limit)
    if step.get("notes"):  # what the machine told the model about how it read the edits
        notes = step["notes"] if isinstance(step["notes"], list) else [step["notes"]]
        out["notes"] = [cap(str(n), limit) for n in notes]
    if isinstance(step.get("runs"), dict):
        out["runs"] = {str(col): cap_output(run, limit) for col, run in step["runs"].items()}
    extra = {k: v for k, v in step.items() if k not in KNOWN_STEP_KEYS}
    if extra:
        out["extra"] = {k: cap(v if isinstance(v, str) else _short_json(v), limit) for k, v in extra.items()}
    if not out["format_error"] and followup is not None and "run" not in out and "before" not in out \
            and "runs" not in out and "rejected" not in out:
        out["observation"] = cap(followup, limit)
    return out


def _result(result, limit: int):
    if not isinstance(result, dict):
        return None
    return {k: cap(v, limit) if isinstance(v, str) else v for k, v in result.items()
            if isinstance(v, (str, int, float, bool)) or v is None} | (
        {"tests": [cap(t, limit) for t in result["tests"] if isinstance(t, str)]}
        if isinstance(result.get("tests"), list) else {})


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part content (e.g. cache-control blocks)
        return "".join(str(as_dict(part).get("text", "")) for part in content)
    return "" if content is None else str(content)


def _short_json(value) -> str:
    import json

    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)
