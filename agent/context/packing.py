"""Packing: whole files in ranked order up to a token budget. Unlike the published code, a
file that does not fit does not end the packing: smaller files further down still get in. A
file that alone exceeds the budget may enter as its skeleton."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.context.skeleton import skeleton_of


@dataclass(frozen=True)
class PackedFile:
    """A file in the packed context."""

    path: str
    """Path relative to the repository root."""
    text: str
    """What the later stages see: the whole file, or its skeleton."""
    form: str
    """full or skeleton."""
    tokens: int
    """Tokens of the file's rendered block (header included)."""


def render_file(path: str, text: str, form: str = "full") -> str:
    """One file as it appears in the context given to later stages."""
    attrs = f' path="{path}"' + ("" if form == "full" else f' form="{form}"')
    body = text if text.endswith("\n") else text + "\n"
    return f"<file{attrs}>\n{body}</file>\n"


def render_packed(files: list[PackedFile] | list[tuple[str, str]]) -> str:
    """The packed context as one text, files in ranked order."""
    blocks = []
    for f in files:
        if isinstance(f, PackedFile):
            blocks.append(render_file(f.path, f.text, f.form))
        else:
            blocks.append(render_file(f[0], f[1]))
    return "\n".join(blocks)


def pack(
    ranked: list[str],
    texts: dict[str, str],
    budget: int,
    count: Callable[[str], int],
    *,
    skeleton_oversized: bool = True,
) -> tuple[list[PackedFile], list[dict]]:
    """(packed files in ranked order, [{path, reason, tokens}] of files left out)."""
    packed: list[PackedFile] = []
    left_out: list[dict] = []
    used = 0
    for path in ranked:
        text = texts[path]
        tokens = count(render_file(path, text))
        if used + tokens <= budget:
            packed.append(PackedFile(path, text, "full", tokens))
            used += tokens
            continue
        skeleton = skeleton_of(path, text) if tokens > budget and skeleton_oversized else None
        if skeleton is not None:
            sk_tokens = count(render_file(path, skeleton, "skeleton"))
            if used + sk_tokens <= budget:
                packed.append(PackedFile(path, skeleton, "skeleton", sk_tokens))
                used += sk_tokens
                continue
            left_out.append({"path": path, "reason": "skeleton does not fit", "tokens": sk_tokens})
            continue
        reason = "larger than the budget" if tokens > budget else "does not fit what is left"
        left_out.append({"path": path, "reason": reason, "tokens": tokens})
    return packed, left_out
