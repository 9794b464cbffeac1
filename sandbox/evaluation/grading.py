"""Grade the log of an evaluation script with swebench's own parsers and grading.

The log is what `sandbox.evaluation.specs.eval_script` printed (stdout and stderr together). The test
output is the part between swebench's start and end markers; it is parsed by the parser the
record names (`instance.log_parser`, a `PARSER_REGISTRY` name) and graded with its `eval_type`;
the per-test report and the FULL/PARTIAL/NO status come from swebench 5's
`get_eval_tests_report` (a skipped FAIL_TO_PASS test is a failure) and `get_resolution_status`.
As in swebench 5, a log without both markers, or carrying one of the harness's failure codes,
resolves nothing; neither does a log with no parsed result and no sign the suite ran, nor one
that reports no failure while the test command's recorded exit status says it failed. Unlike
swebench, we say why, and still report the tests a run cut short had finished. A log that
resolves nothing is classified (`sandbox.evaluation.infra_failures`): an environment fault is an
infrastructure failure, not the patch's.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.errors import InputError
from codefix.core.instance import Instance

RESOLVED_FULL = "RESOLVED_FULL"
KILLED_EXIT = 128 + 9  # bash's status for a command SIGKILL ended (the OOM killer, a supervisor)


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
    exit_code: int | None = None
    """The test command's own exit status as the eval script recorded it (None: not recorded)."""
    infra_failure: str = ""
    """An environment fault the log shows (`out_of_memory`, `killed`, ...): no verdict on the patch."""


def grade(instance: Instance, log_text: str) -> GradeReport:
    """Grade `log_text` against the instance's FAIL_TO_PASS and PASS_TO_PASS."""
    from codefix.core.datasets import with_v5_fields

    instance = with_v5_fields(instance)  # a classic record built without load_dataset
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
        reason = f"the log reports {failure.strip('> ')!r}: {_FAILURE_REASONS[failure]}"
        return _classified(_empty(instance, reason), log_text)
    if not log_text.strip():
        return _empty(instance, "the log is empty")
    if START_TEST_OUTPUT not in log_text:
        reason = "no start-of-tests marker in the log: the tests never started (or a truncation cut it out)"
        return _classified(_empty(instance, reason), log_text)
    after_start = log_text.split(START_TEST_OUTPUT, 1)[1]
    complete = END_TEST_OUTPUT in after_start
    test_output = after_start.split(END_TEST_OUTPUT, 1)[0]
    from swebench.harness.grading import SUITE_RAN, parse_test_exit_code

    parser, spec = _parser(instance)
    try:
        status_map = parser(test_output, spec) or parser(log_text, spec)
    except Exception as exc:  # swebench's parsers index into lines and can trip on odd output
        reason = f"swebench's log parser failed on this log: {type(exc).__name__}: {exc}"
        return _classified(_empty(instance, reason).model_copy(update={"tests_ran": True}), log_text)
    exit_code = parse_test_exit_code(after_start)
    report = _report(instance, status_map).model_copy(update={"exit_code": exit_code})
    if not complete:
        reason = "no end-of-tests marker: the test run was cut short (timeout, out of memory, crash)"
        return _classified(_unresolved(report, reason), log_text)
    if not status_map and not SUITE_RAN.search(log_text):
        reason = "the parser found no test results and nothing shows the test suite ran"
        return _classified(_unresolved(report, reason).model_copy(update={"complete": True}), log_text)
    if exit_code == KILLED_EXIT:
        reason = f"the test command was killed (exit status {KILLED_EXIT}, SIGKILL)"
        return _unresolved(report, reason).model_copy(update={"infra_failure": "killed"})
    if exit_code not in (None, 0) and status_map and not any(s in ("FAILED", "ERROR") for s in status_map.values()):
        reason = (f"the log reports no failing test but the test command exited {exit_code}: "
                  "the log does not describe the run that happened")
        return _unresolved(report, reason).model_copy(update={"complete": True})
    forged = contradicted_tests(instance, parser, spec, test_output)
    if forged:
        more = f" (and {len(forged) - 1} more)" if len(forged) > 1 else ""
        reason = f"the log reports {forged[0]}{more} both FAILED and PASSED: it does not describe one test run"
        return _unresolved(report, reason).model_copy(update={"complete": True})
    if not status_map:
        report = report.model_copy(update={"reason": "the tests ran but the parser found no test results"})
    return report.model_copy(update={"complete": True})


