"""Grading as swebench 5 grades, on small literal logs: the test command's own exit status against
the log, a skipped FAIL_TO_PASS test, the suite-ran check, the record's eval_type, and
infrastructure failures told apart from a patch's failure."""

from __future__ import annotations

import pytest

from codefix.core.errors import InputError
from codefix.core.instance import Instance
from sandbox.evaluation.grading import grade, parser_by_name
from sandbox.evaluation.infra_failures import environment_failure

START = "+ : '>>>>> Start Test Output'"
END = "+ : '>>>>> End Test Output'"
F2P = ["tests/test_utils.py::test_a", "tests/test_utils.py::test_b"]
P2P = ["tests/test_utils.py::test_c"]


def record(**fields) -> Instance:
    """A swebench 5 record (its own image, eval script, parser and eval type)."""
    base = dict(instance_id="psf__requests-6028", repo="psf/requests", base_commit="0" * 40, problem_statement="p",
                FAIL_TO_PASS=F2P, PASS_TO_PASS=P2P, version="2.99", image="example/requests:latest",
                eval_script=f"#!/bin/bash\nset -uxo pipefail\n: '{START[4:]}'\npytest -rA tests/test_utils.py\n"
                            f": '{END[4:]}'\n",
                log_parser="parse_log_pytest_options", eval_type="pass_and_fail")
    return Instance(**(base | fields))


def log(*results: str, exit_code: int | None = 0, after: str = "") -> str:
    lines = [START, "+ pytest -rA tests/test_utils.py", "collected 3 items", *results, after]
    if exit_code is not None:
        lines.append(f"+ SWEBENCH_TEST_EXIT_CODE={exit_code}")
    lines.append(END)
    if exit_code is not None:
        lines += [f"+ echo '>>>>> Test Exit Code: {exit_code}'", f">>>>> Test Exit Code: {exit_code}"]
    return "\n".join(lines) + "\n"


ALL_PASS = tuple(f"PASSED {t}" for t in F2P + P2P)


def test_a_passing_run_that_exited_zero_is_resolved():
    report = grade(record(), log(*ALL_PASS))
    assert report.resolved and report.exit_code == 0 and not report.infra_failure


def test_printed_passed_lines_while_the_test_command_failed_are_not_resolved():
    # a patch printing "PASSED <test>" for every test at interpreter exit, after pytest's own
    # FAILED lines: the log alone reads all passed, but pytest exited 1
    forged = log("FAILED tests/test_utils.py::test_a - AssertionError", *ALL_PASS, exit_code=1)
    report = grade(record(), forged)
    assert not report.resolved and report.exit_code == 1
    assert "the test command exited 1" in report.reason and not report.infra_failure


def test_a_log_without_a_recorded_exit_status_is_read_as_before():
    assert grade(record(), log(*ALL_PASS, exit_code=None)).resolved


def test_a_skipped_fail_to_pass_test_is_not_a_resolution():
    skipped = log(*(f"SKIPPED {t}" for t in F2P), f"PASSED {P2P[0]}")
    report = grade(record(), skipped)
    assert not report.resolved and report.fail_to_pass["failure"] == F2P


def test_a_skipped_pass_to_pass_test_is_no_regression():
    report = grade(record(), log(*(f"PASSED {t}" for t in F2P), f"SKIPPED {P2P[0]}"))
    assert report.resolved


def test_no_results_and_no_sign_the_suite_ran_is_not_a_pass_under_fail_only():
    report = grade(record(eval_type="fail_only"), log("the browser could not start"))
    assert not report.resolved and "nothing shows the test suite ran" in report.reason


def test_fail_only_counts_only_failures():
    other_fails = log("FAILED tests/test_utils.py::test_other", exit_code=1)
    assert grade(record(eval_type="fail_only"), other_fails).resolved
    assert not grade(record(eval_type="pass_and_fail"), other_fails).resolved
    assert not grade(record(eval_type="fail_only"), log("FAILED tests/test_utils.py::test_a", exit_code=1)).resolved


def test_an_unknown_eval_type_is_an_input_error():
    with pytest.raises(InputError, match="unknown eval_type 'both'"):
        grade(record(eval_type="both"), log(*ALL_PASS))


def test_parsers_are_found_by_their_registry_name_or_short_name():
    from swebench.harness.log_parsers import PARSER_REGISTRY

    assert parser_by_name("parse_log_pytest_options") is PARSER_REGISTRY["parse_log_pytest_options"]
    assert parser_by_name("django") is PARSER_REGISTRY["parse_log_django"]
    with pytest.raises(InputError, match="unknown log_parser 'parse_log_nose'"):
        parser_by_name("parse_log_nose")


def test_a_killed_test_command_is_an_infrastructure_failure():
    killed = log("PASSED tests/test_utils.py::test_a", exit_code=137,
                 after="/root/codefix_eval.sh: line 12:   231 Killed                  pytest -rA tests/test_utils.py")
    report = grade(record(), killed)
    assert not report.resolved and report.infra_failure == "killed"


def test_an_ungraded_log_showing_an_environment_fault_is_an_infrastructure_failure():
    report = grade(record(), "+ cd /testbed\nCannot connect to the Docker daemon at unix:///var/run/docker.sock\n")
    assert not report.resolved and report.infra_failure == "container_unavailable"
    cut = grade(record(), f"{START}\ncollected 3 items\nKilled\n")  # the whole script was killed mid-run
    assert not cut.complete and cut.infra_failure == "out_of_memory"


def test_a_complete_run_with_failing_tests_is_the_patchs_failure_whatever_it_printed():
    failing = log("FAILED tests/test_utils.py::test_a - ConnectionError", "PASSED tests/test_utils.py::test_b",
                  f"PASSED {P2P[0]}", exit_code=1, after="Could not resolve host: example.com")
    report = grade(record(), failing)
    assert not report.resolved and not report.infra_failure


def test_the_signature_table_leaves_ambiguous_signs_to_the_patch():
    assert environment_failure("collected 0 items\nno tests ran") is None  # a patch can do that
    assert environment_failure("Temporary failure in name resolution") == "network_unreachable"
    assert environment_failure("/x.sh: line 3:  77 Killed   make test") == "killed"
    assert environment_failure("all fine") is None


def test_printed_passed_lines_are_not_resolved_when_another_test_failed_too():
    # the exit status alone cannot tell: an unrelated test failed, so the status map holds a
    # failure; the required test's own FAILED line, then a printed PASSED line, can
    forged = log("FAILED tests/test_utils.py::test_a - AssertionError", "FAILED tests/test_utils.py::test_net",
                 *ALL_PASS, exit_code=1)
    report = grade(record(), forged)
    assert not report.resolved
    assert "tests/test_utils.py::test_a both FAILED and PASSED" in report.reason


def test_a_required_test_passing_while_another_fails_is_still_resolved():
    honest = log(*ALL_PASS, "FAILED tests/test_utils.py::test_net - ConnectionError", exit_code=1)
    assert grade(record(), honest).resolved


def test_a_passed_test_with_a_teardown_error_is_no_contradiction():
    teardown = log(*ALL_PASS, "ERROR tests/test_utils.py::test_a - RuntimeError: teardown", exit_code=1)
    assert "both FAILED and PASSED" not in grade(record(), teardown).reason
