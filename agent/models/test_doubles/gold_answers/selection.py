"""Gold answer for the selection stage (agent/prompts/selection): like a careful reviewer, it
first writes a test from the instance's test patch (the testing stage's reproduction script),
then, seeing every candidate's exit code, names a candidate whose run exits 0; among several,
the one whose changed lines equal the gold patch's. With `wrong`, it names a failing one."""

from __future__ import annotations

import re

from codefix.core.errors import ModelError

from agent.models.test_doubles.gold_answers.testing import asked_kind, reproduction_script

CANDIDATE = re.compile(r'<candidate number="(\d+)"[^>]*>\n(.*?)\n</candidate>', re.S)
COLUMN = re.compile(r"^### candidate (\S+): (?:exit code (-?\d+)|(.*))$", re.M)


def changed_lines(patch: str) -> list[str]:
    """A patch's added/removed lines without whitespace, in order (enough to spot the gold one)."""
    return [
        line[0] + "".join(line[1:].split())
        for line in patch.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()
    ]


def answer(instance, messages: list[dict], meta: dict, wrong: bool) -> str:
    users = [m["content"] for m in messages if m.get("role") == "user"]
    if not users:
        raise ModelError("the selection prompt has no user message")
    diffs = dict(CANDIDATE.findall(users[0]))
    if not diffs:
        raise ModelError("the selection prompt shows no <candidate> diffs")
    if len(users) == 1:
        return "Let me test the candidates against the behaviour the issue asks for.\n\n<test>\n" + \
            reproduction_script(instance, asked_kind(messages)) + "</test>\n"
    exits = {cid: code for cid, code, _note in COLUMN.findall(users[-1])}
    passing = [cid for cid in diffs if exits.get(cid) == "0"]
    failing = [cid for cid in diffs if cid not in passing]
    gold = changed_lines(instance.patch or "")
    if wrong and failing:
        choice = failing[0]
    else:
        pool = passing or list(diffs)
        choice = next((cid for cid in pool if changed_lines(diffs[cid]) == gold), pool[0])
    return f"Judging by the outputs, this candidate fixes the issue.\n\nWINNER: {choice}\n"
