"""Parse unified diffs and reduce them to a canonical text, so that two patches with the same
effect on the same files compare equal.

Parsing is lenient where real patches are sloppy: `diff --git` lines may be absent (only
`---`/`+++`), `a/`/`b/` prefixes may be missing, text may surround the diff, and a hunk cut
short ends where its lines end. The canonical text keeps, per file (sorted by path), only
what changes the result: the file's status (new, deleted, renamed, mode) and each run of
changed lines as (old line number, removed lines, added lines). Dropped as noise: `index` and
`similarity` lines, hunk line counts and section text, context lines, trailing whitespace,
lines removed and re-added unchanged. The canonical text is for identity, not for applying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codefix.errors import InputError

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NO_EOL = "\\ No newline at end of file"
DEFAULT_MODE = "100644"
_EXTENDED = ("old mode ", "new mode ", "deleted file mode ", "new file mode ", "similarity index ",
             "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ", "index ")


class PatchParseError(InputError):
    """The text is not a unified diff (or a hunk in it is malformed)."""


@dataclass
class Hunk:
    """One `@@` section: where it starts in the old file and its lines, each with its marker."""

    old_start: int
    """Line number in the old file as the header gives it (for an empty old range: the line before)."""
    old_count: int
    """Old-file lines the header announces."""
    lines: list[str] = field(default_factory=list)
    """Hunk lines with their first character (' ', '-', '+', '\\')."""


@dataclass
class FileDiff:
    """The changes to one file."""

    old_path: str | None = None
    """Path before the change, without `a/`; None for a new file."""
    new_path: str | None = None
    """Path after the change, without `b/`; None for a deleted file."""
    hunks: list[Hunk] = field(default_factory=list)
    """Text hunks in patch order."""
    headers: dict[str, str] = field(default_factory=dict)
    """Git extended headers that matter (modes, renames), keyed by their name."""
    binary: list[str] | None = None
    """Lines of a binary change (None for a text change)."""

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def added(self) -> int:
        return sum(line.startswith("+") for h in self.hunks for line in h.lines)

    @property
    def removed(self) -> int:
        return sum(line.startswith("-") for h in self.hunks for line in h.lines)


@dataclass
class ParsedPatch:
    """A parsed unified diff."""

    files: list[FileDiff]
    """One entry per file section, in patch order."""
    warnings: list[str] = field(default_factory=list)
    """Leniencies applied (e.g. a hunk shorter than its header says)."""

    @property
    def paths(self) -> list[str]:
        """Files touched, sorted, each once."""
        return sorted({f.path for f in self.files})

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)


def parse_patch(text: str) -> ParsedPatch:
    """Parse a unified diff; raises `PatchParseError` when no file section is found."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    files: list[FileDiff] = []
    warnings: list[str] = []
    cur: FileDiff | None = None
    in_git_header = False
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if line.startswith("diff --git "):
            cur = FileDiff(*_git_line_paths(line[len("diff --git "):]))
            files.append(cur)
            in_git_header = True
        elif in_git_header and cur is not None and line.startswith(_EXTENDED):
            _extended_header(cur, line)
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            if cur is None or not in_git_header:
                cur = FileDiff()
                files.append(cur)
            cur.old_path, cur.new_path = _header_paths(line[4:], lines[i + 1][4:].rstrip("\r"))
            in_git_header = False
            i += 1
        elif line.startswith("@@"):
            if cur is None:
                raise PatchParseError(f"line {i + 1}: hunk before any file header")
            i = _read_hunk(lines, i, cur, warnings) - 1
            in_git_header = False
        elif cur is not None and (line == "GIT binary patch" or line.startswith("Binary files ")):
            cur.binary = [line]
            while i + 1 < len(lines) and not lines[i + 1].startswith("diff --git "):
                i += 1
                cur.binary.append(lines[i].rstrip())
        i += 1
    if not files:
        raise PatchParseError("no file header (`diff --git` or `---`/`+++`) found")
    return ParsedPatch(files, warnings)


def _read_hunk(lines: list[str], i: int, cur: FileDiff, warnings: list[str]) -> int:
    """Read the hunk whose header is lines[i]; return the index of the line after it."""
    m = HUNK_HEADER.match(lines[i])
    if m is None:
        raise PatchParseError(f"line {i + 1}: malformed hunk header {lines[i][:60]!r}")
    old_left = int(m.group(2) or 1)
    new_left = int(m.group(4) or 1)
    hunk = Hunk(int(m.group(1)), old_left)
    cur.hunks.append(hunk)
    i += 1
    while i < len(lines) and (old_left > 0 or new_left > 0):
        line = lines[i].rstrip("\r")
        tag = line[:1] or " "
        if _is_file_header(lines, i) and (old_left, new_left) != (1, 1):
            break  # (when exactly one old and one new line remain, the counts say it is content)
        if tag == " ":
            old_left, new_left = old_left - 1, new_left - 1
        elif tag == "-":
            old_left -= 1
        elif tag == "+":
            new_left -= 1
        elif tag != "\\":
            break
        hunk.lines.append(tag + line[1:])
        i += 1
    if old_left > 0 or new_left > 0:
        warnings.append(f"{cur.path}: hunk at old line {hunk.old_start} is shorter than its header")
    if i < len(lines) and lines[i].startswith("\\"):
        hunk.lines.append("\\")
        i += 1
    return i


def _is_file_header(lines: list[str], i: int) -> bool:
    """A `---`/`+++`/`@@` triple: a new file, even where a hunk shorter than announced ends."""
    return (
        lines[i].startswith("--- ")
        and i + 2 < len(lines)
        and lines[i + 1].startswith("+++ ")
        and lines[i + 2].startswith("@@ ")
    )


def _unquote(raw: str) -> str:
    raw = raw.rstrip("\r")
    if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
        return raw[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode(
            "utf-8", "replace")
    return raw.split("\t")[0].rstrip()


def _header_paths(old_raw: str, new_raw: str) -> tuple[str | None, str | None]:
    old, new = _unquote(old_raw), _unquote(new_raw)
    old_p = None if old == "/dev/null" else old
    new_p = None if new == "/dev/null" else new
    if (old_p is None or old_p.startswith("a/")) and (new_p is None or new_p.startswith("b/")):
        old_p = old_p[2:] if old_p else None
        new_p = new_p[2:] if new_p else None
    return old_p, new_p


def _git_line_paths(rest: str) -> tuple[str | None, str | None]:
    rest = rest.rstrip("\r")
    if rest.startswith('"'):
        end = rest.find('"', 1)
        return _header_paths(rest[: end + 1], rest[end + 2:])
    splits = [m.start() for m in re.finditer(" b/", rest)]
    for idx in splits:
        if rest[2:idx] == rest[idx + 3:]:
            return _header_paths(rest[:idx], rest[idx + 1:])
    if splits:
        return _header_paths(rest[: splits[0]], rest[splits[0] + 1:])
    return None, None


def _extended_header(cur: FileDiff, line: str) -> None:
    for name in ("old mode", "new mode", "deleted file mode", "new file mode", "rename from", "rename to",
                 "copy from", "copy to"):
        if line.startswith(name + " "):
            value = _unquote(line[len(name) + 1:])
            cur.headers[name] = value
            if name in ("rename from", "copy from"):
                cur.old_path = value
            elif name in ("rename to", "copy to"):
                cur.new_path = value
            elif name == "new file mode":
                cur.old_path = None
            elif name == "deleted file mode":
                cur.new_path = None


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
