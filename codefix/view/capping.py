"""Cap large texts (execution outputs, replies, patches) so a page of many instances stays small:
a capped text keeps its head and tail and says how much was left out; the page shows it as such
and links the full artefact."""

from __future__ import annotations


def cap(text, limit: int):
    """`text` itself when at most `limit` characters (or not a string); else
    {"head", "tail", "omitted", "size"} keeping about two thirds of `limit` from the start and
    one third from the end (the end of a test run holds its summary)."""
    if not isinstance(text, str) or limit <= 0 or len(text) <= limit:
        return text
    head = (2 * limit) // 3
    tail = limit - head
    return {"head": text[:head], "tail": text[len(text) - tail:], "omitted": len(text) - head - tail,
            "size": len(text)}


def cap_output(run, limit: int):
    """An execution record ({exit_code, timed_out, duration, output, ...}) with its output capped."""
    if not isinstance(run, dict):
        return None
    out = {k: v for k, v in run.items() if k != "output"}
    if "output" in run:
        out["output"] = cap(run.get("output"), limit)
    return out
