"""Reading what a reply asks for, without guessing: reasoning drafts dropped, line endings
normalized, scripts only from `<test>` … `</test>` tags, ACCEPT only as a line of its own.

Code in ``` fences outside the tags is a quotation (models quote the issue, the output, a
snippet they discuss) and never runs. A reply that asks for two things at once (ACCEPT and a
new script, two scripts) raises `ReplyProblem`, whose message tells the model what to fix;
see docs/model-replies.md for the rules of every stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.script_kinds import DEFAULT_SHEBANG, PYTHON, SHELL, SHELL_INFOS, SHELLS, interpreter

REASONING_TAGS = ("think", "thinking", "reasoning")
"""Tags reasoning models wrap their drafts in (served without a reasoning parser)."""

_REASONING_OPEN = re.compile(r"^[ \t]*<(%s)>" % "|".join(REASONING_TAGS), re.I | re.M)
_REASONING_CLOSE = re.compile(r"</(%s)>" % "|".join(REASONING_TAGS), re.I)
_FENCE_LINE = re.compile(r"^[ \t]*(```+|~~~+)(.*)$")
_ACCEPT = re.compile(
    r"^[ \t>]*(?:[*_`]*(?i:(?:final|my)[ \t]+)?(?i:answer|decision|verdict)[*_`]*[ \t]*:[*_`]*[ \t]*)?"  # a label
    r"[*_`]*ACCEPT[*_`]*[.!]?[*_`]*"  # the word, bold or not
    r"(?:[ \t]*[✅✔☑]?\ufe0f?[ \t]*$"  # alone, or with a check mark
    r"|[ \t]*(?:[-–—:(]|[.!][ \t])[ \t]*(?!(?i:but|not|no|although|though|however|unless|once|after|if|only|"
    r"except|yet|wait)\b)\S.*$)"  # or followed by a reason that does not take it back
)
_TEST_OPEN = re.compile(r"^[ \t]*<test>", re.I | re.M)
_TEST_CLOSE = re.compile(r"</test>", re.I)


class ReplyProblem(ValueError):
    """A reply that cannot be read unambiguously; the message is written for the model."""


@dataclass(frozen=True)
class Fenced:
    """A ``` (or ~~~) fenced block."""

    info: str
    """The fence's info string, lower-cased (`python`, `diff`, ...)."""
    body: str
    """The lines between the fences, each ending in a newline."""


def normalize_newlines(text: str | None) -> str:
    """CRLF and lone CR line endings as LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def strip_reasoning(text: str) -> str:
    """`text` without reasoning drafts: every `<think>…</think>` (also thinking/reasoning) that
    opens at the start of a line; a closing tag standing at the start or the end of a line with no
    opening before it ends a draft whose opening the server consumed: everything before it goes,
    code and tags included; an opening that is never closed starts an unfinished draft
    (everything from it goes). Tags that are code are left alone: inside a <test> block, a
    SEARCH/REPLACE block, a closed ``` fence or `inline code`."""
    code = _code_spans(text)
    close = next((m for m in _REASONING_CLOSE.finditer(text) if not _is_code(text, m.start(), code)), None)
    first_open = next((m for m in _REASONING_OPEN.finditer(text) if not _is_code(text, m.start(), code)), None)
    if close and (first_open is None or first_open.start() > close.start()) and _stands_alone(text, close):
        text = text[close.end():]
        code = _code_spans(text)
    out, pos, search_from = [], 0, 0
    while (start := _REASONING_OPEN.search(text, search_from)) is not None:
        if _is_code(text, start.start(), code):  # script or file text, not a draft
            search_from = start.end()
            continue
        out.append(text[pos:start.start()])
        end = re.compile(rf"</{start.group(1)}>", re.I).search(text, start.end())
        if end is None:
            return "".join(out)
        pos = search_from = end.end()
    out.append(text[pos:])
    return "".join(out)


def _stands_alone(text: str, tag: re.Match) -> bool:
    """True when a closing tag stands at the start or the end of its line (a draft's end), not
    inside a sentence that mentions it."""
    line_start = text.rfind("\n", 0, tag.start()) + 1
    line_end = text.find("\n", tag.end())
    return not text[line_start:tag.start()].strip() or not text[tag.end():line_end if line_end >= 0 else None].strip()


_SEARCH_LINE = re.compile(r"^[ \t]*<{5,9}[ \t]*SEARCH\b.*$", re.M)
_REPLACE_LINE = re.compile(r"^[ \t]*>{5,9}[ \t]*REPLACE\b.*$", re.M)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` holds code rather than prose: SEARCH/REPLACE blocks and closed ``` fences."""
    spans = []
    for head in _SEARCH_LINE.finditer(text):
        tail = _REPLACE_LINE.search(text, head.end())
        if tail is not None:
            spans.append((head.start(), tail.end()))
    pos, fence_start, fence = 0, None, ""
    for line in text.split("\n"):
        m = _FENCE_LINE.match(line)
        if m and fence_start is None:
            fence_start, fence = pos, m.group(1)
        elif fence_start is not None and line.strip() == fence:
            spans.append((fence_start, pos + len(line)))
            fence_start = None
        pos += len(line) + 1
    return spans


def _is_code(text: str, pos: int, spans: list[tuple[int, int]]) -> bool:
    """True when a tag at `pos` is code: in a <test> block, a code span, or `inline code`."""
    if _inside_test(text, pos) or any(a <= pos < b for a, b in spans):
        return True
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("`", line_start, pos) % 2 == 1


def _inside_test(text: str, pos: int) -> bool:
    """True when `pos` lies inside a <test> block (so a tag there is script text)."""
    before = text[:pos]
    return len(_TEST_OPEN.findall(before)) > len(_TEST_CLOSE.findall(before))


def clean_reply(text: str | None) -> str:
    """What every parser reads: line endings normalized, reasoning drafts removed."""
    return strip_reasoning(normalize_newlines(text))


def split_tagged(text: str, tag: str) -> tuple[list[str], str]:
    """(bodies of every `<tag>` … `</tag>` block, the text outside them): `tagged_blocks` without
    the fences' info strings."""
    blocks, outside = tagged_blocks(text, tag)
    return [b.body for b in blocks], outside


def tagged_blocks(text: str, tag: str) -> tuple[list[Fenced], str]:
    """(every `<tag>` … `</tag>` block, the text outside them). An opening tag counts only at the
    start of a line, a closing one only at the start or the end of a line (so a script may hold
    the tag's text inside a line); the body may be wrapped in one ``` fence, which is removed
    (its info string is kept, "" without a fence).
    An opening tag without its closing tag raises ReplyProblem."""
    opening = re.compile(rf"^[ \t]*<{tag}>[ \t]*\n?", re.I | re.M)
    closing = re.compile(rf"^[ \t]*</{tag}>|</{tag}>[ \t]*$", re.I | re.M)
    blocks = [(a, b) for a, b in _code_spans(text) if _SEARCH_LINE.match(text, a)]
    bodies, outside, pos = [], [], 0
    while (start := opening.search(text, pos)) is not None:
        if any(a <= start.start() < b for a, b in blocks):  # a line of the file an edit changes
            outside.append(text[pos:start.end()])
            pos = start.end()
            continue
        end = closing.search(text, start.end())
        nested = opening.search(text, start.end())
        if end is None or (nested is not None and nested.start() < end.start()):
            raise ReplyProblem(
                f"your <{tag}> block is not closed: put the whole script between a <{tag}> line and a </{tag}> line."
            )
        outside.append(text[pos:start.start()])
        indent = re.match(r"[ \t]*", text[start.start():]).group(0)
        bodies.append(_unfenced(_dedented(text[start.end():end.start()], indent)))
        pos = end.end()
    outside.append(text[pos:])
    return bodies, "".join(outside)


def _dedented(body: str, indent: str) -> str:
    """The body of a tag indented by `indent` (inside a markdown list) without that indentation,
    when every non-blank line carries it."""
    lines = body.split("\n")
    if not indent or not all(line.startswith(indent) for line in lines if line.strip()):
        return body
    return "\n".join(line[len(indent):] for line in lines)


def _unfenced(body: str) -> Fenced:
    lines = body.strip("\n").split("\n")
    info = ""
    if len(lines) >= 2 and _FENCE_LINE.match(lines[0]) and re.fullmatch(r"[ \t]*(```+|~~~+)[ \t]*", lines[-1]):
        info = _FENCE_LINE.match(lines[0]).group(2).strip().lower()
        lines = lines[1:-1]
    text = "\n".join(lines)
    return Fenced(info, text + "\n" if text.strip() else "")


def fenced_blocks(text: str) -> tuple[list[Fenced], str]:
    """(every closed fenced block, the text outside them). An unclosed fence runs to the end."""
    lines = text.split("\n")
    blocks, outside, i = [], [], 0
    while i < len(lines):
        m = _FENCE_LINE.match(lines[i])
        if not m:
            outside.append(lines[i])
            i += 1
            continue
        fence = m.group(1)
        j = next((k for k in range(i + 1, len(lines)) if lines[k].strip() == fence), None)
        if j is None:
            blocks.append(Fenced(m.group(2).strip().lower(), "".join(line + "\n" for line in lines[i + 1:])))
            break
        blocks.append(Fenced(m.group(2).strip().lower(), "".join(line + "\n" for line in lines[i + 1:j])))
        i = j + 1
    return blocks, "\n".join(outside)


def accepts(text: str) -> bool:
    """True when `text` (already cleaned, tags and fences removed) has a line reading ACCEPT
    that the next non-blank line does not take back (`Wait, …`, `But …`, `Actually, …`)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _ACCEPT.match(line):
            after = next((rest for rest in lines[i + 1:] if rest.strip()), "")
            if not _TAKEN_BACK.match(after):
                return True
    return False


_TAKEN_BACK = re.compile(r"^[ \t>*_]*(?:but|wait|however|actually|hmm+|no\b|on second thought|although|though|unless)\b",
                         re.I)


PYTHON_INFOS = ("", "python", "py", "python3", "python test", "py3")


@dataclass(frozen=True)
class ScriptReply:
    """A reply of the testing or selection kind, read."""

    scripts: list[str]
    """Bodies of the `<test>` blocks (the documented way to send a script)."""
    accept: bool
    """A line reading ACCEPT outside tags and fences."""
    quoted_code: int
    """Fenced blocks outside `<test>` tags that look like a script of the kind asked (Python, or
    shell): quotations, never run."""
    outside: str
    """The cleaned reply without the `<test>` blocks and fenced blocks (for WINNER lines)."""


def read_script_reply(reply: str | None, kind: str | None = PYTHON) -> ScriptReply:
    """Read `<test>` blocks, fences and ACCEPT from a reply asked for a script of `kind` (PYTHON or
    SHELL; None: the script as sent, for readers of the text around it); ReplyProblem for an
    unclosed tag, several `<test>` blocks, an empty one, ACCEPT together with a script, or a script
    of the other kind (`script_as_asked`)."""
    text = clean_reply(reply)
    if not text.strip() and (reply or "").strip():
        raise ReplyProblem("your reply holds only an unfinished reasoning draft (<think> without </think>) and no answer.")
    tagged, rest = tagged_blocks(text, "test")
    scripts = [b.body for b in tagged]
    blocks, outside = fenced_blocks(rest)
    accept = accepts(outside)
    if len(scripts) > 1:
        raise ReplyProblem(f"your reply has {len(scripts)} <test> blocks; send exactly one, holding the whole script.")
    if scripts and not scripts[0].strip():
        raise ReplyProblem("your <test> block is empty; put the whole script between <test> and </test>.")
    if scripts and accept:
        raise ReplyProblem(
            "your reply both says ACCEPT and sends a new script in <test> tags, so it is unclear which you mean: "
            "send either the new script alone or ACCEPT alone."
        )
    if scripts and kind is not None:
        scripts = [script_as_asked(tagged[0], kind)]
    infos = SHELL_INFOS + ("",) if kind == SHELL else PYTHON_INFOS
    quoted = sum(1 for b in blocks if b.info in infos and b.body.strip() and "<<<<<<<" not in b.body)
    return ScriptReply(scripts, accept, quoted, outside)


def script_as_asked(block: Fenced, kind: str) -> str:
    """The script of a `<test>` block when it is of the kind asked: a shell script asked and sent
    without a `#!` line gets DEFAULT_SHEBANG first (so it is stored, and later run, as one).
    ReplyProblem when the fence or the `#!` line says it is of the other kind."""
    body, program = block.body, interpreter(block.body)
    if kind == SHELL:
        if block.info in PYTHON_INFOS[1:] or (program is not None and program not in SHELLS):
            raise ReplyProblem(
                f"your <test> block holds a {program or block.info} program, but this repository's reproduction "
                "script is a shell script, run with bash (or sh): start it with #!/bin/bash and call the "
                "repository's own tools from it.")
        return body if program is not None else f"{DEFAULT_SHEBANG}\n{body}"
    if block.info in SHELL_INFOS or program in SHELLS:
        raise ReplyProblem(
            "your <test> block holds a shell script, but this repository's reproduction script is a Python "
            "program, run with python3: send the whole script in Python (it may run commands with subprocess).")
    return body


UNTAGGED_HINT = (
    "your code is in a ``` fence but not inside <test> … </test> tags; code outside those tags is read "
    "as a quotation and never run. Put the whole script between a <test> line and a </test> line."
)
