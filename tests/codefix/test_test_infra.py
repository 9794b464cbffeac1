"""Grading integrity: patches that touch test infrastructure are flagged, and never win selection
for it while another candidate is left."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codefix.core.ledger import Ledger
from codefix.core.test_infra import eval_test_files, infrastructure_paths, instance_infrastructure_paths
from selection.candidates import build_pool
from selection.stage import SelectionConfig, run_selection
from tests.agent.fakes import ScriptedModel


def diff(path: str, new: bool = False) -> str:
    old = "/dev/null" if new else f"a/{path}"
    hunk = "@@ -0,0 +1 @@\n+x\n" if new else "@@ -1 +1 @@\n-a\n+b\n"
    return f"diff --git a/{path} b/{path}\n--- {old}\n+++ b/{path}\n{hunk}"


FLAGGED = {
    "root conftest": "conftest.py",
    "nested conftest": "tests/unit/conftest.py",
    "pytest.ini": "pytest.ini",
    "pytest plugin": "src/pytest_forcepass.py",
    "sitecustomize": "sitecustomize.py",
    "usercustomize": "lib/usercustomize.py",
    ".pth": "zz_evil.pth",
    "the eval's test file": "tests/test_parser.py",
    "a test named by id": "tests/test_other.py",
}
TEST_PATCH = diff("tests/test_parser.py")


@pytest.mark.parametrize("path", FLAGGED.values(), ids=FLAGGED.keys())
def test_test_infrastructure_is_flagged(path):
    tests = eval_test_files(TEST_PATCH, ["tests/test_other.py::test_x", "test_thing (module.TestCase)"])
    assert infrastructure_paths(diff("src/fix.py") + diff(path, new=True), tests) == [path]


def edit(path: str, *lines: str, section: str = "") -> str:
    """A diff of `path` adding `lines` after one line of context (`section` on the @@ line)."""
    body = "".join(f"+{line}\n" for line in lines)
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -1,1 +1,{1 + len(lines)} @@{' ' + section if section else ''}\n context\n{body}")


BYPASSES = {  # each graded resolved by `evaluate --strict` before: a forcing plugin or a patched report
    ".pytest.ini": diff(".pytest.ini", new=True).replace("+x", "+[pytest]"),
    "pytest.toml": diff("pytest.toml", new=True),
    "pyproject addopts plugin": edit("pyproject.toml", "addopts = \"-p pkg.plugin\""),
    "pyproject [tool.pytest.ini_options]": edit("pyproject.toml", "[tool.pytest.ini_options]", "minversion = \"6\""),
    "tox.ini [pytest] in the hunk header": edit("tox.ini", "  -p pkg.force", section="[pytest]"),
    "setup.cfg [tool:pytest]": edit("setup.cfg", "[tool:pytest]", "addopts = -p pkg.force"),
    "setup.py pytest11 entry point": edit("setup.py", "    entry_points={'pytest11': ['force = pkg.force']},"),
    "source module patching _pytest.reports": edit("pkg/core.py", "import _pytest.reports",
                                                  "_pytest.reports.TestReport.outcome = 'passed'"),
    "source module with a pytest hook": edit("pkg/force.py", "def pytest_runtest_makereport(item, call):"),
    "source module importing pytest": edit("pkg/force.py", "from pytest import hookimpl"),
    "a string naming the internals": edit("pkg/core.py", "m = sys.modules['_pytest.runner']"),
}


@pytest.mark.parametrize("patch", BYPASSES.values(), ids=BYPASSES.keys())
def test_pytest_configuration_and_code_reaching_into_pytest_are_test_infrastructure(patch):
    from codefix.core.test_infra import patch_files

    assert infrastructure_paths(diff("src/fix.py") + patch) == patch_files(patch)


NOT_INFRA = {
    "pyproject metadata": edit("pyproject.toml", "version = \"1.1\""),
    "setup.cfg metadata": edit("setup.cfg", "[metadata]", "name = pkg"),
    "tox.ini envlist": edit("tox.ini", "envlist = py311", section="[tox]"),
    "pytest's own source": edit("src/_pytest/reports.py", "from _pytest._code import ExceptionInfo"),
    "a test helper importing pytest": edit("pkg/testing/helpers.py", "import pytest"),
    "a new test": edit("tests/test_new.py", "import pytest", "from _pytest.monkeypatch import MonkeyPatch"),
    "a word that only contains pytest": edit("pkg/core.py", "MY_PYTESTS = 1  # mypytest_thing"),
}


@pytest.mark.parametrize("patch", NOT_INFRA.values(), ids=NOT_INFRA.keys())
def test_source_and_metadata_edits_beside_pytest_are_not_flagged(patch):
    assert infrastructure_paths(patch) == []


@pytest.mark.parametrize("path", ["src/fix.py", "conftest_helpers.py", "tests/test_new_feature.py", "docs/pytest.md",
                                  "pyproject.toml"])
def test_source_edits_are_not_flagged(path):
    assert infrastructure_paths(diff(path), eval_test_files(TEST_PATCH)) == []


def test_flags_for_an_instance_use_its_test_patch_and_test_ids():
    inst = SimpleNamespace(test_patch=TEST_PATCH, FAIL_TO_PASS=["tests/test_a.py::t"], PASS_TO_PASS=[])
    assert instance_infrastructure_paths(inst, diff("tests/test_a.py") + diff("x.py")) == ["tests/test_a.py"]
    assert instance_infrastructure_paths(inst, "") == []


def test_selection_never_prefers_a_candidate_for_its_conftest(tmp_path):
    """The forcing conftest makes its candidate pass every test; it still loses to the real fix."""
    inst = SimpleNamespace(instance_id="x__y-1", problem_statement="p", test_patch="", FAIL_TO_PASS=[], PASS_TO_PASS=[])
    real = diff("src/fix.py")
    cheat = diff("src/fix.py").replace("+b", "+c") + diff("conftest.py", new=True)
    pool = build_pool(inst.instance_id, [(cheat, "a", []), (real, "b", [])])
    model = ScriptedModel()
    result = run_selection(inst, pool.candidates, model=model, ledger=Ledger(), sandbox_factory=None,
                           apply_patch=None, out_dir=tmp_path, config=SelectionConfig(strategy="adjudication_only"))
    assert result.patch == real and result.method == "only_candidate" and model.calls == []
    cheat_id = next(c.id for c in pool.candidates if c.patch == cheat)
    assert result.test_infrastructure == {cheat_id: ["conftest.py"]}
    assert [r.id for r in result.ranking][-1] == cheat_id
