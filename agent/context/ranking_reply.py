"""Reading a ranking reply: the ordered paths, whatever list shape the model chose.

Accepted shapes: a JSON list (one line or many, fenced or bare, or an object holding one
list; a list of objects each naming one file under a path key), a fenced block with one path a line, a numbered or bulleted list (one run of list
lines); a path may carry a reason after it (`1. pkg/mod.py - defines X`, `pkg/mod.py (120
tokens): ...`), a line number or symbol (`pkg/mod.py:83`, `#L83`, `::clamp`) and a `./`,
`a/`/`b/` or absolute prefix, resolved against the listed files. `<think>` drafts are dropped.
Never guessed: two rankings that disagree (also two separate lists naming files, such as a
ranking and "files to leave out", or a JSON object with several lists), a block that is not
closed, or a list in which most entries name no listed file raise MalformedAnswer with a
message for the model.
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
_LOCATION = re.compile(r"(?:(?::L?\d+(?:-L?\d+)?)+|#L\d+(?:-L?\d+)?|::?[A-Za-z_][\w.]*)$")
"""A line number or symbol after a path: `pkg/mod.py:83`, `:83:5`, `#L83-L90`, `::clamp`."""


def resolve_listed(token: str, known: set[str]) -> str | None:
    """The listed path `token` names: as written, without `./`, without a diff's `a/`/`b/`,
    (absolute) the longest listed path it ends with, or (a dotted module name) the one listed
    file it is; None when it names none."""
    t = _LOCATION.sub("", token.strip().replace("\\", "/").rstrip(".:,"))
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
    if candidates:
        readings = [_read(entries, known) for entries in candidates]
    else:
        readings = [_one_list(_list_runs(_table_rows(outside)), known)]
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
    line = _BOLD_NUMBER.sub("", re.sub(r"</?[A-Za-z][\w-]*>", " ", entry).strip())
    line = _BULLET.sub("", line).strip()
    m = _TOKEN.match(line)
    return m.group(1).rstrip(".:,") if m else ""


_BOLD_NUMBER = re.compile(r"^([*_]{1,3})(?:\d+[.):]|#\d+[.:]?)\1\s*")
"""An emphasised number before an entry: `**1.** pkg/mod.py`."""

_LEAVE_OUT = re.compile(r"n't\b|\b(?:not|no|leave out|left out|exclude[ds]?|excluding|skip(?:ped)?|irrelevant|unneeded|"
                        r"unnecessary|notes?|ignore[ds]?|omit(?:ted)?|unrelated|without|reject(?:ed)?|discard(?:ed)?|"
                        r"avoid|unlikely|drop(?:ped)?)\b", re.I)


def _one_list(runs: list[tuple[str, list[str]]], known: set[str]) -> tuple[list[str], list[str]]:
    """The ranking an unfenced reply's lists give: the list that names files, or, of several,
    those not introduced as files to leave out or notes ("Files to leave out:", "## Notes"), read in order
    as one ranking when they name different files (tiers under headings); lists that repeat a
    file (a draft and a final order) raise MalformedAnswer. Without lists: the lines that start
    with a path."""
    readings = [(lead, _read(lines, known)) for lead, lines in runs]
    naming = [(lead, r) for lead, r in readings if r[0]]
    kept = [r for lead, r in naming if len(naming) == 1 or not _LEAVE_OUT.search(lead.replace("_", " "))]
    if naming and not kept:
        raise MalformedAnswer("every list of your reply is introduced as files to leave out or notes; send the "
                              "ranking as one list")
    if not naming:
        return next((r for _, r in readings if r[1]), ([], []))
    paths = [p for r in kept for p in r[0]]
    if len(set(paths)) < len(paths):
        raise MalformedAnswer(f"your reply holds {len(kept)} lists that name the same files (different rankings?); "
                              "send exactly one ranking, as one list")
    return paths, [d for r in kept for d in r[1]]


def _list_runs(text: str) -> list[tuple[str, list[str]]]:
    """The bulleted or numbered lists of the prose, each (the line that introduces it, its
    lines): one run of consecutive list lines (blank lines and indented continuation lines do
    not end a run; any other line does, unless the next list continues the previous one's
    numbering). Without any list, the lines that start with a path are one run."""
    runs: list[tuple[str, list[str]]] = []
    current: list[str] = []
    lead, last_number = "", None
    for line in text.split("\n"):
        if _is_list_line(line):
            number = _NUMBERED.match(_EMPHASIS.sub("", line.strip()))
            continues = bool(number and last_number is not None and int(number.group(1)) == last_number + 1)
            if not current and runs and continues:
                lead, current = runs.pop()
            current.append(line)
            last_number = int(number.group(1)) if number else None
        elif not line.strip() or line[:1].isspace():
            if current and line.strip():
                current.append(line)
        else:
            if current:
                runs.append((lead, current))
                current = []
            lead = line
    if current:
        runs.append((lead, current))
    if not runs:
        paths = [line for line in text.split("\n") if line.strip() and _PATHISH.search(_entry_token(line))]
        runs = [("", paths)] if paths else []
    return runs


_EMPHASIS = re.compile(r"^[*_]+(?=[^\s*_])")
_EMPHASISED_WORD = re.compile(r"^([*_]{1,3})`?([^\s*_`]+?)`?\1(?:[\s:,—–-]|$)")
"""A line that opens with one emphasised word: `**pkg/mod.py** — why`, `**1.** pkg/mod.py`."""


def _is_list_line(line: str) -> bool:
    """A bullet or number at the start of an unindented line. A line opening with emphasis
    (`**Not needed:**`, `*Ranked:*`, `**docs/conf.py can be ignored.**`) is a heading or a
    sentence, never a bullet, unless what it emphasises is one path or one number alone
    (`**pkg/mod.py** — why`, `**1.** pkg/mod.py`)."""
    if line[:1].isspace():
        return False
    s = line.strip()
    if not _EMPHASIS.match(s):
        return bool(_BULLET.match(s))
    word = _EMPHASISED_WORD.match(s)
    return bool(word) and bool(_PATHISH.search(word.group(2)) or _NUMBERED.match(word.group(2)))


def _table_rows(text: str) -> str:
    """`text` with each markdown table row that holds a path as a bullet of its first such
    cell (`| 1 | pkg/mod.py | why |` → `- pkg/mod.py`); header and rule rows go."""
    out = []
    for line in text.split("\n"):
        if not line.strip().startswith("|"):
            out.append(line)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        path = next((c for c in cells if _PATHISH.search(_entry_token(c))), None)
        if path is not None:
            out.append(f"- {path}")
    return "\n".join(out)


_NUMBERED = re.compile(r"^(?:#?(\d+)[.):]|\((\d+)\)|\[(\d+)\])")


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
            lists = {k: v for k, v in value.items() if isinstance(v, list) and v}
            if len({json.dumps(v) for v in lists.values()}) > 1:
                raise MalformedAnswer(f"your JSON object holds {len(lists)} lists ({', '.join(map(str, lists))}); send the "
                                      "ranking as one list of paths, most important first")
            value = next(iter(lists.values()), None)
        if isinstance(value, list):
            value = _object_paths(value)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            found.append(value)
        pos = end
    return found


_PATH_KEYS = ("path", "file", "filename", "file_path", "filepath")


def _object_paths(items: list) -> list:
    """A list of objects that each name one file under a path key (`[{"path": "pkg/m.py",
    "reason": "…"}, …]`) as the list of those paths; any other list unchanged (an object
    without such a key leaves the list unread, never partly read)."""
    if not items or not all(isinstance(i, dict) for i in items):
        return items
    paths = [[i[k] for k in _PATH_KEYS if isinstance(i.get(k), str)] for i in items]
    return [p[0] for p in paths] if all(len(p) == 1 for p in paths) else items


_JSON_START = re.compile(r"[\[{]\s*[\"'\[{]")
_QUOTED = re.compile(r"[\"']([^\"'\n]+)[\"']")
