"""Relevance replies: the verdict in the spellings models use (test double only)."""

from __future__ import annotations

import re
from random import Random

from agent.models.test_doubles.noisy_replies.common import finish

_SUMMARY = re.compile(r"^SUMMARY: (.*)$", re.M)


def _read(clean: str) -> tuple[bool, str]:
    summary = _SUMMARY.search(clean)
    return "VERDICT: RELEVANT" in clean, summary.group(1) if summary else ""


def _verdict(rng: Random, relevant: bool, summary: str) -> tuple[str, str]:
    if relevant:
        return rng.choice((
            (f"VERDICT: RELEVANT\nSUMMARY: {summary}", "verdict_plain"),
            (f"**Verdict:** Relevant\n**Summary:** {summary}", "verdict_bold"),
            (f"VERDICT: RELEVANT - SUMMARY: {summary}", "summary_inline"),
            (f"verdict: relevant\nsummary: {summary}", "verdict_lower"),
        ))
    return rng.choice((
        ("VERDICT: NOT RELEVANT", "verdict_plain"),
        ("**Verdict:** Not relevant", "verdict_bold"),
        ("Verdict: NOT_RELEVANT", "verdict_underscore"),
        ("verdict: irrelevant", "verdict_irrelevant"),
        ("**NOT RELEVANT**", "verdict_bare"),
    ))


def tolerated(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    relevant, summary = _read(clean)
    text, name = _verdict(rng, relevant, summary)
    decoy = "VERDICT: NOT RELEVANT" if relevant else "VERDICT: RELEVANT\nSUMMARY: Might define the code involved."
    return finish(rng, text, [name], decoy)


def malformed(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    relevant, summary = _read(clean)
    kind = rng.choice(("no_verdict", "two_verdicts", "truncated"))
    if kind == "no_verdict":
        word = "matters" if relevant else "does not matter"
        return f"Having read the file, I think it {word} for this issue.", [kind]
    if kind == "two_verdicts":
        first = "VERDICT: RELEVANT\nSUMMARY: Might matter." if not relevant else "VERDICT: NOT RELEVANT"
        return f"{first}\n\nHmm, on reflection:\n{clean.strip()}", [kind]
    return clean, ["truncated"]
