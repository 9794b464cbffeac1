"""A plausible wrong patch for the `gold:wrong=F` test double, derived from the gold patch when
the record carries no `wrong_patch`: a `pass` statement (with a comment claiming the fix)
inserted at a statement boundary inside the first gold hunk that has one, where the fix would
go. It applies wherever the gold patch applies (its context is the gold hunk's old side) and
changes no behaviour, so it fixes nothing, and it is a code change that selection must reject.

Where no boundary is certain (the hunk is inside brackets or a string, after a decorator or
before `else:`), the next hunk is tried; failing all, a new text file next to the first gold
file is added (applies, fixes nothing).
"""

from __future__ import annotations

import re

from codefix.core.unified_diff import Hunk, PatchParseError, parse_patch

CONTINUES_BLOCK = ("elif", "else", "except", "finally", "case ", ")", "]", "}")
STRING_START = re.compile(r"""^[rRbBuUfF]{0,2}["']""")
OPEN_END = ("\\", ",", "(", "[", "{", "+", "-", "*", "/", "%", "&", "|", "^", "=", "<", ">", ".")
COMMENT = "# handle the case the issue reports"


def wrong_patch_for(instance) -> str:
    """The record's `wrong_patch`, else one derived from its gold patch ("" without either)."""
    given = getattr(instance, "wrong_patch", None)
    if given:
        return given
    return derive_wrong_patch(instance.patch or "")


def derive_wrong_patch(gold: str) -> str:
    files = _files(gold)
    for path, hunks in files:
        if not path.endswith(".py"):
            continue
        for start, old, changed_at, no_eol in hunks:
            j = _insertion_point(old, changed_at)
            if j is not None:
                return _diff(path, start, old, j, no_eol)
    if not files:
        return ""
    first = files[0][0]
    folder = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
    note = f"{folder}FIX_NOTES.txt"
    return (f"diff --git a/{note} b/{note}\nnew file mode 100644\n--- /dev/null\n+++ b/{note}\n"
            f"@@ -0,0 +1 @@\n+The issue is handled in {first}.\n")


def _files(patch: str) -> list[tuple[str, list]]:
    """[(path, [(old start, old-side lines, index of the first change in them, no newline at end)])]
    for every modified (not created or deleted) file."""
    try:
        files = parse_patch(patch).files
    except PatchParseError:
        return []
    return [(fd.new_path, [_hunk(h) for h in fd.hunks]) for fd in files
            if fd.old_path is not None and fd.new_path is not None and fd.hunks]


def _hunk(hunk: Hunk) -> tuple[int, list[str], int, bool]:
    old: list[str] = []
    changed = None
    for line in hunk.lines:
        mark, text = line[:1], line[1:]
        if mark in "-+" and changed is None:
            changed = len(old)
        if mark in " -":
            old.append(text)
    no_eol = any(line.startswith("\\") for line in hunk.lines)
    return hunk.old_start, old, len(old) if changed is None else changed, no_eol


def _insertion_point(old: list[str], changed_at: int) -> int | None:
    """The old-side index, nearest the first change, before which a statement can go. A hunk may
    start inside a docstring: when no point is safe reading it from its first line, it is read
    as starting inside a triple-quoted string."""
    order = sorted(range(1, len(old)), key=lambda j: (abs(j - changed_at), j))
    for opening in ("", '"""', "'''"):
        found = next((j for j in order if _safe_before(old, j, opening)), None)
        if found is not None:
            return found
    return None


def _safe_before(old: list[str], j: int, opening: str = "") -> bool:
    line = old[j]
    text = line.strip()
    if not text or text.startswith(CONTINUES_BLOCK) or STRING_START.match(text) or text.startswith("from __future__"):
        return False
    before = [x for x in old[:j] if x.strip() and not x.strip().startswith("#")]
    if not before:
        return False
    prev = before[-1].split(" #")[0].rstrip()
    if prev.lstrip().startswith("@") or prev.endswith(OPEN_END):
        return False
    if prev.endswith(":") and _indent(line) <= _indent(prev):
        return False
    return _balanced(opening + "\n".join(old[:j]))


def _balanced(code: str) -> bool:
    """True when `code` ends outside any bracket and string (comments skipped)."""
    depth, i, quote = 0, 0, ""
    while i < len(code):
        ch = code[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if code.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
            if ch == "\n" and len(quote) == 1:
                return False
        elif ch == "#":
            nl = code.find("\n", i)
            i = len(code) if nl < 0 else nl
            continue
        elif ch in "\"'":
            quote = ch * 3 if code.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        i += 1
    return depth == 0 and not quote


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _diff(path: str, start: int, old: list[str], j: int, no_eol: bool) -> str:
    indent = old[j][: _indent(old[j])]
    body = [f" {x}" for x in old[:j]] + [f"+{indent}pass  {COMMENT}"] + [f" {x}" for x in old[j:]]
    if no_eol:
        body.append("\\ No newline at end of file")
    n = len(old)
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -{start},{n} +{start},{n + 1} @@\n" + "\n".join(body) + "\n")
