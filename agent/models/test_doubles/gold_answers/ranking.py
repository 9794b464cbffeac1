"""Gold answer for the ranking stage: the gold patch's files first, then the rest as listed.

Test double only (see agent/models/test_doubles). It reads the file list from the ranking prompt
(agent/prompts/ranking/user.md: lines "- `path` (N tokens): summary") and replies with a
fenced block as agent/prompts/ranking/system.md asks.
"""

from __future__ import annotations

import re

_LISTED = re.compile(r"^- `([^`]+)` \(\d+ tokens\)", re.M)
_DIFF_HEADER = re.compile(r"^diff --git a/(\S+) b/", re.M)


def answer(instance, messages: list[dict], meta: dict, wrong: bool) -> str:
    """Gold files first (in patch order), then every other listed file in listed order;
    when told to be wrong, the gold files go last."""
    user = next((m for m in reversed(messages) if m.get("role") == "user" and _LISTED.search(str(m.get("content", "")))), None)
    if user is None:
        raise ValueError("gold ranking answer: the prompt lists no files ('- `path` (N tokens): ...')")
    listed = _LISTED.findall(str(user["content"]))
    gold = [p for p in dict.fromkeys(_DIFF_HEADER.findall(instance.patch or "")) if p in listed]
    rest = [p for p in listed if p not in gold]
    order = rest + gold if wrong else gold + rest
    return "Most important first:\n```\n" + "\n".join(order) + "\n```\n"
