"""Reading a ranking reply: the ordered paths, whatever list shape the model chose.

Accepted shapes: a JSON list (one line or many, fenced or bare, or an object holding one
list), a fenced block with one path a line, a numbered or bulleted list; a path may carry a
reason after it (`1. pkg/mod.py - defines X`, `pkg/mod.py (120 tokens): ...`) and a `./`,
`a/`/`b/` or absolute prefix, resolved against the listed files. `<think>` drafts are dropped.
Never guessed: two rankings that disagree, a block that is not closed, or a list in which most
entries name no listed file raise MalformedAnswer with a message for the model.
"""

from __future__ import annotations

import json
import re

from agent.context.relevance import MalformedAnswer
from agent.reply_parsing import clean_reply, fenced_blocks

_BULLET = re.compile(r"^(?:[-*+•]|\d+[.):]|#\d+[.:]?|\(\d+\)|\[\d+\])\s*")
_TOKEN = re.compile(r"^[`'\"*\[]*([^\s`'\"*,;()\[\]]+)")
_PATHISH = re.compile(r"/|\.pyi?$|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_MODULE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


def resolve_listed(token: str, known: set[str]) -> str | None:
    """The listed path `token` names: as written, without `./`, without a diff's `a/`/`b/`,
    (absolute) the longest listed path it ends with, or (a dotted module name) the one listed
    file it is; None when it names none."""
    t = token.strip().replace("\\", "/").rstrip(".:,")
    while t.startswith("./"):
        t = t[2:]
    if t in known:
        return t
    if t[:2] in ("a/", "b/") and t[2:] in known:
        return t[2:]
    if t.startswith("/"):
        tails = [k for k in known if t.endswith("/" + k)]
        return max(tails, key=len) if tails else None
    if _MODULE.match(t):  # a dotted module name: pkg.mod is pkg/mod.py or pkg/mod/__init__.py
        found = [p for p in (t.replace(".", "/") + ".py", t.replace(".", "/") + "/__init__.py") if p in known]
        return found[0] if len(found) == 1 else None
    return None


def parse_ranking(text: str, known: set[str]) -> tuple[list[str], list[str]]:
    """(listed paths in the model's order, path-like entries naming no listed file) from a reply."""
    body = clean_reply(text)
    if len(_FENCE_LINES.findall(body)) % 2:
        raise MalformedAnswer("a ``` block of your reply is not closed (was it cut off?); send the whole ranking "
                              "in one closed block")
    blocks, outside = fenced_blocks(body)
    candidates = _json_lists(outside)
    for block in blocks:
        candidates += _json_lists(block.body) or [block.body.split("\n")]
    if not candidates:
        candidates = [_list_lines(outside)]
    readings = [_read(entries, known) for entries in candidates]
    usable = [r for r in readings if r[0]]
    if not usable:
        if any(dropped for _, dropped in readings):
            raise MalformedAnswer("no entry of your ranking is a path from the list; copy the paths exactly as listed")
        raise MalformedAnswer("no ranking found; send the paths in one fenced block, one path per line")
    orders = list(dict.fromkeys(tuple(r[0]) for r in usable))
    if len(orders) > 1:
        raise MalformedAnswer(f"your reply holds {len(orders)} different rankings; send exactly one")
    paths, dropped = usable[-1]
    if len(dropped) > len(paths):
        shown = ", ".join(f"'{d}'" for d in dropped[:5])
        raise MalformedAnswer(f"{len(dropped)} of the {len(paths) + len(dropped)} entries of your ranking name no "
                              f"file from the list ({shown}); use only listed paths, spelled exactly as listed")
    return paths, dropped


_FENCE_LINES = re.compile(r"^[ \t]*```", re.M)


def _read(entries: list[str], known: set[str]) -> tuple[list[str], list[str]]:
    """(resolved paths, unresolved path-like entries); entries that are not path-like (prose,
    reasons on their own line) are neither."""
    paths: list[str] = []
    dropped: list[str] = []
    for entry in entries:
        token = _entry_token(entry)
        path = resolve_listed(token, known) if token else None
        if path is not None:
            if path not in paths:
                paths.append(path)
        elif _PATHISH.search(token) and token not in dropped:
            dropped.append(token)
    return paths, dropped


def _entry_token(entry: str) -> str:
    line = _BULLET.sub("", entry.strip()).strip()
    m = _TOKEN.match(line)
    return m.group(1).rstrip(".:,") if m else ""


def _list_lines(text: str) -> list[str]:
    """Entries of a list written in the prose: its bulleted or numbered lines, else the lines
    that start with a path."""
    lines = [line for line in text.split("\n") if line.strip()]
    bulleted = [line for line in lines if _BULLET.match(line.strip())]
    if bulleted:
        return bulleted
    return [line for line in lines if _PATHISH.search(_entry_token(line))]


def _json_lists(text: str) -> list[list[str]]:
    """Every JSON list of strings in `text` (also one inside an object), in order. A list that
    is not valid JSON (a trailing comma, single quotes) is read as its quoted strings when it
    is closed; one that is never closed raises MalformedAnswer (a cut-off reply)."""
    found, pos, decoder = [], 0, json.JSONDecoder()
    while (m := _JSON_START.search(text, pos)) is not None:
        start = m.start()
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            close = text.find("]" if text[start] == "[" else "}", start)
            if close < 0:
                raise MalformedAnswer("your JSON list is not closed (was the reply cut off?); send the whole ranking") from None
            value, end = _QUOTED.findall(text[start:close]), close + 1
        if isinstance(value, dict):
            value = next((v for v in value.values() if isinstance(v, list)), None)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            found.append(value)
        pos = end
    return found


_JSON_START = re.compile(r"[\[{]\s*[\"'\[{]")
_QUOTED = re.compile(r"[\"']([^\"'\n]+)[\"']")
