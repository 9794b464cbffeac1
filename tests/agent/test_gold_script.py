"""The gold double's reproduction script reads test results as swebench's own parsers do, runs
each repository's own test command, and maps results to the exit-code contract (pure parts)."""

from __future__ import annotations

import json

import pytest

from agent.models.test_doubles.gold_script import reproduce
from agent.models.test_doubles.gold_script.params import reproduction_script
from agent.models.test_doubles.gold_script.params import test_command as command_for
from codefix.core.instance import Instance
from tests.selection.shared_data import VERIFIED, need

PYTEST_LOG = """\
============================= test session starts ==============================
tests/test_utils.py::test_a PASSED                                       [ 33%]
=========================== short test summary info ============================
PASSED tests/test_utils.py::test_a
PASSED tests/test_utils.py::test_prepend[http://user:pass@example.com/path?query-http://user:pass@example.com/path?query]
FAILED tests/test_utils.py::test_b - AssertionError: assert 1 == 2
ERROR tests/test_utils.py::test_c - ImportError: cannot import name 'x'
SKIPPED [1] tests/test_utils.py:10: no network
XFAIL tests/test_utils.py::test_d
PASSED tests/test_io.py::test_read[/tmp/pytest-of-root/pytest-0/data.txt]
\x1b[32mPASSED\x1b[0m tests/test_color.py::test_e
"""

DJANGO_LOG = """\
test_ascii_validator (auth_tests.test_validators.UsernameValidatorsTests) ... ok
test_unicode_validator (auth_tests.test_validators.UsernameValidatorsTests) ... FAIL
test_broken (auth_tests.test_validators.UsernameValidatorsTests) ... ERROR
test_skip (auth_tests.test_validators.UsernameValidatorsTests) ... skipped 'no db'
test_slow (auth_tests.test_validators.UsernameValidatorsTests) ... System check identified no issues (0 silenced).
ok
======================================================================
FAIL: test_unicode_validator (auth_tests.test_validators.UsernameValidatorsTests)
"""

SYMPY_LOG = """\
sympy/core/tests/test_basic.py[22]
test__aresame ok
test_immutable F
test_broken E
test_slow_one ok
________________________________________________________________________________
____________ sympy/core/tests/test_basic.py:test_immutable _____________________
AssertionError
"""

LOGS = {"pytest": PYTEST_LOG, "django": DJANGO_LOG, "sympy": SYMPY_LOG}
REPO_OF_FORMAT = {"pytest": ["psf/requests", "pytest-dev/pytest", "scikit-learn/scikit-learn", "astropy/astropy",
                             "matplotlib/matplotlib", "pylint-dev/pylint", "sphinx-doc/sphinx", "pydata/xarray"],
                  "django": ["django/django"], "sympy": ["sympy/sympy"]}


@pytest.mark.parametrize("fmt,repo", [(f, r) for f, repos in REPO_OF_FORMAT.items() for r in repos])
def test_the_script_reads_every_test_swebench_reads_with_the_same_status(fmt, repo):
    from swebench.harness.log_parsers import PARSER_REGISTRY

    from codefix.core.classic_records import classic_log_parser

    theirs = PARSER_REGISTRY[classic_log_parser(repo)](LOGS[fmt], None)
    # swebench 5's pytest_v2 parser keeps an ERROR line's " - <message>" in the test's name; such a
    # name is no test id (no FAIL_TO_PASS entry has one), so it is left out of the comparison
    theirs = {name: status for name, status in theirs.items() if " - " not in name}
    ours = reproduce.PARSERS[fmt](LOGS[fmt])
    assert theirs, "the sample log must give swebench something to read"
    assert {name: ours.get(name) for name in theirs} == theirs


def test_pytest_results_know_failures_errors_and_path_parameters():
    found = reproduce.pytest_results(PYTEST_LOG)
    assert found["tests/test_utils.py::test_b"] == "FAILED"
    assert found["tests/test_utils.py::test_c"] == "ERROR"
    assert found["tests/test_io.py::test_read[/data.txt]"] == "PASSED"
    assert found["tests/test_color.py::test_e"] == "PASSED"


def test_verdict_follows_the_exit_code_contract(monkeypatch):
    monkeypatch.setattr(reproduce, "TESTS", ["a", "b"])
    assert reproduce.verdict({"a": "PASSED", "b": "XFAIL"}, False)[0] == 0
    assert reproduce.verdict({"a": "PASSED", "b": "FAILED"}, False)[0] == 2
    assert reproduce.verdict({"a": "PASSED", "other": "PASSED"}, False)[0] == 2  # b never ran
    assert reproduce.verdict({"a": "PASSED", "b": "PASSED"}, True)[0] == 2  # hung
    code, message = reproduce.verdict({}, False)
    assert code == 1 and "no test results" in message


def _inst(**kw) -> Instance:
    fields = dict(instance_id="o__r-1", repo="o/r", base_commit="abc", problem_statement="bug", patch="",
                  test_patch="diff --git a/tests/test_m.py b/tests/test_m.py\n--- a/tests/test_m.py\n+++ b/tests/test_m.py\n"
                             "@@ -1 +1,2 @@\n x = 1\n+y = 2\n", FAIL_TO_PASS=["tests/test_m.py::test_f"])
    return Instance(**(fields | kw))


def test_a_local_instance_uses_its_own_test_command_and_parser():
    assert command_for(_inst(source=None, image="img", test_cmd="make check", log_parser="django")) == ("make check", "django")
    command, fmt = command_for(_inst(image="img"))
    assert command == "python3 -m pytest -rA tests/test_m.py" and fmt == "pytest"


def test_every_verified_instance_gets_its_specs_test_command_and_a_script_that_compiles():
    from codefix.core.classic_records import version_spec

    records = [json.loads(line) for line in need(VERIFIED).read_text().splitlines()]
    formats = {}
    for rec in records:
        inst = Instance(**rec)
        command, fmt = command_for(inst)
        assert command.startswith(version_spec(inst.repo, inst.version)["test_cmd"]), inst.instance_id
        formats.setdefault(inst.repo, set()).add(fmt)
    assert formats["sympy/sympy"] == {"sympy"} and formats["django/django"] == {"django"}
    assert formats["psf/requests"] == {"pytest"}
    script = reproduction_script(Instance(**records[0]))
    compile(script, "reproduce.py", "exec")
    assert repr(Instance(**records[0]).FAIL_TO_PASS) in script
