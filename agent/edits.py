"""SEARCH/REPLACE edits: applying them to file text and diffing the result.

Pure functions over strings; `agent.edit_parsing` reads edits from a reply and the editing
machine reads and writes files through the sandbox. Matching is by whole lines: exact first,
then tolerating trailing whitespace and a uniform indentation shift (`agent.line_match`), and
a tolerated match is reported in the edit's note. Files keep their line endings (a CRLF file
stays CRLF). An empty SEARCH creates a new file, or fails when the file exists and is not empty.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from agent.line_match import LineMatch, dominant_ending, find_exact, find_tolerant, shift_lines, split_lines


@dataclass(frozen=True)
class Edit:
    path: str
    """Repository-relative path of the file to change."""
    search: str
    """Whole lines to find, each ending in a newline; empty to create a file."""
    replace: str
    """Text that takes their place."""
    splits: tuple[tuple[str, str], ...] = ()
    """Other ways to split the block when it held several ======= lines (e.g. a docstring's
    underline): (search, replace) pairs at the later ======= lines. The block is split at the
    last ======= line whose SEARCH part is found in the file: an earlier split's SEARCH is a
    prefix of the real one, a later one's holds the divider and REPLACE lines the file lacks."""


class EditError(ValueError):
    """An edit that cannot be applied; the message is written for the model to read."""


def apply_edit(content: str | None, edit: Edit) -> str:
    """The text of `edit.path` after the edit; `content` None means the file does not exist."""
    return apply_edit_noted(content, edit)[0]


def apply_edit_noted(content: str | None, edit: Edit) -> tuple[str, str]:
    """(new text, note): the note says what a tolerant match had to ignore ("" when exact)."""
    if not edit.search.strip():
        if content:
            raise EditError(f"{edit.path} already exists; an empty SEARCH only creates new files")
        return edit.replace, ""
    if content is None:
        raise EditError(f"{edit.path} does not exist (use an empty SEARCH to create a new file)")
    options = [(edit.search, edit.replace), *edit.splits]
    results = [_try(content, edit.path, search, replace) for search, replace in options]
    applied = [r for r in results if isinstance(r, tuple)]
    if applied:  # several ======= lines: the split whose SEARCH is the longest found in the file
        return applied[-1]
    raise results[0]


def _try(content: str, path: str, search: str, replace: str) -> tuple[str, str] | EditError:
    lines, endings = split_lines(content)
    want = split_lines(search)[0]
    exact = find_exact(lines, want)
    if len(exact) > 1:
        return EditError(
            f"the SEARCH text matches {len(exact)} places in {path} (starting at lines "
            f"{', '.join(str(i + 1) for i in exact)}); include more surrounding lines so it matches exactly once"
        )
    if exact:
        match = LineMatch(exact[0], exact[0] + len(want))
    else:
        loose = find_tolerant(lines, want)
        if len(loose) > 1:
            return EditError(
                f"the SEARCH text matches {len(loose)} places in {path} when indentation and trailing whitespace "
                f"are ignored (starting at lines {', '.join(str(m.start + 1) for m in loose)}); copy the lines "
                "exactly and include more surrounding lines so it matches exactly once"
            )
        if not loose:
            return EditError(f"the SEARCH text was not found in {path}.{_closest_hint(lines, want)}")
        match = loose[0]
    new = shift_lines(split_lines(replace)[0], match)
    if new is None:
        return EditError(
            f"the SEARCH lines for {path} match the file only with {match.describe()}, but some REPLACE lines "
            "lack that indentation, so they cannot be shifted the same way; copy the SEARCH lines exactly"
        )
    return _spliced(lines, endings, match, new), match.describe()


def _spliced(lines: list[str], endings: list[str], match: LineMatch, new: list[str]) -> str:
    eol = dominant_ending(endings)
    new_endings = [eol] * len(new)
    if new_endings and match.end == len(lines):  # the file's last line: keep how it ended
        new_endings[-1] = endings[-1] or ""
    head = "".join(b + e for b, e in zip(lines[: match.start], endings[: match.start]))
    body = "".join(b + e for b, e in zip(new, new_endings))
    tail = "".join(b + e for b, e in zip(lines[match.end :], endings[match.end :]))
    if not new and match.end == len(lines) and match.start and not endings[-1]:
        head = head[: len(head) - len(endings[match.start - 1])]  # deleted the unterminated last line
    return head + body + tail


def _closest_hint(have: list[str], want: list[str]) -> str:
    if not want or not have:
        return ""
    size = len(want)
    best, best_at = 0.0, 0
    target = "\n".join(want)
    for at in range(0, max(1, len(have) - size + 1)):
        ratio = difflib.SequenceMatcher(None, target, "\n".join(have[at : at + size])).ratio()
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
    bodies, endings = split_lines(text or "")
    lines = [b + e for b, e in zip(bodies, endings)]
    if lines and not endings[-1]:
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
