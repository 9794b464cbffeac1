"""Grade the log of an evaluation script with swebench's own parsers and grading.

The log is what `sandbox.specs.eval_script` printed (stdout and stderr together). The test
output is the part between swebench's start and end markers; it is parsed by the repository's
parser (`MAP_REPO_TO_PARSER`) for a SWE-bench instance, or by the parser named in
`instance.log_parser` for a local one, and the per-test report and the FULL/PARTIAL/NO status
come from `get_eval_tests_report` and `get_resolution_status`. Like swebench, a log without
both markers, or carrying one of the harness's failure codes, resolves nothing; unlike it, we
say why, and still report the tests a run cut short had finished.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from codefix.errors import InputError
from codefix.instance import Instance

RESOLVED_FULL = "RESOLVED_FULL"


class GradeReport(BaseModel):
    """The verdict read from one evaluation log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resolved: bool = False
    """True when every FAIL_TO_PASS and PASS_TO_PASS test passed in a complete run."""
    status: str = "RESOLVED_NO"
    """swebench's resolution status: RESOLVED_FULL, RESOLVED_PARTIAL or RESOLVED_NO."""
    fail_to_pass: dict[str, list[str]] = Field(default_factory=dict)
    """swebench's report for FAIL_TO_PASS: {"success": [...], "failure": [...]}."""
    pass_to_pass: dict[str, list[str]] = Field(default_factory=dict)
    """swebench's report for PASS_TO_PASS: {"success": [...], "failure": [...]}."""
    test_status: dict[str, str] = Field(default_factory=dict)
    """Every test the parser found in the log -> PASSED/FAILED/SKIPPED/ERROR/XFAIL."""
    tests_ran: bool = False
    """True when the log shows the test command started (the start marker is there)."""
    complete: bool = False
    """True when the test command also finished (the end marker is there)."""
    reason: str = ""
    """Why nothing (or not everything) could be graded; empty for a complete run."""


def grade(instance: Instance, log_text: str) -> GradeReport:
    """Grade `log_text` against the instance's FAIL_TO_PASS and PASS_TO_PASS."""
    from swebench.harness.constants import (
        APPLY_PATCH_FAIL,
        END_TEST_OUTPUT,
        RESET_FAILED,
        START_TEST_OUTPUT,
        TESTS_ERROR,
        TESTS_TIMEOUT,
    )

    codes = (APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT)
    failure = next((code for code in codes if code in log_text), None)
    if failure is not None:
        return _empty(instance, f"the log reports {failure.strip('> ')!r}: {_FAILURE_REASONS[failure]}")
    if not log_text.strip():
        return _empty(instance, "the log is empty")
    if START_TEST_OUTPUT not in log_text:
        reason = "no start-of-tests marker in the log: the tests never started (or a truncation cut it out)"
        return _empty(instance, reason)
    after_start = log_text.split(START_TEST_OUTPUT, 1)[1]
    complete = END_TEST_OUTPUT in after_start
    test_output = after_start.split(END_TEST_OUTPUT, 1)[0]
    parser, spec = _parser(instance)
    try:
        status_map = parser(test_output, spec) or parser(log_text, spec)
    except Exception as exc:  # swebench's parsers index into lines and can trip on odd output
        reason = f"swebench's log parser failed on this log: {type(exc).__name__}: {exc}"
        return _empty(instance, reason).model_copy(update={"tests_ran": True})
    report = _report(instance, status_map)
    if not complete:
        reason = "no end-of-tests marker: the test run was cut short (timeout, out of memory, crash)"
        return report.model_copy(update={"resolved": False, "status": "RESOLVED_NO", "reason": reason})
    if not status_map:
        report = report.model_copy(update={"reason": "the tests ran but the parser found no test results"})
    return report.model_copy(update={"complete": True})


def _report(instance: Instance, status_map: dict[str, str]) -> GradeReport:
    from swebench.harness.constants import FAIL_ONLY_REPOS, FAIL_TO_PASS, PASS_TO_PASS, EvalType
    from swebench.harness.grading import get_eval_tests_report, get_resolution_status

    gold = {FAIL_TO_PASS: list(instance.FAIL_TO_PASS), PASS_TO_PASS: list(instance.PASS_TO_PASS)}
    eval_type = EvalType.FAIL_ONLY if instance.repo in FAIL_ONLY_REPOS else EvalType.PASS_AND_FAIL
    tests = get_eval_tests_report(status_map, gold, eval_type=eval_type)
    status = get_resolution_status(tests)
    return GradeReport(
        resolved=status == RESOLVED_FULL,
        status=status,
        fail_to_pass=tests[FAIL_TO_PASS],
        pass_to_pass=tests[PASS_TO_PASS],
        test_status=dict(status_map),
        tests_ran=True,
    )


def _empty(instance: Instance, reason: str) -> GradeReport:
    return GradeReport(
        fail_to_pass={"success": [], "failure": list(instance.FAIL_TO_PASS)},
        pass_to_pass={"success": [], "failure": list(instance.PASS_TO_PASS)},
        reason=reason,
    )


def _parser(instance: Instance) -> tuple[Callable[[str, object], dict[str, str]], object]:
    """The swebench log parser for this instance, and the test spec it is called with."""
    if instance.is_swebench:
        from swebench.harness.log_parsers import MAP_REPO_TO_PARSER

        from sandbox.specs import offline_test_spec

        if instance.repo not in MAP_REPO_TO_PARSER:
            raise InputError(f"{instance.instance_id}: swebench has no log parser for {instance.repo!r}")
        return MAP_REPO_TO_PARSER[instance.repo], offline_test_spec(instance)
    return parser_by_name(instance.log_parser), None


def parser_by_name(name: str) -> Callable[[str, object], dict[str, str]]:
    """A swebench Python log parser by its short name: pytest, django, sympy, pytest_v2, ..."""
    from swebench.harness.log_parsers import python as parsers

    func = getattr(parsers, f"parse_log_{name}", None)
    if not callable(func):
        known = sorted(n[len("parse_log_") :] for n in dir(parsers) if n.startswith("parse_log_"))
        raise InputError(f"unknown log_parser {name!r}; swebench has: {', '.join(known)}")
    return func


_FAILURE_REASONS = {
    ">>>>> Patch Apply Failed": "the test patch did not apply",
    ">>>>> Reset Failed": "the repository could not be reset",
    ">>>>> Tests Errored": "the test command could not run",
    ">>>>> Tests Timed Out": "the tests were killed at the timeout",
}
