"""The editing state machine: a reproduction script + packed context → SEARCH/REPLACE edits,
each turn checked by running the script before and after the edits.

Edits accumulate: each turn's edits apply on top of the files as earlier turns left them. An
edit identical to one applied in an earlier turn whose result is still in the file is skipped
(models often repeat earlier blocks) and the model is told; a SEARCH that matches only the
original text of lines an earlier edit changed is rejected with why. See docs/model-replies.md.
"""

from __future__ import annotations

from codefix.core.protocols import Sandbox

from agent.prompts.render import render
from agent.edit_parsing import parse_edits
from agent.edit_paths import resolve_path
from agent.edits import Edit, EditError, apply_edit_noted, unified_patch
from agent.line_match import find_exact, find_tolerant, split_lines
from agent.reply_parsing import UNTAGGED_HINT, ReplyProblem, clean_reply, read_script_reply, split_tagged
from agent.syntax import edit_syntax_check
from agent.task import Step
from agent.prompts.render import repository_line, script_values
from agent.script_kinds import ScriptTarget
from agent.script_runs import ScriptRunConfig, outputs_of, run_script

STAGE = "editing"


class EditingTask:
    """Finishes with {"patch", "test"}; the patch holds source edits only."""

    def __init__(self, issue: str, test: str, context: str, config: ScriptRunConfig | None = None, *,
                 test_run: dict | None = None, repo: str = "", version: str = "", target: ScriptTarget | None = None):
        self.issue, self.test, self.context = issue, test, context
        self.config = config or ScriptRunConfig()
        self.target = target or ScriptTarget()
        """The script asked for when the model replaces it: its kind, the language, the test command."""
        self.test_run = test_run
        """{"exit_code", "output"} of the script on the unedited repository (shown in the first turn)."""
        self.repository = repository_line(repo, version)
        self.originals: dict[str, str | None] = {}
        self.files: dict[str, str | None] = {}
        self.applied: list[list[str]] = []
        self.last: dict | None = None

    def start(self) -> list[dict]:
        """The system message holds the instructions, the repository, the issue and the packed
        context: the prefix every pair of the instance shares, which the loop flags for the
        provider's cache; the pair's own reproduction script and its run come in the first user
        message."""
        if self.test_run and self.test_run.get("exit_code") is not None:
            run = f"exit code {self.test_run['exit_code']}\n<output>\n{(self.test_run.get('output') or '').rstrip()}\n</output>"
        else:
            run = "(not available: the script's run on the original code was not recorded)"
        shared = render(STAGE, "system", **script_values(self.target, self.config.timeout)) + "\n\n" + render(STAGE, "context", issue=self.issue, context=self.context,
                                                            repository=self.repository)
        return [
            {"role": "system", "content": shared},
            {"role": "user", "content": render(STAGE, "user", test=self.test, test_run=run)},
        ]

    @property
    def patch(self) -> str:
        return unified_patch(self.originals, self.files)

    def observe(self, reply: str, sandbox: Sandbox) -> Step:
        try:
            read = read_script_reply(reply, self.target.kind)
            edits = parse_edits(split_tagged(clean_reply(reply), "test")[1])  # a script's text is no edit
        except (EditError, ReplyProblem) as exc:
            return self._reask(str(exc))
        new_test = read.scripts[0] if read.scripts else None
        if read.accept and edits:
            return self._reask("your reply both says ACCEPT and carries SEARCH/REPLACE edits, so it is unclear which "
                               "you mean: send either the edits alone or ACCEPT alone.")
        if not edits and new_test is None:
            if read.accept and self.patch:
                return Step(finished=True, result=self.result_so_far())
            if read.accept:
                return self._reask("ACCEPT, but no edit has been applied yet: send SEARCH/REPLACE edits first.")
            if read.quoted_code:
                return self._reask("your reply has no SEARCH/REPLACE block, and " + UNTAGGED_HINT)
            return self._reask("your reply has no SEARCH/REPLACE block, no <test> … </test> block and no ACCEPT line.")
        notes = []
        if read.quoted_code and new_test is None:
            notes.append(f"{read.quoted_code} fenced code block(s) outside <test> tags were read as quotations; "
                         "the reproduction script is unchanged (send a new one between <test> and </test>).")
        files = self.files
        if edits:
            try:
                files, applied_notes, edits = self._edited(edits, sandbox)
            except EditError as exc:
                return self._rejected(str(exc))
            notes += applied_notes
            problems = []
            for path, text in files.items():
                before = self.files.get(path, self.originals.get(path))
                if text is not None and text != before:
                    found, notice = edit_syntax_check(path, before, text)
                    problems += found
                    notes += [notice] if notice else []
            if problems:
                return self._rejected("Syntax errors in the edited files:\n" + "\n".join(problems))
            self.applied += [[e.path, e.search, e.replace] for e in edits]
        self.files = files
        if new_test is not None:
            self.test = new_test
        return self._run(sandbox, notes)

    def _edited(self, edits: list[Edit], sandbox: Sandbox) -> tuple[dict[str, str | None], list[str], list[Edit]]:
        """(files after the edits, notes for the model, the edits with resolved paths)."""
        lookup = _Lookup(self, sandbox)
        resolved = []
        for edit in edits:
            path = resolve_path(edit.path, lookup)
            if path in self.config.paths:
                raise EditError(f"{edit.path} is the reproduction script; replace it with a <test> block, not an edit")
            resolved.append(Edit(path, edit.search, edit.replace, edit.splits))
        current = {path: self.files.get(path, self.originals.get(path)) for path in self.originals}
        notes = []
        for raw, edit in zip(edits, resolved):
            if [edit.path, edit.search, edit.replace] in self.applied and _in_effect(current.get(edit.path), edit):
                notes.append(f"An edit of {edit.path} repeats one applied in an earlier turn; it was skipped (edits "
                             "accumulate, so earlier edits need not be sent again).")
                continue
            try:
                current[edit.path], note = apply_edit_noted(current.get(edit.path), edit)
            except EditError as exc:
                raise EditError(self._explained(exc, edit)) from None
            if note:
                notes.append(f"Your edit of {edit.path} was applied although {note}; check the diff below.")
            if raw.path != edit.path:
                notes.append(f"The path {raw.path} was read as {edit.path}.")
        return current, notes, resolved

    def _explained(self, exc: EditError, edit: Edit) -> str:
        """The error, plus why when SEARCH matches the original text an earlier edit changed."""
        original, current = self.originals.get(edit.path), self.files.get(edit.path)
        if "was not found" not in str(exc) or original is None or current is None or current == original:
            return str(exc)
        try:
            apply_edit_noted(original, edit)
        except EditError:
            return str(exc)
        return (f"{exc}\nYour SEARCH text matches the original {edit.path}, but your earlier edits changed those lines. "
                "Edits accumulate: SEARCH must match the file as it is now, with your earlier edits (see the diff "
                "in the last observation).")

    def _run(self, sandbox: Sandbox, notes: list[str]) -> Step:
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
            notes="\n".join(f"Note: {n}" for n in notes) + ("\n\n" if notes else ""),
            before_exit=before["exit_code"], before_timed_out=killed(before), before_output=before["output"],
            after_exit=after["exit_code"], after_timed_out=killed(after), after_output=after["output"],
            patch=self.patch.rstrip("\n") or "(no changes)",
        )
        # the patch after this step, so a report can cap the trajectory at any call (coverage vs iterations)
        outputs = {"before": before, "after": after, "patch": self.patch}
        if notes:
            outputs["notes"] = notes
        return Step(message=message, outputs=outputs)

    def _reask(self, problem: str) -> Step:
        return Step(message=render(STAGE, "reask", problem=problem), format_error=True, outputs={"problem": problem})

    def _rejected(self, problem: str) -> Step:
        return Step(message=render(STAGE, "rejected", problem=problem), outputs={"rejected": problem})

    def result_so_far(self) -> dict | None:
        patch = self.patch
        if not patch:
            return None
        return {"patch": patch, "test": self.test, **(self.last or {})}

    def state(self) -> dict:
        return {"test": self.test, "originals": self.originals, "files": self.files, "last": self.last,
                "applied": self.applied}

    def restore(self, state: dict) -> None:
        self.test = state.get("test", self.test)
        self.originals = dict(state.get("originals") or {})
        self.files = dict(state.get("files") or {})
        self.last = state.get("last")
        self.applied = [list(e) for e in state.get("applied") or []]


