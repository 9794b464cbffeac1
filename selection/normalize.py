"""Parse unified diffs and reduce them to a canonical text, so that two patches with the same
effect on the same files compare equal.

Parsing is `codefix.core.unified_diff.parse_patch` (lenient where real patches are sloppy). The
canonical text keeps, per file (sorted by path), only
what changes the result: the file's status (new, deleted, renamed, mode) and each run of
changed lines as (old line number, removed lines, added lines). Dropped as noise: `index` and
`similarity` lines, hunk line counts and section text, context lines, trailing whitespace,
lines removed and re-added unchanged. The canonical text is for identity, not for applying.
"""

from __future__ import annotations

from codefix.core.unified_diff import NO_EOL, FileDiff, PatchParseError, parse_patch

__all__ = ["PatchParseError", "change_blocks", "normalize_patch", "parse_patch"]

DEFAULT_MODE = "100644"
"""A regular file's git mode: a new file with it needs no mode in the canonical text."""


def change_blocks(fd: FileDiff) -> list[tuple[int, list[str], list[str]]]:
    """Runs of changed lines as (old line number where the run starts, removed, added), with
    trailing whitespace stripped and lines removed and re-added unchanged trimmed away."""
    blocks: list[tuple[int, list[str], list[str]]] = []
    for hunk in fd.hunks:
        old_line = hunk.old_start + (1 if hunk.old_count == 0 else 0)
        start, removed, added, last = 0, [], [], " "
        for line in hunk.lines + [" "]:
            tag, body = line[:1], line[1:].rstrip()
            if tag == "\\":
                if last in "-+":
                    (removed if last == "-" else added).append(NO_EOL)
                continue
            if tag == " ":
                if removed or added:
                    blocks.append(_trim(start, removed, added))
                    removed, added = [], []
            else:
                if not removed and not added:
                    start = old_line
                (removed if tag == "-" else added).append(body)
            if tag in " -":
                old_line += 1
            last = tag
    return sorted((b for b in blocks if b[1] or b[2]), key=lambda b: b[0])


def _trim(start: int, removed: list[str], added: list[str]) -> tuple[int, list[str], list[str]]:
    while removed and added and removed[0] == added[0]:
        removed, added, start = removed[1:], added[1:], start + 1
    while removed and added and removed[-1] == added[-1]:
        removed, added = removed[:-1], added[:-1]
    return start, removed, added


def normalize_patch(text: str) -> str:
    """The canonical text of a patch ("" when it changes nothing). Raises `PatchParseError`."""
    if not text.strip():
        return ""
    merged: dict[str, list[FileDiff]] = {}
    for fd in parse_patch(text).files:
        merged.setdefault(fd.path, []).append(fd)
    out: list[str] = []
    for path in sorted(merged):
        out.extend(_normalize_file(path, merged[path]))
    return "\n".join(out) + "\n" if out else ""


def normalized_or_text(text: str) -> str:
    """The patch's canonical text, or its stripped text when it is not a diff this module reads:
    how candidates, grades and agreeing pairs are compared (an unreadable patch equals only itself)."""
    try:
        return normalize_patch(text)
    except PatchParseError:
        return text.strip()


def _normalize_file(path: str, parts: list[FileDiff]) -> list[str]:
    first = parts[0]
    status: list[str] = []
    if first.old_path is None:
        mode = first.headers.get("new file mode", DEFAULT_MODE)
        status.append("new file" + ("" if mode == DEFAULT_MODE else f" mode {mode}"))
    elif first.new_path is None:
        status.append("deleted file")
    elif first.old_path != first.new_path:
        status.append(f"{'copy' if 'copy from' in first.headers else 'rename'} from {first.old_path}")
    if first.headers.get("old mode", "") != first.headers.get("new mode", ""):
        status.append(f"mode {first.headers['old mode']} -> {first.headers['new mode']}")
    body: list[str] = []
    for part in parts:
        if part.binary is not None:
            body.extend(part.binary)
    blocks = sorted((b for part in parts for b in change_blocks(part)), key=lambda b: b[0])
    delta = 0
    for start, removed, added in blocks:
        body.append(f"@@ -{start} +{start + delta} @@")
        body.extend("-" + line for line in removed)
        body.extend("+" + line for line in added)
        delta += len(added) - len(removed)
    if first.new_path is None:
        body = []  # a deletion is a deletion, however much of the old text it quotes
    if not status and not body:
        return []
    return [f"file {path}", *status, *body]
