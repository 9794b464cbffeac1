"""Grading integrity: patches that touch test infrastructure are flagged, and never win selection
for it while another candidate is left."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from codefix.ledger import Ledger
from codefix.test_infra import eval_test_files, infrastructure_paths, instance_infrastructure_paths
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
