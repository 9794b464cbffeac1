"""Reading SEARCH/REPLACE blocks from a reply, with the file path wherever models put it.

    ```python
    pkg/mod.py
    <<<<<<< SEARCH
    old lines
    =======
    new lines
    >>>>>>> REPLACE
    ```

Markers may be 5 to 9 characters long. The path may stand on the line before SEARCH (inside
the fence), in the fence's info string (```python pkg/mod.py), on the line before the fence
(bare, `quoted`, **bold**, `# pkg/mod.py`, `File: pkg/mod.py`) or after SEARCH on its own
line; several blocks in one fence share the path named first. Two different paths for one
block are an error, never a guess. Paths come out as written (`./`, `a/` and absolute paths
are resolved by `agent.edit_paths` against the repository).
"""

from __future__ import annotations

import re

from agent.edits import Edit, EditError
from agent.reply_parsing import clean_reply

_SEARCH = re.compile(r"^[ \t]*<{5,9}[ \t]*SEARCH\b[ \t:]*(.*?)[ \t]*$")
_DIVIDER = re.compile(r"^[ \t]*={5,9}[ \t]*$")
_REPLACE = re.compile(r"^[ \t]*>{5,9}[ \t]*REPLACE\b.*$")
_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*(.*?)[ \t]*$")
_LABEL = re.compile(r"^(?:file(?:name)?|path)\s*[:=]\s*", re.I)
_PATHLIKE = re.compile(
    r"^/?(?:[\w.@+-]+/)+[\w.@+-]+$"  # has a directory
    r"|^[\w.@+-]*\w\.(?:py|pyi|pyx|pxd|c|h|cc|cpp|cfg|toml|ini|txt|rst|md|json|ya?ml|js|ts|html|css|sh|in)$"
)
_LANGUAGES = {"python", "py", "python3", "diff", "text", "txt", "plaintext", "toml", "yaml", "yml", "json", "ini",
              "cfg", "sh", "bash", "c", "cpp", "rst", "markdown", "md", "html", "xml", "js", "javascript"}


def parse_edits(text: str) -> list[Edit]:
    """Every SEARCH/REPLACE block in `text`, in order. A block without a path, without its
    ======= or REPLACE line, or naming two different paths raises EditError."""
    lines = clean_reply(text).split("\n")
    edits: list[Edit] = []
    fence_open, fence_path = -1, ""  # the open fence's line, the path of its previous block
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            closing = fence_open >= 0 and not fence.group(2)
            fence_open, fence_path = (-1, "") if closing else (i, "")
            i += 1
            continue
        head = _SEARCH.match(lines[i])
        if head is None:
            i += 1
            continue
        path = _block_path(lines, i, head.group(1), fence_open, fence_path)
        end = next((j for j in range(i + 1, len(lines)) if _REPLACE.match(lines[j])), None)
        if end is None:
            raise EditError(f"the SEARCH block for {path} (line {i + 1}) lacks its >>>>>>> REPLACE line")
        dividers = [j for j in range(i + 1, end) if _DIVIDER.match(lines[j])]
        if not dividers:
            raise EditError(f"the SEARCH block for {path} (line {i + 1}) lacks its ======= line")
        splits = [(_joined(lines[i + 1 : d]), _joined(lines[d + 1 : end])) for d in dividers]
        edits.append(Edit(path, splits[0][0], splits[0][1], tuple(splits[1:])))
        fence_path = path
        i = end + 1
    return edits


def _block_path(lines: list[str], i: int, on_search_line: str, fence_open: int, fence_path: str) -> str:
    """The one path the block names; EditError when none or two different ones."""
    found: list[str] = []
    if on_search_line:
        if not _is_path(_clean(on_search_line)):
            raise EditError(f"the text after SEARCH on line {i + 1} ({on_search_line!r}) is not a file path; put "
                            "the path on the line before <<<<<<< SEARCH")
        found.append(_clean(on_search_line))
    j = i - 1
    while j > fence_open and not lines[j].strip() and fence_open < 0:
        j -= 1  # blank lines between a bare path line and SEARCH
    if j > fence_open and j >= 0 and _is_path(_clean(lines[j])):
        found.append(_clean(lines[j]))
        j -= 1
    if j == fence_open >= 0:
        found += _info_paths(_FENCE.match(lines[fence_open]).group(2))
        if fence_open > 0 and _is_path(_clean(lines[fence_open - 1])):
            found.append(_clean(lines[fence_open - 1]))
    distinct = list(dict.fromkeys(found))
    if len({_comparable(p) for p in distinct}) > 1:
        raise EditError(f"the SEARCH block on line {i + 1} names {len(distinct)} different files ({', '.join(distinct)}); "
                        "name exactly one, on the line before <<<<<<< SEARCH")
    if distinct:
        return distinct[0]
    if fence_path:
        return fence_path
    raise EditError(f"the SEARCH block on line {i + 1} has no file path: put the file's path (relative to the "
                    "repository root) on the line before <<<<<<< SEARCH")


def _clean(line: str) -> str:
    """A line stripped of the decoration models put around a path."""
    text = line.strip()
    if text.startswith("#"):
        text = text.lstrip("#").strip()
    for _ in range(2):
        text = _LABEL.sub("", text.strip("*`'\" "))
        text = text[:-1] if text.endswith(":") else text
    return text.strip("*`'\" ")


def _is_path(text: str) -> bool:
    return bool(text) and " " not in text and bool(_PATHLIKE.match(text)) and text.lower() not in _LANGUAGES


def _info_paths(info: str) -> list[str]:
    """Paths in a fence's info string: ```python pkg/mod.py, ```pkg/mod.py, ```python:pkg/mod.py,
    ```python title="pkg/mod.py"."""
    out = []
    for token in re.split(r"[\s:]+", info):
        token = re.sub(r"^(?:title|path|file(?:name)?)=", "", token).strip("\"'`")
        if _is_path(token):
            out.append(token)
    return out


def _comparable(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path[2:] if path[:2] in ("a/", "b/") else path


def _joined(block: list[str]) -> str:
    return "".join(line + "\n" for line in block)
