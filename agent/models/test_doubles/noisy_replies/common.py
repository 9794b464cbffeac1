"""Shapes every stage's replies share: prose around the answer, a `<think>` draft, CRLF line
endings, and the cut at the output limit (test double only)."""

from __future__ import annotations

import re
from random import Random

OPENINGS = (
    "Let me look at this carefully.",
    "Looking at the issue, the behaviour described is clear enough.",
    "I'll reason about this step by step before answering.",
    "Here is my answer.",
    "Okay.",
)
CLOSINGS = (
    "Let me know if anything is unclear.",
    "This should be what is needed.",
    "I kept it as small as possible.",
)
MUSINGS = (
    "First I need to understand what the issue actually reports and what the expected behaviour is.",
    "The reporter gives an example, so the fix has to make that example behave as they expect.",
    "I should be careful not to change behaviour that other callers rely on.",
    "Let me re-read the relevant part once more to be sure about the details.",
    "There might be an edge case around empty input that I should keep in mind.",
    "It is worth checking whether the same pattern appears elsewhere in the code.",
)
THINK_TAGS = ("think", "thinking", "reasoning")


def prose(rng: Random, answer: str) -> tuple[str, list[str]]:
    """`answer` with an opening and maybe a closing sentence."""
    names = ["prose"]
    text = f"{rng.choice(OPENINGS)}\n\n{answer.strip()}\n"
    if rng.random() < 0.5:
        text += f"\n{rng.choice(CLOSINGS)}\n"
        names.append("prose_after")
    return text, names


def musing(rng: Random, sentences: int = 3) -> str:
    return " ".join(rng.choice(MUSINGS) for _ in range(sentences))


def think(rng: Random, text: str, decoy: str) -> tuple[str, str]:
    """`text` after a reasoning draft that holds `decoy` (a different answer the parser must not
    read); sometimes the draft's opening tag is missing, as when a server swallows it."""
    tag = rng.choice(THINK_TAGS)
    body = f"{musing(rng)}\n{decoy.strip()}\nNo, that is not right; let me reconsider.\n{musing(rng, 2)}"
    if tag == "think" and rng.random() < 0.3:
        return f"{body}\n</think>\n\n{text}", "think_unopened"
    return f"<{tag}>\n{body}\n</{tag}>\n\n{text}", f"think_{tag}"


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def finish(rng: Random, text: str, names: list[str], decoy: str | None) -> tuple[str, list[str]]:
    """The common wrappers on a stage-shaped reply: maybe prose, a think draft, CRLF."""
    if rng.random() < 0.6:
        text, more = prose(rng, text)
        names = names + more
    if decoy and rng.random() < 0.35:
        text, name = think(rng, text, decoy)
        names = names + [name]
    if rng.random() < 0.15:
        text, names = crlf(text), names + ["crlf"]
    return text, names


_ANSWER = re.compile(r"<test>|```|<{5,9} ?SEARCH|VERDICT|^\[|^\d+\. |^WINNER", re.M | re.I)
_CLOSERS = ("</test>", "```", ">>>>>>> REPLACE", "]")


def cut_at_limit(text: str, rng: Random, max_tokens: int | None) -> str:
    """`text` cut inside its answer (before the answer's closing marker), preceded by rambling
    prose so that the reply fills `max_tokens` tokens, as a model that ran out of output does."""
    start = _ANSWER.search(text)
    begin = start.start() + 1 if start else len(text) // 3
    ends = [text.rfind(c) for c in _CLOSERS if text.rfind(c) > begin]
    end = min(ends) if ends else len(text) - 1
    kept = text[: rng.randint(begin, max(begin, end - 1))]
    if not max_tokens:
        return kept
    from agent.models.litellm_setup import load_litellm

    litellm = load_litellm()
    have = litellm.token_counter(model="gpt-4o", text=kept)
    if have >= max_tokens:
        return litellm.decode(model="gpt-4o", tokens=litellm.encode(model="gpt-4o", text=kept)[:max_tokens])
    padding = ""
    while litellm.token_counter(model="gpt-4o", text=padding) < max_tokens - have:
        padding += musing(rng, 8) + "\n"
    tokens = litellm.encode(model="gpt-4o", text=padding)[: max_tokens - have - 2]
    return litellm.decode(model="gpt-4o", tokens=tokens).rstrip() + "\n\n" + kept


def accept_line(rng: Random) -> tuple[str, str]:
    return rng.choice((("ACCEPT", "accept_plain"), ("**ACCEPT**", "accept_bold"), ("ACCEPT.", "accept_dot")))
