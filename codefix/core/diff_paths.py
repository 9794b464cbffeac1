"""The file paths a unified diff touches, read from its headers by `codefix.core.unified_diff` (hunk
bodies skipped by their line counts), and each file's hunk lines."""

from __future__ import annotations

from codefix.core.unified_diff import header_paths, parse_lenient


def touched_paths(patch: str) -> list[str]:
    """Raw paths as written in the headers (with any a/ b/ prefix), in order, /dev/null left out."""
    return header_paths(patch)


def hunk_lines(patch: str) -> dict[str, list[str]]:
    """Each touched file's hunk lines, tag kept (`+x`, `-x`, ` x`), each hunk's `@@` line first;
    keyed by the file's path (the new one, the old one for a deletion), a/ b/ prefixes stripped."""
    files: dict[str, list[str]] = {}
    for diff in parse_lenient(patch).files:
        lines = files.setdefault(diff.path, [])
        for hunk in diff.hunks:
            lines.append(hunk.header)
            lines.extend(hunk.lines)
    return files


def strip_prefix(path: str) -> str:
    """`a/x/y.py` -> `x/y.py` (what `-p1` leaves)."""
    return path.split("/", 1)[1] if "/" in path else path
