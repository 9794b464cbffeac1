"""The selection state machine: the issue, the touched files, the top-k diffs and an example
test → the model writes tests that run on the unedited repo and on every candidate (outputs
side by side), until it names the winner. Runs in `agent.loop.run_trajectory`, stage
"selection"; reply formats are documented in agent/prompts/selection/system.md."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from codefix.protocols import Sandbox

from agent.context.templates import render
from agent.reply_parsing import find_script
from agent.task import Step
from agent.testing_machine import ScriptRunConfig, truncate_middle
from selection.candidates import Candidate
from selection.voting import Score
from selection.voting_runner import VOTE_SCRIPT, run_script_cell

STAGE = "selection"
WINNER = re.compile(r"^\s*\**\s*WINNER\s*\**\s*:\s*\**\s*`?([0-9A-Za-z_-]+)`?", re.M)
FILE_LIMIT = 20000
"""Characters of one touched file shown in the prompt; the middle is cut past this."""


def parse_winner(reply: str) -> str | None:
    """The id after the last `WINNER:` line, or None."""
    found = WINNER.findall(reply)
    return found[-1] if found else None


def render_files(files: dict[str, str | None]) -> str:
    parts = []
    for path, text in files.items():
        if text is None:
            parts.append(f'<file path="{path}" status="does not exist yet"/>')
        else:
            body = truncate_middle(text, FILE_LIMIT)
            parts.append(f'<file path="{path}">\n{body.rstrip()}\n</file>')
    return "\n\n".join(parts) or "(none)"


def render_candidates(candidates: Sequence[Candidate], scores: dict[str, Score]) -> str:
    parts = []
    for i, cand in enumerate(candidates, 1):
        score = scores.get(cand.id)
        votes = f' votes="{score.passes} of {score.counted_tests}"' if score else ""
        parts.append(f'<candidate id="{cand.id}" rank="{i}"{votes}>\n{cand.patch.rstrip()}\n</candidate>')
    return "\n\n".join(parts)


class SelectionTask:
    """Finishes with {"winner": <candidate id>, "tests": [scripts written]}."""

    def __init__(
        self,
        issue: str,
        candidates: Sequence[Candidate],
        *,
        files: dict[str, str | None],
        example_test: str,
        apply_patch: Callable,
        scores: dict[str, Score] | None = None,
        config: ScriptRunConfig | None = None,
        max_calls: int = 8,
    ):
        self.issue, self.candidates, self.files = issue, list(candidates), files
        self.example_test, self.apply_patch = example_test, apply_patch
        self.scores = scores or {}
        self.config = config or ScriptRunConfig(script_path=VOTE_SCRIPT)
        self.max_calls = max_calls
        self.tests: list[str] = []

    def start(self) -> list[dict]:
        return [
            {"role": "system", "content": render(STAGE, "system", timeout=f"{self.config.timeout:g}", max_calls=self.max_calls)},
            {"role": "user", "content": render(
                STAGE, "user", issue=self.issue, files=render_files(self.files),
                candidates=render_candidates(self.candidates, self.scores),
                example=(self.example_test or "# (no test came with the candidates)").rstrip(),
            )},
        ]

    def observe(self, reply: str, sandbox: Sandbox) -> Step:
        ids = [c.id for c in self.candidates]
        script = find_script(reply)
        if script is None:
            winner = parse_winner(reply)
            if winner in ids:
                return Step(finished=True, result={"winner": winner, "tests": list(self.tests)})
            problem = (f"{winner!r} is not one of the candidates." if winner else
                       "no ```python block and no WINNER line.")
            return Step(message=render(STAGE, "reask", problem=problem, ids=", ".join(ids)), format_error=True)
        self.tests.append(script)
        runs = {"unedited": self._run(sandbox, None, script)}
        for cand in self.candidates:
            runs[cand.id] = self._run(sandbox, cand.patch, script)
        return Step(message=render(STAGE, "observation", columns=self._columns(runs)), outputs={"runs": runs})

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
