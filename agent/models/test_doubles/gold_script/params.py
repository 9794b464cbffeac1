"""The host side of the gold reproduction script: which command runs an instance's tests and how
its output reads, taken from a SWE-bench record's eval script (the command between its test-output markers:
for a classic record, swebench 4.1's test command on the test patch's files) or from a local
instance's `test_cmd`."""

from __future__ import annotations

import shlex
from pathlib import Path

from agent.record_tests import record_test_command, test_files
from agent.script_kinds import PYTHON

TEMPLATE = Path(__file__).with_name("reproduce.py")
BEGIN = "# --- parameters (filled in when the script is written) ---\n"
END = "# --- end of parameters ---\n"
DEFAULT_TEST_CMD = "python3 -m pytest -rA"
MAX_TIMEOUT = 90.0
READERS = ("pytest", "django", "sympy")
PARSERS_LINE = 'PARSERS = {"pytest": pytest_results, "django": django_results, "sympy": sympy_results}'
FORMATS = {"parse_log_django": "django", "parse_log_sympy": "sympy", "django": "django", "sympy": "sympy"}


def test_command(instance) -> tuple[str, str]:
    """(shell command running the instance's tests on the test patch's files, log format:
    pytest / django / sympy). Any record-like object will do (missing fields: a local instance)."""
    if getattr(instance, "is_swebench", False):
        from codefix.core.datasets import with_v5_fields

        instance = with_v5_fields(instance)  # a classic record built without load_dataset
    fmt = FORMATS.get(getattr(instance, "log_parser", "pytest"), "pytest")
    command = record_test_command(instance)
    if command:
        return command, fmt
    if getattr(instance, "is_swebench", False) and getattr(instance, "eval_script", None):
        return DEFAULT_TEST_CMD, fmt  # an eval script without markers
    return " ".join([DEFAULT_TEST_CMD, *(shlex.quote(f) for f in test_files(instance))]), fmt


def reproduction_script(instance, kind: str = PYTHON) -> str:
    """`reproduce.py` with the instance's parameters in place of the template's, keeping only the
    result reader of the instance's log format (a script as long as a model would write); for a
    shell script (`kind` SHELL, as the prompt asks outside Python), `reproduce.sh`'s (`shell.py`)."""
    if kind != PYTHON:
        from agent.models.test_doubles.gold_script.shell import shell_reproduction_script

        return shell_reproduction_script(instance)
    command, fmt = test_command(instance)
    timeout = min(float(getattr(instance, "test_timeout", None) or MAX_TIMEOUT), MAX_TIMEOUT)
    params = (
        f"INSTANCE_ID = {instance.instance_id!r}\n"
        f"TEST_PATCH = {getattr(instance, 'test_patch', '') or ''!r}\n"
        f"TEST_COMMAND = {command!r}\n"
        f"LOG_FORMAT = {fmt!r}\n"
        f"TESTS = {list(instance.FAIL_TO_PASS)!r}\n"
        f"TIMEOUT = {timeout!r}\n"
    )
    return filled(TEMPLATE, params, lambda tail: _only_reader(tail, fmt))


def _only_reader(code: str, fmt: str) -> str:
    """`code` without the `<format>_results` functions of the other formats."""
    blocks = code.split("\n\n\n")
    kept = [b for b in blocks if not any(b.startswith(f"def {other}_results(") for other in READERS if other != fmt)]
    return "\n\n\n".join(kept).replace(PARSERS_LINE, f'PARSERS = {{"{fmt}": {fmt}_results}}')


def filled(template: Path, params: str, keep=lambda tail: tail) -> str:
    """`template` with `params` between its BEGIN and END lines, the part after END passed through `keep`."""
    head, rest = template.read_text(encoding="utf-8").split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + params + END + keep(tail)
