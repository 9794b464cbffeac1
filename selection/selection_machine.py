"""The selection state machine: the issue, the touched files, the top-k diffs and an example
test → the model writes tests that run on the unedited repo and on every candidate (outputs
side by side), until it names the winner. Runs in `agent.loop.run_trajectory`, stage
"selection"; reply formats are documented in agent/prompts/selection/system.md and
docs/model-replies.md.

Candidates are shown as numbers 1..k (in the order given, best voted first), so `WINNER: 1`
is the whole answer; their vote counts are shown only when asked for (`show_votes`), so they
cannot anchor the choice. A winner is accepted only after at least one test has run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from codefix.core.protocols import Sandbox
from codefix.core.truncation import truncate_middle

from agent.prompts.render import render, repository_line, script_values
from agent.reply_parsing import UNTAGGED_HINT, ReplyProblem, read_script_reply
from agent.script_kinds import ScriptTarget
from agent.script_runs import ScriptRunConfig
from agent.task import Step
from selection.candidates import Candidate
from selection.voting import RankedCandidate
from selection.voting_runner import VOTE_SCRIPT, run_script_cell

STAGE = "selection"
WINNER = re.compile(r"^[ \t>#*_]*(?:(?:(?:final|my)[ \t]+)?(?:answer|decision|choice|verdict)[ \t*_]*:[ \t*_]*)?WINNER[ \t*_]*[:=][ \t*_`]*(.*?)[ \t]*$"
                    r"|^[ \t]*<winner>[ \t]*(.*?)[ \t]*</winner>[ \t]*$", re.I | re.M)
_NUMBER = re.compile(r"^(?:candidate|option|patch)?[ \t]*(?:no\.?|number)?[ \t]*[#\[(]?[ \t]*(\d+)(?![\w.]\w)[ \t]*[\])]?(.*)$", re.I)


def parse_winner(reply: str, count: int) -> int | None:
    """The candidate number (1..count) the reply's WINNER line names, None when it has no
    WINNER line; ReplyProblem when the line names no candidate number or two lines disagree."""
    outside = read_script_reply(reply, None).outside
    found = [line or tag for line, tag in WINNER.findall(outside)]
    if not found:
        return None
    numbers = []
    for value in found:
        m = _NUMBER.match(value.strip("*_` "))
        number = int(m.group(1)) if m else 0
        others = re.findall(r"\b\d+\b", _before_reason(m.group(2))) if m else []
        if not 1 <= number <= count or any(1 <= int(o) <= count for o in others):
            raise ReplyProblem(f"'WINNER: {value}' does not name exactly one candidate: write WINNER: followed by "
                               f"one candidate number from 1 to {count}, e.g. WINNER: 1.")
        numbers.append(number)
    numbers += [int(n) for n in _IN_SENTENCE.findall(outside) if 1 <= int(n) <= count]  # a later sentence's say
    if len(set(numbers)) > 1:
        raise ReplyProblem(f"your reply names {len(set(numbers))} different winners "
                           f"({', '.join(map(str, dict.fromkeys(numbers)))}); name exactly one.")
    return numbers[0]


_IN_SENTENCE = re.compile(r"(?<=\S)[ \t*_]+WINNER[ \t*_]*[:=][ \t*_`]*(?:candidate[ \t]*)?#?(\d+)(?![\w.]\w)")
"""`WINNER: n` inside a sentence (`…, so WINNER: 3.`): not a WINNER line, but a winner named."""

_REASON = re.compile(r"^[ \t*_`]*(?:\(|\[|[-–—:;]|because\b|since\b|as\b|—)", re.I)
_HEDGE = re.compile(r"^\W*(?:or|and|/|&|,|vs\.?)\W*(?:candidate\s*|#)?\d", re.I)


def _before_reason(rest: str) -> str:
    """What follows the number on a WINNER line up to where a reason starts (`(candidate 3
    breaks X)`, `- because …`): numbers there make the line ambiguous (`1 or 2`), numbers in
    the reason do not, unless it opens by hedging (`(or 2)`)."""
    if _HEDGE.match(rest):
        return rest
    return "" if _REASON.match(rest) else rest


def render_files(files: dict[str, str | None]) -> str:
    """Every touched file, whole, as it is before any edit."""
    parts = []
    for path, text in files.items():
        if text is None:
            parts.append(f'<file path="{path}" status="does not exist yet"/>')
        else:
            parts.append(f'<file path="{path}">\n{text.rstrip()}\n</file>')
    return "\n\n".join(parts) or "(none)"


def render_candidates(candidates: Sequence[Candidate], scores: dict[str, RankedCandidate] | None = None) -> str:
    """The diffs as candidates 1..k; with `scores`, each with its vote count."""
    parts = []
    for i, cand in enumerate(candidates, 1):
        score = (scores or {}).get(cand.id)
        votes = f' votes="{score.passes} of {score.counted_tests}"' if score else ""
        parts.append(f'<candidate number="{i}"{votes}>\n{cand.patch.rstrip()}\n</candidate>')
    return "\n\n".join(parts)


class SelectionTask:
    """Finishes with {"winner": <candidate id>, "number": n, "tests": [scripts written]}."""

    def __init__(
        self,
        issue: str,
        candidates: Sequence[Candidate],
        *,
        files: dict[str, str | None],
        example_test: str,
        apply_patch: Callable,
        scores: dict[str, RankedCandidate] | None = None,
        config: ScriptRunConfig | None = None,
        max_calls: int = 8,
        repo: str = "",
        version: str = "",
        target: ScriptTarget | None = None,
    ):
        self.issue, self.candidates, self.files = issue, list(candidates), files
        self.example_test, self.apply_patch = example_test, apply_patch
        self.scores = scores
        """Vote counts to show with the candidates (None: not shown)."""
        self.config = config or ScriptRunConfig(script_path=VOTE_SCRIPT)
        self.target = target or ScriptTarget()
        """The test scripts asked for: their kind, the repository's language and test command."""
        self.max_calls = max_calls
        self.repository = repository_line(repo, version)
        self.tests: list[str] = []

    def start(self) -> list[dict]:
        order = ("ranked by how many of the generated tests they pass, most first" if self.scores
                 else "numbered 1 to " + str(len(self.candidates)))
        return [
            {"role": "system", "content": render(STAGE, "system", **script_values(self.target, self.config.timeout),
                                                 max_calls=self.max_calls, count=len(self.candidates))},
            {"role": "user", "content": render(
                STAGE, "user", issue=self.issue, files=render_files(self.files), repository=self.repository,
                candidates=render_candidates(self.candidates, self.scores), order=order, script_fence=self.target.fence,
                example=(self.example_test or "# (no test came with the candidates)").rstrip(),
            )},
        ]

    def read(self, reply: str) -> tuple[str | None, int | None]:
        """(script, winner number): exactly one is set; ReplyProblem otherwise."""
        count = len(self.candidates)
        read = read_script_reply(reply, self.target.kind)
        winner = parse_winner(reply, count)
        if read.accept and not read.scripts and winner is None:
            raise ReplyProblem(f"ACCEPT is not an answer here: name the winner with a line WINNER: <number from 1 to {count}>.")
        if read.scripts and winner is not None:
            raise ReplyProblem("your reply both names a WINNER and sends a new test in <test> tags, so it is unclear "
                               "which you mean: send either the test alone or the WINNER line alone.")
        if read.scripts:
            return read.scripts[0], None
        if winner is not None:
            if not self.tests:
                raise ReplyProblem("name the winner only after at least one of your tests has run on the candidates: "
                                   "first send a test script between <test> and </test>.")
            return None, winner
        if read.quoted_code:
            raise ReplyProblem(UNTAGGED_HINT)
        raise ReplyProblem(f"your reply has neither a <test> … </test> block nor a line WINNER: <number from 1 to {count}>.")

    def observe(self, reply: str, sandbox: Sandbox) -> Step:
        try:
            script, number = self.read(reply)
        except ReplyProblem as exc:
            return Step(message=render(STAGE, "reask", problem=str(exc), count=len(self.candidates)),
                        format_error=True, outputs={"problem": str(exc)})
        if number is not None:
            winner = self.candidates[number - 1].id
            return Step(finished=True, result={"winner": winner, "number": number, "tests": list(self.tests)})
        self.tests.append(script)
        runs = {"unedited": self._run(sandbox, None, script)}
        for i, cand in enumerate(self.candidates, 1):
            runs[str(i)] = self._run(sandbox, cand.patch, script)
        return Step(message=render(STAGE, "observation", columns=self._columns(runs), count=len(self.candidates)),
                    outputs={"runs": runs})

    def _run(self, sandbox: Sandbox, patch: str | None, script: str) -> dict:
        run = run_script_cell(sandbox, patch, script, apply_patch=self.apply_patch, config=self.config)
        return {"outcome": run.outcome.value, "exit_code": run.exit_code, "timed_out": run.timed_out,
                "output": run.output, "note": run.note}

    def _columns(self, runs: dict[str, dict]) -> str:
        limit = max(500, self.config.output_limit // len(runs))
        parts = []
        for column, run in runs.items():
            title = "unedited repository" if column == "unedited" else f"candidate {column}"
            if run["note"]:
                parts.append(f"### {title}: {run['note']}")
                continue
            killed = f" (killed after {self.config.timeout:g} s)" if run["timed_out"] else ""
            body = truncate_middle(run["output"], limit).rstrip()
            parts.append(f"### {title}: exit code {run['exit_code']}{killed}\n<output>\n{body}\n</output>")
        return "\n\n".join(parts)

    def result_so_far(self) -> dict | None:
        return {"winner": None, "tests": list(self.tests)}

    def state(self) -> dict:
        return {"tests": list(self.tests)}

    def restore(self, state: dict) -> None:
        self.tests = list(state.get("tests") or [])
