"""Gold answer for the testing stage: a reproduction script built from the instance's test patch.

The script (agent/models/test_doubles/gold_script/reproduce.py) applies `test_patch`, runs the
repository's own test command on the test patch's files (the SWE-bench spec's for the
repository and version: sympy's bin/test, Django's runtests.py, pytest; a local instance's
`test_cmd`) in the environment the sandbox activated, reads the FAIL_TO_PASS tests' results
from its output, reverts the test patch and exits 2 when one fails (or hangs), 0 when all pass,
1 when the command produced no test results. Where the prompt asks for a shell script (a
repository in another language), the script is `gold_script/reproduce.sh`, which does the same with
the record's test command and its log parser's result lines. Like a model that iterates, it first
writes the script and accepts after seeing it run.
"""

from __future__ import annotations

from agent.models.test_doubles.gold_script.params import reproduction_script
from agent.script_kinds import PYTHON, SHELL

__all__ = ["answer", "asked_kind", "reproduction_script"]

SHELL_ASKED = "The script is a shell script"
"""What the system prompt of a stage asking for a shell script says (agent/prompts/common/script_shell.md)."""


def asked_kind(messages: list[dict]) -> str:
    """The kind of script the conversation's system prompt asks for, read as a model reads it."""
    system = next((str(m.get("content")) for m in messages if m.get("role") == "system"), "")
    return SHELL if SHELL_ASKED in system else PYTHON


def answer(instance, messages: list[dict], meta: dict, wrong: bool) -> str:
    if any(m.get("role") == "assistant" for m in messages):
        return "The script exits 2 on the unfixed repository, as it should.\n\nACCEPT"
    return "Here is a reproduction script.\n\n<test>\n" + reproduction_script(instance, asked_kind(messages)) + "</test>\n"
