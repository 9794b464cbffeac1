"""How a task record runs its repository's tests: the command of its eval script (the lines between
the test-output markers) or of a local instance's `test_cmd`, and the same command without the test
patch's files, as the prompts may show it (the test patch is the grader's, never the model's)."""

from __future__ import annotations

import shlex

NOT_THE_TEST_COMMAND = ("SWEBENCH_TEST_EXIT_CODE=",)
"""Lines a swebench 5 eval script has between its markers besides the test command."""


def script_test_command(eval_script: str) -> str:
    """The command(s) between an eval script's start and end markers, joined with `&&` ("" when
    the script has no markers)."""
    from codefix.core.classic_records import END_MARKER, START_MARKER

    lines = eval_script.splitlines()
    start = next((n for n, line in enumerate(lines) if START_MARKER in line), None)
    end = next((n for n, line in enumerate(lines) if END_MARKER in line and start is not None and n > start), None)
    if start is None or end is None:
        return ""
    commands = [line for line in lines[start + 1 : end] if line.strip() and not line.startswith(NOT_THE_TEST_COMMAND)]
    return " && ".join(commands)


def record_test_command(instance) -> str:
    """The shell command that runs the record's tests ("" when the record does not say): a
    SWE-bench record's eval-script command (a classic record's derived at load), else a local
    instance's `test_cmd`. Any record-like object will do."""
    if getattr(instance, "is_swebench", False):
        from codefix.core.datasets import with_v5_fields

        instance = with_v5_fields(instance)  # a classic record built without load_dataset
        if getattr(instance, "eval_script", None):
            return script_test_command(instance.eval_script)
    return getattr(instance, "test_cmd", None) or ""


def test_files(instance) -> list[str]:
    """The test files (Django: test modules) the test patch names, as swebench derives them."""
    if not (getattr(instance, "test_patch", "") or "").strip():
        return []
    from codefix.core.classic_records import test_directives

    return test_directives(getattr(instance, "repo", ""), instance.test_patch)


test_files.__test__ = False  # not a pytest test


def public_test_command(instance) -> str:
    """`record_test_command` without the words naming the test patch's files or modules, and cut
    before a word naming one of the graded tests (`-run '^TestParse$'`: the option goes too), so a prompt
    can name the toolchain and its options without telling the model which hidden tests grade
    it; "" when unknown."""
    command = record_test_command(instance)
    files = set(test_files(instance))
    names = [n for n in [*getattr(instance, "FAIL_TO_PASS", []), *getattr(instance, "PASS_TO_PASS", [])] if len(n) >= 3]
    kept = []
    for part in command.split(" && ") if command else []:
        try:
            words = shlex.split(part)
        except ValueError:
            return ""  # not a command line we can take apart safely: say nothing rather than leak
        words = [w for w in words if w not in files and w.lstrip("./") not in files]
        for n, word in enumerate(words):
            if any(name in word for name in names):  # `-run '^TestParse$'`, `--grep=parses dates`
                option = n and words[n - 1].startswith("-") and "=" not in words[n - 1] and not word.startswith("-")
                words = words[: n - 1 if option else n]
                break
        kept.append(shlex.join(words) if words else "")
    return " && ".join(k for k in kept if k)
