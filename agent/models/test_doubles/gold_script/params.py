"""The host side of the gold reproduction script: which command runs an instance's tests and how
its output reads, taken from the SWE-bench specs (the harness's own test command for the
repository and version, on the test patch's files) or from a local instance's `test_cmd`."""

from __future__ import annotations

import shlex
from pathlib import Path

TEMPLATE = Path(__file__).with_name("reproduce.py")
BEGIN = "# --- parameters (filled in when the script is written) ---\n"
END = "# --- end of parameters ---\n"
DEFAULT_TEST_CMD = "python3 -m pytest -rA"
MAX_TIMEOUT = 90.0
READERS = ("pytest", "django", "sympy")
PARSERS_LINE = 'PARSERS = {"pytest": pytest_results, "django": django_results, "sympy": sympy_results}'
FORMATS = {"parse_log_django": "django", "parse_log_sympy": "sympy", "django": "django", "sympy": "sympy"}


def test_files(instance) -> list[str]:
    """The test files (Django: test modules) the test patch names, as swebench derives them."""
    if not (getattr(instance, "test_patch", "") or "").strip():
        return []
    from swebench.harness.test_spec.python import get_test_directives

    return get_test_directives({"repo": getattr(instance, "repo", ""), "test_patch": instance.test_patch})


def test_command(instance) -> tuple[str, str]:
    """(shell command running the instance's tests on the test patch's files, log format:
    pytest / django / sympy). Any record-like object will do (missing fields: a local instance)."""
    log_parser = getattr(instance, "log_parser", "pytest")
    if getattr(instance, "is_swebench", False):
        from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS
        from swebench.harness.log_parsers import MAP_REPO_TO_PARSER

        spec = MAP_REPO_VERSION_TO_SPECS.get(instance.repo, {}).get(instance.version, {})
        base = spec.get("test_cmd") or DEFAULT_TEST_CMD
        if isinstance(base, list):
            base = " && ".join(base)
        parser = MAP_REPO_TO_PARSER.get(instance.repo)
        fmt = FORMATS.get(getattr(parser, "__name__", ""), "pytest")
        return " ".join([base, *test_files(instance)]), fmt
    if getattr(instance, "test_cmd", None):
        return instance.test_cmd, FORMATS.get(log_parser, "pytest")
    return " ".join([DEFAULT_TEST_CMD, *(shlex.quote(f) for f in test_files(instance))]), FORMATS.get(log_parser, "pytest")


def reproduction_script(instance) -> str:
    """`reproduce.py` with the instance's parameters in place of the template's, keeping only the
    result reader of the instance's log format (a script as long as a model would write)."""
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
    text = TEMPLATE.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + params + END + _only_reader(tail, fmt)


def _only_reader(code: str, fmt: str) -> str:
    """`code` without the `<format>_results` functions of the other formats."""
    blocks = code.split("\n\n\n")
    kept = [b for b in blocks if not any(b.startswith(f"def {other}_results(") for other in READERS if other != fmt)]
    return "\n\n\n".join(kept).replace(PARSERS_LINE, f'PARSERS = {{"{fmt}": {fmt}_results}}')
