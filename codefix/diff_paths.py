"""The file paths a unified diff touches, read from its headers by `codefix.unified_diff` (hunk
bodies skipped by their line counts)."""

from __future__ import annotations

from codefix.unified_diff import header_paths


def touched_paths(patch: str) -> list[str]:
    """Raw paths as written in the headers (with any a/ b/ prefix), in order, /dev/null left out."""
    return header_paths(patch)


def strip_prefix(path: str) -> str:
    """`a/x/y.py` -> `x/y.py` (what `-p1` leaves)."""
    return path.split("/", 1)[1] if "/" in path else path