def _in_effect(text: str | None, edit: Edit) -> bool:
    """True when `text` already shows the edit's result: its REPLACE lines are there (for a
    deletion: its SEARCH lines are gone)."""
    if text is None:
        return False
    lines = split_lines(text)[0]

    def found(block: str) -> bool:
        want = split_lines(block)[0]
        return bool(find_exact(lines, want) or find_tolerant(lines, want))

    return found(edit.replace) if edit.replace.strip() else not found(edit.search)


class _Lookup:
    """What a path names in the repository as the task sees it: files it already holds
    (edited or created), else the sandbox's unedited checkout (reset once, read lazily)."""

    def __init__(self, task: EditingTask, sandbox: Sandbox):
        self.task, self.sandbox, self.fresh, self.dirs = task, sandbox, False, set()

    def __call__(self, path: str):
        task = self.task
        if path in task.files or path in task.originals:
            return "file" if task.files.get(path, task.originals.get(path)) is not None else None
        if path in self.dirs:
            return "dir"
        if not self.fresh:
            self.sandbox.reset()
            self.fresh = True
        try:
            task.originals[path] = self.sandbox.read_file(path)
            return "file"
        except IsADirectoryError:
            self.dirs.add(path)
            return "dir"
        except FileNotFoundError:
            task.originals[path] = None
            return None
