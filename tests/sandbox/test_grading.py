"""Grading evaluation logs: small literal logs, each naming the bug it guards against."""

from __future__ import annotations

import pytest

from codefix.core.errors import InputError
from codefix.core.instance import Instance
from sandbox.evaluation.grading import GradeReport, grade, parser_by_name

START = "+ : '>>>>> Start Test Output'"
END = "+ : '>>>>> End Test Output'"


def local(**fields) -> Instance:
    base = dict(
        instance_id="acme__shop-1",
        repo="acme/shop",
        base_commit="",
        problem_statement="totals are wrong",
        FAIL_TO_PASS=["tests/test_cart.py::test_total", "tests/test_cart.py::test_discount"],
        PASS_TO_PASS=["tests/test_cart.py::test_empty"],
        version="1.0",
        image="acme-shop:latest",
    )
    return Instance(**{**base, **fields})


def django() -> Instance:
    return Instance(
        instance_id="django__django-11099",
        repo="django/django",
        base_commit="d26b2424437dabeeca94d7900b37d2df4410da0c",
        problem_statement="UsernameValidator allows trailing newline",
        FAIL_TO_PASS=["test_ascii_validator (auth_tests.test_validators.UsernameValidatorsTests)"],
        PASS_TO_PASS=["test_help_text (auth_tests.test_validators.UserAttributeSimilarityValidatorTest)"],
        version="3.0",
    )


def pytest_log(*summary: str, before: str = "", end: bool = True) -> str:
    lines = [
        "+ cd /testbed",
        "+ git apply -v -",
        "Applied patch tests/test_cart.py cleanly.",
        before,
        START,
        "+ python3 -m pytest -rA tests/test_cart.py",
        "============================= test session starts ==============================",
        "collected 3 items",
        "",
        "tests/test_cart.py ...                                                   [100%]",
        "=========================== short test summary info ============================",
        *summary,
    ]
    if end:
        lines += [END, "+ git checkout HEAD -- tests/test_cart.py"]
    return "\n".join(lines) + "\n"


ALL_PASS = (
    "PASSED tests/test_cart.py::test_total",
    "PASSED tests/test_cart.py::test_discount",
    "PASSED tests/test_cart.py::test_empty",
)


def test_all_required_tests_passing_is_resolved():
    report = grade(local(), pytest_log(*ALL_PASS))
    assert isinstance(report, GradeReport)
    assert report.resolved and report.status == "RESOLVED_FULL"
    assert report.tests_ran and report.complete and report.reason == ""
    assert report.fail_to_pass == {"success": local().FAIL_TO_PASS, "failure": []}
    assert report.test_status["tests/test_cart.py::test_empty"] == "PASSED"


def test_a_broken_pass_to_pass_test_is_not_resolved_even_when_the_bug_is_fixed():
    log = pytest_log(*ALL_PASS[:2], "FAILED tests/test_cart.py::test_empty - AssertionError: 1 != 0")
    report = grade(local(), log)
    assert not report.resolved and report.status == "RESOLVED_NO"
    assert report.pass_to_pass == {"success": [], "failure": ["tests/test_cart.py::test_empty"]}
    assert report.test_status["tests/test_cart.py::test_empty"] == "FAILED"


def test_a_fail_to_pass_test_missing_from_the_log_counts_as_failing():
    # Guards against "not seen" being read as "not failed": a test that never ran fixes nothing.
    report = grade(local(), pytest_log(ALL_PASS[0], ALL_PASS[2]))
    assert not report.resolved and report.status == "RESOLVED_PARTIAL"
    assert report.fail_to_pass["failure"] == ["tests/test_cart.py::test_discount"]


def cut_middle(text: str, head: int, tail: int) -> str:
    """What the sandbox does to long output: keep the head and the tail around a marker."""
    return text[:head] + f"\n[... {len(text) - head - tail} characters omitted ...]\n" + text[-tail:]


def test_a_log_truncated_in_the_middle_is_graded_from_what_is_left():
    # A test printed megabytes; the cut took the middle. pytest's summary sits in the tail.
    noise = "\n".join(f"E   line {i} of a huge assertion diff" for i in range(5000))
    full = pytest_log(*ALL_PASS).replace("collected 3 items", f"collected 3 items\n{noise}")
    cut = cut_middle(full, head=1000, tail=400)
    assert START in cut and END in cut and "line 2500 " not in cut
    report = grade(local(), cut)
    assert report.resolved and report.complete


def test_a_truncation_that_cut_out_test_results_leaves_them_failing():
    # Django prints each verdict as it goes: results lost in the cut are not passes.
    noise = "\n".join(f"test_{i} (auth_tests.Noise) ... ok" for i in range(3000))
    full = DJANGO_LOG.replace("{verdict}", "ok").replace("Importing application auth_tests", noise)
    cut = cut_middle(full, head=len(full.split("test_1500 ")[0]), tail=300)
    assert "test_ascii_validator" in cut and "test_help_text" not in cut
    report = grade(django(), cut)
    assert not report.resolved and report.complete
    assert report.pass_to_pass["failure"] == django().PASS_TO_PASS


