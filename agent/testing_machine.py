"""The testing state machine: the issue only → a reproduction script, revised on its output."""

from __future__ import annotations

from codefix.core.protocols import Sandbox

from agent.prompts.render import render, repository_line, script_values
from agent.reply_parsing import UNTAGGED_HINT, ReplyProblem, read_script_reply
from agent.script_kinds import ScriptTarget
from agent.script_runs import ScriptRunConfig, outputs_of, run_script
from agent.task import Step
from agent.trajectory_record import TrajectoryRecord

STAGE = "testing"


def last_test_run(testing: TrajectoryRecord) -> dict | None:
    """{"exit_code", "output"} of the accepted script on the unedited repository: from the
    testing result, or (trajectories from before it was stored there) its last run step."""
    result = testing.result or {}
    if "output" in result:
        return {"exit_code": result.get("exit_code"), "output": result["output"]}
    runs = [s["run"] for s in testing.steps if isinstance(s.get("run"), dict)]
    return {"exit_code": runs[-1].get("exit_code"), "output": runs[-1].get("output", "")} if runs else None


class TestingTask:
    """Writes and revises a reproduction script; finishes with {"test", "exit_code", "output"}
    (the output of its last run on the unedited repository)."""

    __test__ = False  # not a pytest class

    def __init__(self, issue: str, config: ScriptRunConfig | None = None, *, repo: str = "", version: str = "",
                 target: ScriptTarget | None = None):
        self.issue = issue
        self.config = config or ScriptRunConfig()
        self.target = target or ScriptTarget()
        """The script asked for: its kind, the repository's language and test command."""
        self.repository = repository_line(repo, version)
        self.script: str | None = None
        self.exit_code: int | None = None
        self.output: str = ""

    def start(self) -> list[dict]:
        return [
            {"role": "system", "content": render(STAGE, "system", **script_values(self.target, self.config.timeout))},
            {"role": "user", "content": render(STAGE, "user", issue=self.issue, repository=self.repository)},
        ]

    def read(self, reply: str) -> str | None:
        """The new script, or None when the reply accepts the last one; ReplyProblem otherwise."""
        read = read_script_reply(reply, self.target.kind)
        if read.scripts:
            return read.scripts[0]
        if read.accept:
            if self.script is None:
                raise ReplyProblem("ACCEPT, but no script has run yet: first send a script between <test> and </test>.")
            return None
        if read.quoted_code:
            raise ReplyProblem(UNTAGGED_HINT)
        raise ReplyProblem("your reply has neither a <test> … </test> block with a script nor a line reading ACCEPT.")

    def observe(self, reply: str, sandbox: Sandbox) -> Step:
        try:
            script = self.read(reply)
        except ReplyProblem as exc:
            return Step(message=render(STAGE, "reask", problem=str(exc)), format_error=True, outputs={"problem": str(exc)})
        if script is None:
            return Step(finished=True, result=self.result_so_far())
        result = run_script(sandbox, script, self.config)
        out = outputs_of(result, self.config.output_limit)
        self.script, self.exit_code, self.output = script, result.exit_code, out["output"]
        message = render(
            STAGE,
            "observation",
            exit_code=result.exit_code,
            timed_out=f" (killed after {self.config.timeout:g} s)" if result.timed_out else "",
            output=out["output"],
        )
        return Step(message=message, outputs={"run": out})

    def result_so_far(self) -> dict | None:
        if self.script is None:
            return None
        return {"test": self.script, "exit_code": self.exit_code, "output": self.output}

    def state(self) -> dict:
        return {"script": self.script, "exit_code": self.exit_code, "output": self.output}

    def restore(self, state: dict) -> None:
        self.script, self.exit_code = state.get("script"), state.get("exit_code")
        self.output = state.get("output") or ""
