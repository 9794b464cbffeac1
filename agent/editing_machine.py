"""The editing state machine: a reproduction script + packed context → SEARCH/REPLACE edits,
each turn checked by running the script before and after the edits."""

from __future__ import annotations

import posixpath

from codefix.protocols import Sandbox

from agent.context.templates import render
from agent.edits import EditError, apply_edits, parse_edits, unified_patch
from agent.reply_parsing import accepts, find_script
from agent.syntax import python_syntax_errors
from agent.task import Step
from agent.testing_machine import ScriptRunConfig, outputs_of, run_script

STAGE = "editing"


class EditingTask:
    """Finishes with {"patch", "test"}; the patch holds source edits only."""

    def __init__(self, issue: str, test: str, context: str, config: ScriptRunConfig | None = None):
        self.issue, self.test, self.context = issue, test, context
        self.config = config or ScriptRunConfig()
        self.originals: dict[str, str | None] = {}
        self.files: dict[str, str | None] = {}
        self.last: dict | None = None

    def start(self) -> list[dict]:
        return [
            {"role": "system", "content": render(STAGE, "system")},
            {"role": "user", "content": render(STAGE, "user", issue=self.issue, context=self.context, test=self.test)},
        ]

    @property
    def patch(self) -> str:
        return unified_patch(self.originals, self.files)

    def observe(self, reply: str, sandbox: Sandbox) -> Step:
        try:
            edits = parse_edits(reply)
        except EditError as exc:
            return self._rejected(str(exc))
        new_test = find_script(reply, tagged=True)
        if not edits and new_test is None:
            if accepts(reply) and self.patch:
                return Step(finished=True, result=self.result_so_far())
            problem = "ACCEPT before any edit was applied." if accepts(reply) else "no SEARCH/REPLACE block, no ```python test block, no ACCEPT line."
            return Step(message=render(STAGE, "reask", problem=problem), format_error=True)
        files = self.files
        if edits:
            try:
                files = self._edited(edits, sandbox)
            except EditError as exc:
                return self._rejected(str(exc))
            problems = [
                p.describe(path)
                for path, text in files.items()
                if path.endswith(".py") and text is not None and text != self.files.get(path, self.originals.get(path))
                for p in python_syntax_errors(text)
            ]
            if problems:
                return self._rejected("Syntax errors in the edited files:\n" + "\n".join(problems))
        self.files = files
        if new_test is not None:
            self.test = new_test
        return self._run(sandbox)

    def _edited(self, edits, sandbox: Sandbox) -> dict[str, str | None]:
        for edit in edits:
            path = posixpath.normpath(edit.path)
            if path.startswith(("/", "..")) or path == self.config.script_path:
                raise EditError(f"{edit.path}: edits must stay inside the repository and not touch the test script")
            if path != edit.path:
                raise EditError(f"{edit.path}: write the path in normal form ({path})")
        missing = [e.path for e in edits if e.path not in self.originals]
        if missing:
            sandbox.reset()
            for path in missing:
                self.originals[path] = _read_or_none(sandbox, path)
        current = {path: self.files.get(path, self.originals[path]) for path in self.originals}
        return apply_edits(current, edits)

    def _run(self, sandbox: Sandbox) -> Step:
        limit = self.config.output_limit
        before = outputs_of(run_script(sandbox, self.test, self.config), limit)
        changed = {p: t for p, t in self.files.items() if t != self.originals.get(p)}
        after = outputs_of(run_script(sandbox, self.test, self.config, changed), limit)
        self.last = {"before": before["exit_code"], "after": after["exit_code"]}

        def killed(run: dict) -> str:
            return f" (killed after {self.config.timeout:g} s)" if run["timed_out"] else ""

        message = render(
            STAGE,
            "observation",
            before_exit=before["exit_code"], before_timed_out=killed(before), before_output=before["output"],
            after_exit=after["exit_code"], after_timed_out=killed(after), after_output=after["output"],
            patch=self.patch.rstrip("\n") or "(no changes)",
        )
        # the patch after this step, so a report can cap the trajectory at any call (coverage vs iterations)
        return Step(message=message, outputs={"before": before, "after": after, "patch": self.patch})

    def _rejected(self, problem: str) -> Step:
        return Step(message=render(STAGE, "rejected", problem=problem), outputs={"rejected": problem})

    def result_so_far(self) -> dict | None:
        patch = self.patch
        if not patch:
            return None
        return {"patch": patch, "test": self.test, **(self.last or {})}

    def state(self) -> dict:
        return {"test": self.test, "originals": self.originals, "files": self.files, "last": self.last}

    def restore(self, state: dict) -> None:
        self.test = state.get("test", self.test)
        self.originals = dict(state.get("originals") or {})
        self.files = dict(state.get("files") or {})
        self.last = state.get("last")


def _read_or_none(sandbox: Sandbox, path: str) -> str | None:
    try:
        return sandbox.read_file(path)
    except (FileNotFoundError, IsADirectoryError):
        return None
