"""Gold answer for the relevance stage: the files the gold patch touches are relevant.

Test double only (see agent/models/test_doubles): it reads the instance's gold patch, never the
model's judgement. The reply follows agent/prompts/relevance/system.md.
"""

from __future__ import annotations

import re

_FILE_TAG = re.compile(r'<file path="([^"]+)"')
_HUNK_DEF = re.compile(r"^@@ [^@]* @@ ?(?:async\s+)?(def|class)\s+(\w+)", re.M)


def _asked_path(messages: list[dict], meta: dict) -> str:
    if meta.get("path"):
        return meta["path"]
    for message in reversed(messages):
        found = _FILE_TAG.search(str(message.get("content", "")))
        if found:
            return found.group(1)
    raise ValueError("gold relevance answer: the prompt names no file (no meta['path'], no <file path=...>)")


def _file_diff(patch: str, path: str) -> str:
    parts = re.split(r"^(?=diff --git )", patch or "", flags=re.M)
    return next((p for p in parts if p.startswith(f"diff --git a/{path} ")), "")


def answer(instance, messages: list[dict], meta: dict, wrong: bool) -> str:
    """RELEVANT with a summary for gold-patch files (NOT RELEVANT when told to be wrong)."""
    path = _asked_path(messages, meta)
    diff = _file_diff(instance.patch, path)
    if not diff or wrong:
        return f"`{path}` does not hold code the fix needs.\nVERDICT: NOT RELEVANT"
    names = sorted({f"{kind} {name}" for kind, name in _HUNK_DEF.findall(diff)})
    where = ", ".join(names[:3]) if names else "module-level code"
    return (
        f"`{path}` holds the code the issue is about.\n"
        f"VERDICT: RELEVANT\nSUMMARY: Defines the behaviour the issue reports ({where})."
    )
