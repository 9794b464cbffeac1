"""The one reader of unified diffs: `parse_patch` (files, hunks, git headers) and
`header_paths` (every path a patch's headers name, for the safety checks).

Reading is lenient where real patches are sloppy: `diff --git` lines may be absent (only
`---`/`+++`), `a/`/`b/` prefixes may be missing, text may surround the diff, and a hunk cut
short ends where its lines end. Hunk bodies are read by their line counts, so a `--- x` inside a
hunk is content, never a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codefix.core.errors import InputError

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NO_EOL = "\\ No newline at end of file"
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_EXTENDED = ("old mode ", "new mode ", "deleted file mode ", "new file mode ", "similarity index ",
             "dissimilarity index ", "rename from ", "rename to ", "copy from ", "copy to ", "index ")
_NAMING = ("rename from ", "rename to ", "copy from ", "copy to ")


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
    header: str = ""
    """The `@@` line itself, with the section text after it (e.g. `[tool:pytest]`)."""


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
    header_paths: list[str] = field(default_factory=list)
    """Every path the headers name, as written (see `header_paths`)."""

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
    parsed = _read(text, strict=True)
    if not parsed.files:
        raise PatchParseError("no file header (`diff --git` or `---`/`+++`) found")
    return parsed


def header_paths(text: str) -> list[str]:
    """Every path the headers of `text` name (`diff --git`, `---`, `+++`, rename and copy lines),
    as written (a/ b/ prefixes kept, quoting undone), in order, /dev/null left out. Never raises:
    a header line standing alone still counts, what cannot be read is passed over."""
    return _read(text, strict=False).header_paths


def parse_lenient(text: str) -> ParsedPatch:
    """Parse what can be read of `text` (never raises; no file section gives no files)."""
    return _read(text, strict=False)


def _read(text: str, *, strict: bool) -> ParsedPatch:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    parsed = ParsedPatch([])
    files, warnings, named = parsed.files, parsed.warnings, parsed.header_paths
    cur: FileDiff | None = None
    in_git_header = False
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        if line.startswith("diff --git "):
            raw = _git_pair(line[len("diff --git "):])
            named.extend(p for p in raw if p != "/dev/null")
            cur = FileDiff(*_header_paths(*raw)) if len(raw) == 2 else FileDiff()
            files.append(cur)
            in_git_header = True
        elif line.startswith(_NAMING) and not line.startswith(("--- ", "+++ ")):
            path = _unquote(line.split(" ", 2)[2])
            named.append(path)
            if in_git_header and cur is not None:
                _extended_header(cur, line)
        elif in_git_header and cur is not None and line.startswith(_EXTENDED):
            _extended_header(cur, line)
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            if cur is None or not in_git_header:
                cur = FileDiff()
                files.append(cur)
            old, new = _unquote(line[4:]), _unquote(lines[i + 1][4:])
            named.extend(p for p in (old, new) if p != "/dev/null")
            cur.old_path, cur.new_path = _header_paths(old, new)
            in_git_header = False
            i += 1
        elif line.startswith(("--- ", "+++ ")):
            if _unquote(line[4:]) != "/dev/null":
                named.append(_unquote(line[4:]))
        elif line.startswith("@@"):
            if HUNK_HEADER.match(line) is None and not strict:
                i += 1
                continue
            if cur is None:
                if strict:
                    raise PatchParseError(f"line {i + 1}: hunk before any file header")
                cur = FileDiff()  # read past it, as no file's
            i = _read_hunk(lines, i, cur, warnings) - 1
            in_git_header = False
        elif cur is not None and (line == "GIT binary patch" or line.startswith("Binary files ")):
            cur.binary = [line]
            while i + 1 < len(lines) and not lines[i + 1].startswith("diff --git "):
                i += 1
                cur.binary.append(lines[i].rstrip())
        i += 1
    return parsed


def _read_hunk(lines: list[str], i: int, cur: FileDiff, warnings: list[str]) -> int:
    """Read the hunk whose header is lines[i]; return the index of the line after it."""
    m = HUNK_HEADER.match(lines[i])
    if m is None:
        raise PatchParseError(f"line {i + 1}: malformed hunk header {lines[i][:60]!r}")
    old_left = int(m.group(2) or 1)
    new_left = int(m.group(4) or 1)
    hunk = Hunk(int(m.group(1)), old_left, header=lines[i].rstrip("\r"))
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
    """A header's path: git's C-style quoting undone (octal escapes are UTF-8 bytes), or, unquoted,
    the text before a tab (diff's timestamp)."""
    raw = raw.rstrip("\r")
    if not raw.startswith('"'):
        return raw.split("\t")[0].rstrip()
    body, out, i = raw[1:_quoted_end(raw)], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            if body[i + 1 : i + 4].isdigit() and all(c in "01234567" for c in body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out += ESCAPES.get(body[i + 1], body[i + 1]).encode()
            i += 2
            continue
        out += ch.encode()
        i += 1
    return out.decode("utf-8", "replace")


def _quoted_end(text: str) -> int:
    """Index of the quote closing the one `text` starts with (its last character if none does)."""
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text) - 1


def _header_paths(old: str, new: str) -> tuple[str | None, str | None]:
    """Unquoted header paths without their a/ b/ prefixes (when both sides have them) and with
    /dev/null as None."""
    old_p = None if old == "/dev/null" else old
    new_p = None if new == "/dev/null" else new
    if (old_p is None or old_p.startswith("a/")) and (new_p is None or new_p.startswith("b/")):
        old_p = old_p[2:] if old_p else None
        new_p = new_p[2:] if new_p else None
    return old_p, new_p


def _git_pair(rest: str) -> list[str]:
    """The two unquoted paths of a `diff --git` line (one when they cannot be told apart): where
    an unquoted line has several ` b/`, the split with equal sides wins, else the first."""
    rest = rest.rstrip("\r")
    if rest.startswith('"'):
        end = _quoted_end(rest)
        return [_unquote(rest[: end + 1]), _unquote(rest[end + 1:].strip())]
    splits = [m.start() for m in re.finditer(" b/", rest)]
    for idx in splits:
        if rest[2:idx] == rest[idx + 3:]:
            return [rest[:idx], rest[idx + 1:]]
    if splits:
        return [rest[: splits[0]], _unquote(rest[splits[0] + 1:])]
    return [rest]


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
