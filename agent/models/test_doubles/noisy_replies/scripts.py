"""Shapes of replies that carry a script in <test> tags (testing, selection) (test double only); a
shell script's fences say bash where a Python script's say python."""

from __future__ import annotations

import re
from random import Random

from agent.script_kinds import PYTHON, script_kind

_TEST = re.compile(r"<test>\n(.*?)</test>", re.S)
_ISSUE = re.compile(r"<issue>\n(.*?)\n</issue>", re.S)


def script_of(clean: str) -> str | None:
    found = _TEST.search(clean)
    return found.group(1) if found else None


def quoted_snippet(rng: Random, messages: list) -> str:
    """A line of the issue quoted in a ```python fence, as models quote what they discuss."""
    issue = next((m["content"] for m in messages if m.get("role") == "user" and "<issue>" in str(m.get("content"))), "")
    found = _ISSUE.search(str(issue))
    lines = [line.strip() for line in (found.group(1) if found else "").splitlines() if line.strip()]
    code = [line for line in lines if "(" in line or "=" in line] or lines or ["..."]
    return f"The issue shows:\n\n```python\n{rng.choice(code)}\n```\n"


def fence_of(script: str) -> str:
    """The fence info string a model gives the script."""
    return "python" if script_kind(script) == PYTHON else "bash"


def tagged(rng: Random, script: str) -> tuple[str, str]:
    """The script in <test> tags, sometimes with a fence (```python, ```bash) inside the tags."""
    if rng.random() < 0.4:
        return f"<test>\n```{fence_of(script)}\n{script}```\n</test>", "fence_inside_tags"
    return f"<test>\n{script}</test>", "tags"


def script_reply(rng: Random, script: str, messages: list) -> tuple[str, list[str]]:
    text, name = tagged(rng, script)
    names = [name]
    if rng.random() < 0.4:
        text, names = quoted_snippet(rng, messages) + "\n" + text, names + ["quoted_snippet"]
    return text, names


DRAFT = "<test>\nprint('a first draft')\n</test>"


def malformed_script(rng: Random, clean: str, script: str, extra_kinds: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """A script reply the pipeline must ask again."""
    kind = rng.choice(("accept_and_test", "untagged", "two_tests", "truncated", *extra_kinds))
    if kind == "accept_and_test":
        return f"<test>\n{script}</test>\n\nACCEPT", [kind]
    if kind == "untagged":
        return f"Here is the script:\n\n```{fence_of(script)}\n{script}```\n", [kind]
    if kind == "two_tests":
        return f"A draft:\n{DRAFT}\n\nThe real one:\n<test>\n{script}</test>\n", [kind]
    if kind == "truncated":
        return clean, ["truncated"]
    return clean, [kind]
