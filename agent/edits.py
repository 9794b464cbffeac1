"""SEARCH/REPLACE edits: parse them from a reply, apply them to file text, diff the result.

Pure functions over strings; the editing machine reads and writes files through the sandbox.
A block is fenced in ``` and starts with the file's path:

    ```python
    pkg/mod.py
    <<<<<<< SEARCH
    old lines
    =======
    new lines
    >>>>>>> REPLACE
    ```

(the path may also stand on the line just before the fence). An empty SEARCH creates a
new file, or fails when the file exists and is not empty.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

SEARCH, DIVIDER, REPLACE = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"
_FENCE = re.compile(r"^\s*```")


@dataclass(frozen=True)
class Edit:
    path: str
    """Repository-relative path of the file to change."""
    search: str
    """Exact text to find (whole lines, each ending in a newline); empty to create a file."""
    replace: str
    """Text that takes its place."""


class EditError(ValueError):
    """An edit that cannot be applied; the message is written for the model to read."""


def parse_edits(text: str) -> list[Edit]:
    """Every SEARCH/REPLACE block in `text`, in order. Malformed blocks raise EditError."""
    lines = text.splitlines()
    edits: list[Edit] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != SEARCH:
            i += 1
            continue
        path = _path_before(lines, i)
        if not path:
            raise EditError(f"the SEARCH block on line {i + 1} has no file path on the line before it")
        try:
            mid = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == DIVIDER)
            end = next(j for j in range(mid + 1, len(lines)) if lines[j].strip() == REPLACE)
        except StopIteration:
            raise EditError(f"the SEARCH block for {path} (line {i + 1}) lacks its ======= or >>>>>>> REPLACE line") from None
        edits.append(Edit(path, _joined(lines[i + 1 : mid]), _joined(lines[mid + 1 : end])))
        i = end + 1
    return edits


def _path_before(lines: list[str], i: int) -> str:
    j = i - 1
    if j >= 0 and _FENCE.match(lines[j]) and lines[j].strip() != "```":
        info = lines[j].strip().lstrip("`").strip()
        if "/" in info or info.endswith(".py"):
            return info
        j -= 1
    elif j >= 0 and _FENCE.match(lines[j]):
        j -= 1
    if j < 0:
        return ""
    candidate = lines[j].strip().strip("`*").strip()
    if candidate.startswith("#"):
        candidate = candidate.lstrip("#").strip()
    return candidate if candidate and " " not in candidate and not _FENCE.match(lines[j]) else ""


def _joined(block: list[str]) -> str:
    return "".join(line + "\n" for line in block)


def apply_edit(content: str | None, edit: Edit) -> str:
    """The text of `edit.path` after the edit; `content` None means the file does not exist."""
    if not edit.search.strip():
        if content:
            raise EditError(f"{edit.path} already exists; an empty SEARCH only creates new files")
        return edit.replace
    if content is None:
        raise EditError(f"{edit.path} does not exist (use an empty SEARCH to create a new file)")
    if not content.endswith("\n") and content and (content + "\n").count(edit.search) == 1:
        content += "\n"
    count = content.count(edit.search)
    if count == 1:
        return content.replace(edit.search, edit.replace, 1)
    if count > 1:
        lines = _match_lines(content, edit.search)
        raise EditError(
            f"the SEARCH text matches {count} places in {edit.path} (starting at lines "
            f"{', '.join(map(str, lines))}); include more surrounding lines so it matches exactly once"
        )
    raise EditError(f"the SEARCH text was not found in {edit.path}.{_closest_hint(content, edit.search)}")


def _match_lines(content: str, search: str) -> list[int]:
    found, start = [], 0
    while (pos := content.find(search, start)) >= 0:
        found.append(content.count("\n", 0, pos) + 1)
        start = pos + 1
    return found


def _closest_hint(content: str, search: str) -> str:
    want = search.splitlines()
    have = content.splitlines()
    if not want or not have:
        return ""
    size = len(want)
    best, best_at = 0.0, 0
    for at in range(0, max(1, len(have) - size + 1)):
        ratio = difflib.SequenceMatcher(None, "\n".join(want), "\n".join(have[at : at + size])).ratio()
        if ratio > best:
            best, best_at = ratio, at
    if best < 0.5:
        return " No similar lines were found; check the path and copy the lines exactly."
    window = "\n".join(have[best_at : best_at + size])
    return (
        f" The closest match ({best:.0%} similar) is lines {best_at + 1}-{best_at + size}:\n"
        f"{window}\nCopy the SEARCH lines exactly, including whitespace."
    )


def apply_edits(files: dict[str, str | None], edits: list[Edit]) -> dict[str, str | None]:
    """Apply `edits` in order to `files` (path → text, None = absent); a new mapping."""
    out = dict(files)
    for edit in edits:
        out[edit.path] = apply_edit(out.get(edit.path), edit)
    return out


def unified_patch(original: dict[str, str | None], edited: dict[str, str | None]) -> str:
    """A git-style patch turning `original` into `edited`; '' when nothing changed."""
    parts = []
    for path in sorted(edited):
        before, after = original.get(path), edited[path]
        if (before or "") == (after or "") and (before is None) == (after is None):
            continue
        head = [f"diff --git a/{path} b/{path}\n"]
        if before is None:
            head += ["new file mode 100644\n", "--- /dev/null\n"]
        else:
            head.append(f"--- a/{path}\n")
        head.append(f"+++ b/{path}\n")
        body = list(difflib.unified_diff(_lines(before), _lines(after), n=3))[2:]
        if body:
            parts.append("".join(head) + "".join(body))
    return "".join(parts)


def _lines(text: str | None) -> list[str]:
    lines = (text or "").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
