"""Finding a block of lines in a file: whole lines only (never a substring inside a line),
first exactly, then tolerating trailing whitespace and one uniform indentation shift.

Pure functions over lists of line bodies (no line endings); `agent.edits` applies the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """(bodies, endings) of `text`'s lines; an ending is "\\r\\n", "\\n" or "" (the last line
    without a newline). Only \\n separates lines (form feeds and the like stay inside)."""
    bodies, endings = [], []
    for m in _LINE.finditer(text):
        line = m.group(0)
        ending = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
        bodies.append(line[: len(line) - len(ending)])
        endings.append(ending)
    return bodies, endings


def dominant_ending(endings: list[str]) -> str:
    """The line ending most lines use ("\\n" when none ends in one)."""
    crlf = endings.count("\r\n")
    return "\r\n" if crlf and crlf >= endings.count("\n") else "\n"


@dataclass(frozen=True)
class LineMatch:
    """Where the SEARCH lines were found, and what had to be tolerated."""

    start: int
    """Index of the first matched file line."""
    end: int
    """Index one past the last matched file line."""
    indent_added: str = ""
    """Prefix the file has on every non-blank line that the SEARCH lacked."""
    indent_removed: str = ""
    """Prefix the SEARCH had on every non-blank line that the file lacks."""
    trailing_space: bool = False
    """True when trailing whitespace differed on some line."""

    @property
    def exact(self) -> bool:
        return not (self.indent_added or self.indent_removed or self.trailing_space)

    def describe(self) -> str:
        """What was tolerated, in words for the model ("" for an exact match)."""
        parts = []
        if self.indent_added:
            parts.append(f"your SEARCH lines were indented {_width(self.indent_added)} less than the file's, "
                         "so the REPLACE lines were indented by the same amount")
        if self.indent_removed:
            parts.append(f"your SEARCH lines were indented {_width(self.indent_removed)} more than the file's, "
                         "so the REPLACE lines were unindented by the same amount")
        if self.trailing_space:
            parts.append("trailing whitespace differed and was ignored")
        return "; ".join(parts)


def _width(prefix: str) -> str:
    if set(prefix) == {" "}:
        return f"{len(prefix)} space{'s' if len(prefix) != 1 else ''}"
    if set(prefix) == {"\t"}:
        return f"{len(prefix)} tab{'s' if len(prefix) != 1 else ''}"
    return f"{prefix!r}"


def find_exact(lines: list[str], search: list[str]) -> list[int]:
    """Start indices where `search` equals a run of whole lines."""
    n = len(search)
    if not n:
        return []
    first = search[0]
    return [i for i in range(len(lines) - n + 1) if lines[i] == first and lines[i : i + n] == search]


def find_tolerant(lines: list[str], search: list[str]) -> list[LineMatch]:
    """Matches ignoring trailing whitespace and one indentation prefix shared by every
    non-blank line (blank SEARCH lines match blank or whitespace-only file lines)."""
    n = len(search)
    if not n or all(not s.strip() for s in search):
        return []
    found = []
    for i in range(len(lines) - n + 1):
        match = _shifted(lines[i : i + n], search)
        if match is not None:
            found.append(LineMatch(i, i + n, *match))
    return found


def _shifted(window: list[str], search: list[str]) -> tuple[str, str, bool] | None:
    added = removed = None
    trailing = False
    for have, want in zip(window, search):
        if not want.strip():
            if have.strip():
                return None
            trailing = trailing or have != want
            continue
        h, w = have.rstrip(), want.rstrip()
        trailing = trailing or h != have or w != want
        hb, wb = h.lstrip(), w.lstrip()
        if hb != wb:
            return None
        hi, wi = h[: len(h) - len(hb)], w[: len(w) - len(wb)]
        if added is None and removed is None:
            if hi.endswith(wi):
                added, removed = hi[: len(hi) - len(wi)], ""
            elif wi.endswith(hi):
                added, removed = "", wi[: len(wi) - len(hi)]
            else:
                return None
        if hi != added + wi[len(removed):] or not wi.startswith(removed):
            return None
    return added or "", removed or "", trailing


def shift_lines(lines: list[str], match: LineMatch) -> list[str] | None:
    """`lines` (REPLACE bodies) shifted like the match; None when a non-blank line lacks the
    prefix to remove."""
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif match.indent_removed and not line.startswith(match.indent_removed):
            return None
        else:
            out.append(match.indent_added + line[len(match.indent_removed):])
    return out