def contradicted_tests(instance: Instance, parser, spec, test_output: str) -> list[str]:
    """FAIL_TO_PASS / PASS_TO_PASS tests that lines of the log report both FAILED and PASSED.

    One test run reports a test once (or several times with one outcome), so such a pair means
    some line was printed by something other than the runner: a patch printing `PASSED <test>`
    after the runner's own FAILED line. swebench 5's exit-status check misses it when some other
    test failed too (the status map then holds a failure). Each line is read on its own with the
    record's parser; parsers that need more than one line find nothing and flag nothing. ERROR is
    left out: pytest reports a test that passed and then failed its teardown with both lines.
    """
    required = set(instance.FAIL_TO_PASS) | set(instance.PASS_TO_PASS)
    seen: dict[str, set[str]] = {}
    for line in test_output.splitlines():
        try:
            found = parser(line, spec)
        except Exception:  # a parser reading one line out of its context may trip; that line says nothing
            continue
        for test, status in found.items():
            if test in required:
                seen.setdefault(test, set()).add(status)
    return sorted(t for t, statuses in seen.items() if {"FAILED", "PASSED"} <= statuses)


def _unresolved(report: GradeReport, reason: str) -> GradeReport:
    return report.model_copy(update={"resolved": False, "status": "RESOLVED_NO", "reason": reason})


def _classified(report: GradeReport, log_text: str) -> GradeReport:
    """An ungraded log's report with the environment fault the log shows, if any. As in swebench 5,
    only a log that yields no verdict is classified: a complete run's failing tests are the patch's."""
    from sandbox.evaluation.infra_failures import environment_failure

    return report.model_copy(update={"infra_failure": environment_failure(log_text) or ""})


def _report(instance: Instance, status_map: dict[str, str]) -> GradeReport:
    from swebench.harness.constants import FAIL_TO_PASS, PASS_TO_PASS, EvalType
    from swebench.harness.grading import get_eval_tests_report, get_resolution_status

    gold = {FAIL_TO_PASS: list(instance.FAIL_TO_PASS), PASS_TO_PASS: list(instance.PASS_TO_PASS)}
    try:
        eval_type = EvalType(instance.eval_type or EvalType.PASS_AND_FAIL.value)
    except ValueError:
        known = ", ".join(t.value for t in EvalType)
        raise InputError(f"{instance.instance_id}: unknown eval_type {instance.eval_type!r}; swebench has: {known}") from None
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
    """The swebench log parser the instance names, and the test spec it is called with."""
    parser = parser_by_name(instance.log_parser)
    if instance.is_swebench:
        from sandbox.evaluation.specs import test_spec

        return parser, test_spec(instance)
    return parser, None


def parser_by_name(name: str) -> Callable[[str, object], dict[str, str]]:
    """A swebench 5 log parser by its `PARSER_REGISTRY` name (`parse_log_pytest_options`), or by
    the short name local instances use (`pytest`, `django`, ...)."""
    from swebench.harness.log_parsers import PARSER_REGISTRY

    func = PARSER_REGISTRY.get(name) or PARSER_REGISTRY.get(f"parse_log_{name}")
    if func is None:
        raise InputError(f"unknown log_parser {name!r}; swebench has: {', '.join(sorted(PARSER_REGISTRY))}")
    return func


_FAILURE_REASONS = {
    ">>>>> Patch Apply Failed": "the test patch did not apply",
    ">>>>> Reset Failed": "the repository could not be reset",
    ">>>>> Tests Errored": "the test command could not run",
    ">>>>> Tests Timed Out": "the tests were killed at the timeout",
}
