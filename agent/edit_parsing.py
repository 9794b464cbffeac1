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
(bare, `quoted`, **bold**, `# pkg/mod.py`, `File: pkg/mod.py`, a lead-in such as `Then in pkg/mod.py:`,
`<edit file="pkg/mod.py">`, a Windows path) or after SEARCH on its own
line. A block takes the previous block's path only inside one fence with nothing but blank
lines between them; a block whose path line cannot be read is an error naming that line. Two
different paths for one block are an error, never a guess. Paths come out as written (`./`, `a/` and absolute paths
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
_LABEL = re.compile(r"^(?:file[ _]?(?:name|path)?|path)\s*[:=]\s*", re.I)
_PATHLIKE = re.compile(
    r"^/?(?:[\w.@+-]+/)+[\w.@+-]+$"  # has a directory
    r"|^[\w.@+-]*\w\.(?:py|pyi|pyx|pxd|c|h|cc|cpp|cxx|hh|hpp|hxx|go|rs|java|rb|php|jsx|tsx|mjs|cjs|mts|cts"
    r"|cfg|toml|ini|txt|rst|md|json|ya?ml|js|ts|html|css|sh|in|mod|sum|lock|gradle|xml)$"
)
_LANGUAGES = {"python", "py", "python3", "diff", "text", "txt", "plaintext", "toml", "yaml", "yml", "json", "ini",
              "cfg", "sh", "bash", "c", "cpp", "rst", "markdown", "md", "html", "xml", "js", "javascript"}


def parse_edits(text: str) -> list[Edit]:
    """Every SEARCH/REPLACE block in `text`, in order, a block repeated word for word counted
    once. A block without a path, without its ======= or REPLACE line, or naming two different
    paths raises EditError."""
    lines = clean_reply(text).split("\n")
    edits: list[Edit] = []
    fence_open = -1  # the open fence's line
    previous = (-1, "")  # the REPLACE line and the path of the open fence's previous block
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            closing = fence_open >= 0 and not fence.group(2)
            fence_open, previous = (-1 if closing else i), (-1, "")
            i += 1
            continue
        head = _SEARCH.match(lines[i])
        if head is None:
            i += 1
            continue
        path = _block_path(lines, i, head.group(1), fence_open, previous)
        end = next((j for j in range(i + 1, len(lines)) if _REPLACE.match(lines[j])), None)
        if end is None:
            raise EditError(f"the SEARCH block for {path} (line {i + 1}) lacks its >>>>>>> REPLACE line")
        dividers = [j for j in range(i + 1, end) if _DIVIDER.match(lines[j])]
        if not dividers:
            raise EditError(f"the SEARCH block for {path} (line {i + 1}) lacks its ======= line")
        splits = [(_joined(lines[i + 1 : d]), _joined(lines[d + 1 : end])) for d in dividers]
        _refuse_elision(path, i, *splits[-1])
        edit = Edit(path, splits[0][0], splits[0][1], tuple(splits[1:]))
        if edit not in edits:  # a block restated in the same reply (a closing summary) is one edit
            edits.append(edit)
        previous = (end, path) if fence_open >= 0 else (-1, "")
        i = end + 1
    return edits


def _block_path(lines: list[str], i: int, on_search_line: str, fence_open: int, previous: tuple[int, str]) -> str:
    """The one path the block names; EditError when none or two different ones.

    Looked for on the SEARCH line, on the nearest non-blank line before it (a path, or a
    sentence/comment/tag naming one: `Then in pkg/b.py:`, `<edit file="pkg/b.py">`) and, for the
    first block of a fence, in the fence's info string and on the line before the fence. Only a
    block that follows another in the same fence, with nothing but blank lines between, takes
    the previous block's path."""
    found: list[str] = []
    if on_search_line:
        if not _is_path(_clean(on_search_line)):
            raise EditError(f"the text after SEARCH on line {i + 1} ({on_search_line!r}) is not a file path; put "
                            "the path on the line before <<<<<<< SEARCH")
        found.append(_clean(on_search_line))
    j = _nonblank_before(lines, i, fence_open)
    unread = ""
    if j > fence_open:
        if j == previous[0]:
            if not found:
                return previous[1]
        else:
            named = _line_path(lines[j])
            found += named
            unread = "" if named else lines[j].strip()
    if fence_open >= 0 and previous[0] < 0:  # the fence's first block: its info string, the line before it
        found += _info_paths(_FENCE.match(lines[fence_open]).group(2))
        before = _nonblank_before(lines, fence_open, -1)
        if before >= 0 and not _FENCE.match(lines[before]) and not _REPLACE.match(lines[before]):
            found += _line_path(lines[before])
    distinct = list(dict.fromkeys(found))
    if len({_comparable(p) for p in distinct}) > 1:
        raise EditError(f"the SEARCH block on line {i + 1} names {len(distinct)} different files ({', '.join(distinct)}); "
                        "name exactly one, on the line before <<<<<<< SEARCH")
    if distinct:
        return distinct[0]
    if _REPLACE.match(unread):
        raise EditError(f"the SEARCH block on line {i + 1} has no file path of its own: a block takes the path of the "
                        "block before it only inside one ``` fence; put the file's path on the line before "
                        "<<<<<<< SEARCH")
    named = f" (the line before it, {unread[:80]!r}, is not one)" if unread else ""
    raise EditError(f"the SEARCH block on line {i + 1} has no file path{named}: put the file's path (relative to the "
                    "repository root) alone on the line before <<<<<<< SEARCH")


_ELISION = re.compile(
    r"^[ \t]*(?:#|//|/\*|<!--|--|;)[ \t]*(?:\.\.\.|…|\[\.\.\.\]|\(\.\.\.\))"  # a comment opening with an ellipsis
    r"|^[ \t]*(?:#|//|/\*|<!--|--|;).*(?:\.\.\.|…).*\b(?:rest|existing|unchanged|remaining|omitted|same|other|"
    r"previous|as before|code|lines|methods|functions)\b"
    r"|^[ \t]*(?:#|//|/\*|<!--|--|;)[^.…]*\b(?:rest of (?:the )?(?:file|code|function|class|method)|existing code|"
    r"unchanged|remains the same|stays the same|as before|omitted for brevity|for brevity)\b",
    re.I,
)


def _refuse_elision(path: str, i: int, search: str, replace: str) -> None:
    """EditError when REPLACE stands for kept code with a placeholder comment (`# ... rest
    unchanged ...`, `// ... existing code ...`): applied literally, it would delete that code."""
    kept = set(search.split("\n"))
    for line in replace.split("\n"):
        if _ELISION.search(line) and line not in kept:
            raise EditError(
                f"the REPLACE part of the block for {path} (line {i + 1}) elides code with {line.strip()!r}: REPLACE "
                "takes the place of the SEARCH lines exactly, so the elided lines would be deleted. Write out every "
                "line REPLACE keeps, or make SEARCH cover only the lines you change."
            )


def _nonblank_before(lines: list[str], i: int, floor: int) -> int:
    """The nearest line above `i` (and above `floor`) that is not blank; `floor` when none."""
    j = i - 1
    while j > floor and not lines[j].strip():
        j -= 1
    return j


_TAG_PATH = re.compile(r"""^<[\w:-]+(?:\s+[\w:-]+\s*=\s*["'][^"']*["'])*?\s+(?:file(?:name)?|path)\s*=\s*["']([^"']+)["']"""
                       r"""(?:\s+[\w:-]+\s*=\s*["'][^"']*["'])*\s*/?>$""", re.I)
_STEP = re.compile(r"^(?:#+\s*|[-*+]\s+|\d+[.)]\s+|step\s+\d+[.:)]?\s+)+", re.I)
_LEAD_WORDS = {
    "then", "and", "now", "next", "also", "finally", "lastly", "first", "second", "third", "in", "inside", "into",
    "to", "for", "of", "on", "the", "file", "edit", "edits", "change", "changes", "update", "modify", "fix", "patch",
    "apply", "same", "another", "new", "here", "here's", "is", "are", "create", "add", "open", "over", "at", "this",
}


def _line_path(line: str) -> list[str]:
    """The path a line names: a path line in any usual decoration, an XML-ish tag with a file or
    path attribute, or a short lead-in sentence ending in the path (`Then in pkg/b.py:`,
    `# In pkg/b.py:`, `2. Update `pkg/b.py`:`); [] for anything else."""
    cleaned = _clean(line)
    if _is_path(cleaned):
        return [cleaned]
    tag = _TAG_PATH.match(line.strip())
    if tag:
        return [_slashed(tag.group(1))] if _is_path(_slashed(tag.group(1))) else []
    words = _STEP.sub("", line.strip()).rstrip(" :").split()
    if len(words) < 2:
        return []
    target = _clean(words[-1])
    lead = [w.strip("*_`,").lower() for w in words[:-1]]
    if _is_path(target) and all(w in _LEAD_WORDS for w in lead):
        return [target]
    return []


def _slashed(text: str) -> str:
    """A Windows path (`pkg\\b.py`) with forward slashes; anything else unchanged."""
    return text.replace("\\", "/") if "\\" in text and " " not in text else text


def _clean(line: str) -> str:
    """A line stripped of the decoration models put around a path."""
    text = line.strip()
    if text.startswith("#"):
        text = text.lstrip("#").strip()
    for _ in range(2):
        text = _LABEL.sub("", text.strip("*`'\" "))
        text = text[:-1] if text.endswith(":") else text
    return _slashed(text.strip("*`'\" "))


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
