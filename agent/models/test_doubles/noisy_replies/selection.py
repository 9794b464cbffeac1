"""Selection replies: a test in <test> tags or the winner in the spellings models use (test double only)."""

from __future__ import annotations

import re
from random import Random

from agent.models.test_doubles.noisy_replies.common import finish
from agent.models.test_doubles.noisy_replies.scripts import DRAFT, malformed_script, script_of, script_reply

_WINNER = re.compile(r"^WINNER: (\d+)$", re.M)
_CANDIDATES = re.compile(r'<candidate number="(\d+)"')


def _numbers(messages: list) -> list[str]:
    first = next((str(m.get("content")) for m in messages if m.get("role") == "user"), "")
    return _CANDIDATES.findall(first)


def tolerated(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    script = script_of(clean)
    if script is not None:
        text, names = script_reply(rng, script, messages)
        return finish(rng, text, names, "WINNER: 1")
    number = _WINNER.search(clean).group(1)
    text, name = rng.choice((
        (f"WINNER: {number}", "winner_plain"),
        (f"**WINNER:** candidate {number}", "winner_bold"),
        (f"WINNER: #{number} (it fixes the issue without changing anything else)", "winner_reason"),
        (f"Winner: {number}", "winner_case"),
    ))
    others = [n for n in _numbers(messages) if n != number]
    return finish(rng, text, [name], f"WINNER: {others[0]}" if others else DRAFT)


def malformed(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    script = script_of(clean)
    if script is not None:
        ran = sum(1 for m in messages if m.get("role") == "assistant")
        text, names = malformed_script(rng, clean, script, ("winner_and_test",) + ("premature_winner",) * (ran == 0))
        if names == ["winner_and_test"]:
            return f"<test>\n{script}</test>\n\nWINNER: 1", names
        if names == ["premature_winner"]:
            return "Candidate 1 looks right.\n\nWINNER: 1", names
        return text, names
    number = _WINNER.search(clean).group(1)
    others = [n for n in _numbers(messages) if n != number] or ["1"]
    kind = rng.choice(("two_winners", "winner_without_number"))
    if kind == "two_winners":
        return f"WINNER: {others[0]}\n\nOn second thought:\nWINNER: {number}", [kind]
    return "WINNER: the candidate that handles the edge case", [kind]
