"""The issue as prompts carry it: capped, with a notice saying so.

An issue is user input of any size (a pasted log can be megabytes), and it goes into every
prompt of every stage. Past `MAX_ISSUE_CHARS` the beginning and the end are kept (the report
and the latest traceback) with a notice between them that names how much was cut, so the model
knows it is not seeing everything. SWE-bench Verified's longest issue has 24,770 characters.
"""

from __future__ import annotations

MAX_ISSUE_CHARS = 40_000
"""Characters of an issue that prompts carry (about 10k tokens)."""
TAIL_SHARE = 0.25
"""Share of the kept characters taken from the end of the issue."""


def prompt_issue(text: str, limit: int = MAX_ISSUE_CHARS) -> str:
    """`text` whole when it fits, else its head and tail around a notice of what was cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    tail = int(limit * TAIL_SHARE)
    head = limit - tail
    cut = len(text) - limit
    notice = (f"\n\n[... {cut:,} characters of the issue cut here: it has {len(text):,} characters, "
              f"more than the {limit:,} a prompt carries; the beginning and the end are shown ...]\n\n")
    return text[:head] + notice + text[-tail:]


def cap_notice(instance_id: str, text: str, limit: int = MAX_ISSUE_CHARS) -> str | None:
    """One line for the user when the issue of `instance_id` is capped, else None."""
    if len(text or "") <= limit:
        return None
    return (f"{instance_id}: the issue has {len(text):,} characters; prompts carry its first "
            f"{limit - int(limit * TAIL_SHARE):,} and last {int(limit * TAIL_SHARE):,} with a notice of the cut")
