"""Reading what a reply asks for: fenced code blocks and the ACCEPT line."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLOCK = re.compile(r"^[ \t]*```([^\n`]*)\n(.*?)^[ \t]*```[ \t]*$", re.S | re.M)
_ACCEPT = re.compile(r"^\s*(\*\*)?ACCEPT(\*\*)?\s*$", re.M)


@dataclass(frozen=True)
class CodeBlock:
    info: str
    """The fence's info string (`python`, `python test`, ...), lower-cased."""
    body: str
    """The block's text, ending in a newline."""


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block in `text`, in order."""
    return [CodeBlock(m.group(1).strip().lower(), m.group(2)) for m in _BLOCK.finditer(text)]


def find_script(text: str, *, tagged: bool = False) -> str | None:
    """The last Python script in `text`: a ```python block (with `tagged`, only ```python test)
    that holds no SEARCH/REPLACE edit."""
    found = None
    for block in code_blocks(text):
        words = block.info.split()
        if not words or words[0] not in ("python", "py", "python3"):
            continue
        if tagged and "test" not in words[1:]:
            continue
        if "<<<<<<< SEARCH" in block.body:
            continue
        found = block.body
    return found


def accepts(text: str) -> bool:
    """True when the reply has a line reading just ACCEPT."""
    return bool(_ACCEPT.search(_outside_blocks(text)))


def _outside_blocks(text: str) -> str:
    return _BLOCK.sub("", text)
