"""Editing replies: the gold SEARCH/REPLACE blocks with the path where models put it, path
prefixes, marker lengths, indentation drift and trailing spaces (test double only)."""

from __future__ import annotations

import re
from random import Random

from agent.models.test_doubles.noisy_replies.common import accept_line, finish

_BLOCK = re.compile(r"```python\n(.*?)\n<<<<<<< SEARCH\n(.*?)=======\n(.*?)>>>>>>> REPLACE\n```", re.S)


def blocks_of(clean: str) -> list[tuple[str, str, str]]:
    return _BLOCK.findall(clean)


def _drifted(rng: Random, search: str, replace: str) -> tuple[str, str, str]:
    """Both sides shifted by one indentation, as a model that re-indented the block does."""
    lines = [line for line in (search + replace).splitlines() if line.strip()]
    if lines and all(line.startswith("    ") for line in lines) and rng.random() < 0.6:
        shift = lambda text: "".join(line[4:] if line.strip() else line for line in text.splitlines(keepends=True))  # noqa: E731
        return shift(search), shift(replace), "dedented"
    shift = lambda text: "".join("  " + line if line.strip() else line for line in text.splitlines(keepends=True))  # noqa: E731
    return shift(search), shift(replace), "indented"


def _block(rng: Random, path: str, search: str, replace: str) -> tuple[str, list[str]]:
    names = []
    if search and rng.random() < 0.25:
        search, replace, name = _drifted(rng, search, replace)
        names.append(name)
    if search and rng.random() < 0.2:
        lines = search.splitlines(keepends=True)
        i = rng.randrange(len(lines))
        lines[i] = lines[i].rstrip("\n") + "  \n"
        search, names = "".join(lines), names + ["trailing_space"]
    prefix = rng.choice(("", "", "./", "a/", "/testbed/")) if search else rng.choice(("", "./"))
    if prefix:
        names.append("prefix_" + (prefix.strip("/.") or "dot"))
    shown = prefix + path
    n = rng.choice((7, 7, 5, 6, 8, 9))
    if n != 7:
        names.append(f"markers_{n}")
    body = f"{'<' * n} SEARCH\n{search}{'=' * n}\n{replace}{'>' * n} REPLACE\n"
    where = rng.choice(("inside", "inside", "info", "before_fence", "on_search", "comment"))
    names.append("path_" + where)
    if where == "info":
        return f"```python {shown}\n{body}```\n", names
    if where == "before_fence":
        return f"**{shown}**\n```python\n{body}```\n", names
    if where == "on_search":
        return "```python\n" + body.replace(" SEARCH\n", f" SEARCH {shown}\n", 1) + "```\n", names
    if where == "comment":
        return f"```python\n# {shown}\n{body}```\n", names
    return f"```python\n{shown}\n{body}```\n", names


def tolerated(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    blocks = blocks_of(clean)
    if not blocks:  # accepting
        line, name = accept_line(rng)
        return finish(rng, line, [name], "Maybe one more edit? No, the output shows it is fixed.")
    parts, names = [], []
    for path, search, replace in blocks:
        text, more = _block(rng, path, search, replace)
        parts.append(text)
        names += more
    if rng.random() < 0.3:
        first = next((line for line in blocks[0][1].splitlines() if line.strip()), "pass")
        parts.insert(0, f"The problem is this line:\n```python\n{first.strip()}\n```\n")
        names.append("quoted_snippet")
    decoy = f"```python\n{blocks[0][0]}\n<<<<<<< SEARCH\n{blocks[0][1]}=======\n# a first idea\n>>>>>>> REPLACE\n```"
    return finish(rng, "\n".join(parts), names, decoy)


def malformed(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    blocks = blocks_of(clean)
    if not blocks:
        last = next((str(m.get("content")) for m in reversed(messages)
                     if m.get("role") == "assistant" and "SEARCH" in str(m.get("content"))), "")
        kind = rng.choice(("accept_and_edits",) * bool(last) + ("accept_in_prose",))
        if kind == "accept_and_edits":  # ACCEPT with the earlier edits sent again
            return "ACCEPT\n\nThe edits, for reference:\n" + last, [kind]
        return "The fix works, so I accept it.", [kind]
    kind = rng.choice(("accept_and_edits", "no_path", "truncated"))
    if kind == "accept_and_edits":
        return clean.strip() + "\n\nACCEPT", [kind]
    if kind == "no_path":
        path, search, replace = blocks[0]
        return f"```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n", [kind]
    return clean, ["truncated"]
