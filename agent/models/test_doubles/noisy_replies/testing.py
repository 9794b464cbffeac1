"""Testing replies: the reproduction script or ACCEPT, with quotes and drafts around (test double only)."""

from __future__ import annotations

from random import Random

from agent.models.test_doubles.noisy_replies.common import accept_line, finish
from agent.models.test_doubles.noisy_replies.scripts import DRAFT, malformed_script, quoted_snippet, script_of, script_reply


def tolerated(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    script = script_of(clean)
    if script is None:  # accepting
        line, name = accept_line(rng)
        names = [name]
        if rng.random() < 0.4:  # the snippet quoted while accepting: must not become the test
            line, names = quoted_snippet(rng, messages) + "\nThe script checks exactly this.\n\n" + line, names + ["quoted_snippet"]
        return finish(rng, line, names, DRAFT)
    text, names = script_reply(rng, script, messages)
    return finish(rng, text, names, DRAFT)


def malformed(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    script = script_of(clean)
    if script is None:
        kind = rng.choice(("accept_and_old_test", "accept_in_prose"))
        if kind == "accept_in_prose":
            return "The script looks right to me, so I accept it.", [kind]
        replies = [script_of(str(m.get("content"))) for m in messages if m.get("role") == "assistant"]
        last = next((s for s in reversed(replies) if s), None) or "import sys\nsys.exit(2)\n"
        return f"ACCEPT\n\n<test>\n{last}</test>", [kind]
    return malformed_script(rng, clean, script)