def test_a_log_cut_short_without_the_end_marker_is_not_resolved_but_reports_what_ran():
    # Killed at the timeout: every result so far may be green, yet the run did not finish.
    report = grade(local(), pytest_log(*ALL_PASS, end=False))
    assert not report.resolved and report.status == "RESOLVED_NO"
    assert report.tests_ran and not report.complete
    assert "cut short" in report.reason
    assert report.fail_to_pass["success"] == local().FAIL_TO_PASS


def test_a_log_ending_mid_line_is_cut_short():
    log = pytest_log(*ALL_PASS)
    report = grade(local(), log[: log.index("PASSED tests/test_cart.py::test_empty") + 10])
    assert not report.resolved and not report.complete
    assert report.pass_to_pass["failure"] == ["tests/test_cart.py::test_empty"]


def test_a_log_without_markers_ran_no_tests():
    # Guards against parsing PASSED lines printed outside the test run (e.g. by the patch itself).
    report = grade(local(), "+ cd /testbed\nPASSED tests/test_cart.py::test_total\nbash: git: command not found\n")
    assert not report.resolved and not report.tests_ran
    assert "no start-of-tests marker" in report.reason
    assert report.fail_to_pass["failure"] == local().FAIL_TO_PASS


def test_an_empty_log_ran_no_tests():
    report = grade(local(), "")
    assert not report.resolved and not report.tests_ran and report.reason == "the log is empty"
    assert report.pass_to_pass == {"success": [], "failure": ["tests/test_cart.py::test_empty"]}


def test_a_test_patch_that_did_not_apply_is_named():
    log = (
        "+ git apply -v -\nerror: patch failed: tests/test_cart.py:3\n"
        "+ echo '>>>>> Patch Apply Failed'\n>>>>> Patch Apply Failed\n"
    )
    report = grade(local(), log)
    assert not report.resolved and not report.tests_ran
    assert "test patch did not apply" in report.reason


def test_tests_ran_but_nothing_parsed_says_so():
    log = f"{START}\n+ python3 -m pytest -rA\nImportError while loading conftest\n{END}\n"
    report = grade(local(), log)
    assert not report.resolved and report.tests_ran and report.complete
    assert "no test results" in report.reason


DJANGO_LOG = f"""+ git apply -v -
Checking patch tests/auth_tests/test_validators.py...
Applied patch tests/auth_tests/test_validators.py cleanly.
{START}
+ ./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 auth_tests.test_validators
Testing against Django installed in '/testbed/django'
Importing application auth_tests
test_help_text (auth_tests.test_validators.UserAttributeSimilarityValidatorTest) ... ok
test_ascii_validator (auth_tests.test_validators.UsernameValidatorsTests) ... {{verdict}}
----------------------------------------------------------------------
Ran 2 tests in 0.012s
{END}
+ git checkout d26b2424437dabeeca94d7900b37d2df4410da0c tests/auth_tests/test_validators.py
"""


def test_django_log_resolved_with_the_django_parser():
    # Guards against grading a SWE-bench repo with the pytest parser (django prints "... ok").
    report = grade(django(), DJANGO_LOG.replace("{verdict}", "ok"))
    assert report.resolved and report.status == "RESOLVED_FULL"


def test_django_log_failing_test_is_not_resolved():
    report = grade(django(), DJANGO_LOG.replace("{verdict}", "FAIL"))
    assert not report.resolved
    assert report.fail_to_pass["failure"] == django().FAIL_TO_PASS
    assert report.pass_to_pass["success"] == django().PASS_TO_PASS


def test_local_instances_choose_the_parser_by_name():
    # A local instance whose tests run with Django's runner names the django parser.
    inst = local(FAIL_TO_PASS=django().FAIL_TO_PASS, PASS_TO_PASS=django().PASS_TO_PASS, log_parser="django")
    assert grade(inst, DJANGO_LOG.replace("{verdict}", "ok")).resolved
    assert not grade(local(FAIL_TO_PASS=inst.FAIL_TO_PASS, PASS_TO_PASS=inst.PASS_TO_PASS),
                     DJANGO_LOG.replace("{verdict}", "ok")).resolved


def test_an_unknown_parser_name_is_one_clear_input_error():
    with pytest.raises(InputError, match="unknown log_parser 'nose'.*pytest"):
        parser_by_name("nose")
    with pytest.raises(InputError):
        grade(local(log_parser="nose"), pytest_log(*ALL_PASS))


def test_a_log_that_trips_swebenchs_parser_is_graded_unresolved_with_the_reason():
    # swebench 5's jekyll parser raises on a jekyll instance it does not know.
    inst = Instance(
        instance_id="jekyll__jekyll-1",
        repo="jekyll/jekyll",
        base_commit="0f5a013e2cf43562deec3b879458e59a73853813",
        problem_statement="a bug",
        FAIL_TO_PASS=["tests/test_a.py::test_x"],
        version="4.3",
        image="example/jekyll:latest",
        eval_script=f"#!/bin/bash\n: '{START}'\nbundle exec rake test\n: '{END}'\n",
        log_parser="parse_log_jekyll",
    )
    report = grade(inst, f"{START}\n PASSED \n{END}\n")
    assert not report.resolved and report.tests_ran
    assert report.reason.startswith("swebench's log parser failed on this log: ValueError: Unknown instance id")
