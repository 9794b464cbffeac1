"""The file paths a unified diff touches, read from its headers, and each file's hunk lines."""

from __future__ import annotations

import re

HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
NAMED = ("--- ", "+++ ", "rename from ", "rename to ", "copy from ", "copy to ")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def touched_paths(patch: str) -> list[str]:
    """Raw paths as written in the headers (with any a/ b/ prefix), in order, /dev/null left out."""
    paths: list[str] = []
    old = new = 0
    for line in patch.splitlines():
        if old > 0 or new > 0:
            tag = line[:1]
            if tag in (" ", ""):
                old, new = old - 1, new - 1
            elif tag == "-":
                old -= 1
            elif tag == "+":
                new -= 1
            continue  # "\ No newline" and anything else inside a hunk
        match = HUNK.match(line)
        if match:
            old = int(match.group(1) or 1) if match.group(1) != "0" else 0
            new = int(match.group(2) or 1) if match.group(2) != "0" else 0
            continue
        if line.startswith("diff --git "):
            paths.extend(_git_pair(line[len("diff --git "):]))
            continue
        for prefix in NAMED:
            if line.startswith(prefix):
                path = _unquote(line[len(prefix):].split("\t")[0].rstrip())
                if path != "/dev/null":
                    paths.append(path)
    return paths


def hunk_lines(patch: str) -> dict[str, list[str]]:
    """Each touched file's hunk lines, tag kept (`+x`, `-x`, ` x`), each hunk's `@@` line first;
    keyed by the new path (the old one for a deletion) as written, a/ b/ prefix included."""
    files: dict[str, list[str]] = {}
    lines: list[str] = []
    old = new = 0
    minus = ""
    for line in patch.splitlines():
        if old > 0 or new > 0:
            tag = line[:1]
            if tag in (" ", ""):
                old, new = old - 1, new - 1
            elif tag == "-":
                old -= 1
            elif tag == "+":
                new -= 1
            else:
                continue
            lines.append(line)
            continue
        match = HUNK.match(line)
        if match:
            old = int(match.group(1) or 1) if match.group(1) != "0" else 0
            new = int(match.group(2) or 1) if match.group(2) != "0" else 0
            lines.append(line)
        elif line.startswith("--- "):
            minus = _unquote(line[4:].split("\t")[0].rstrip())
        elif line.startswith("+++ "):
            plus = _unquote(line[4:].split("\t")[0].rstrip())
            lines = files.setdefault(minus if plus == "/dev/null" else plus, [])
    return files


def strip_prefix(path: str) -> str:
    """`a/x/y.py` -> `x/y.py` (what `-p1` leaves)."""
    return path.split("/", 1)[1] if "/" in path else path


def _git_pair(rest: str) -> list[str]:
    if rest.startswith('"'):
        end = _quoted_end(rest)
        first, second = rest[: end + 1], rest[end + 1 :].strip()
        return [_unquote(first), _unquote(second)]
    cut = rest.rfind(" b/")
    if cut < 0:
        return [rest]
    return [rest[:cut], _unquote(rest[cut + 1 :])]


def _quoted_end(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text) - 1


def _unquote(path: str) -> str:
    if not (len(path) >= 2 and path.startswith('"') and path.endswith('"')):
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and i + 3 < len(body) + 1 and body[i + 1 : i + 4].isdigit():
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out += ESCAPES.get(nxt, nxt).encode()
            i += 2
            continue
        out += ch.encode()
        i += 1
    return out.decode("utf-8", "replace")
