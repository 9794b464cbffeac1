"""run_selection without sandboxes: nothing to choose from, or a single candidate (no call)."""

from types import SimpleNamespace

import pytest

from codefix.core.ledger import Ledger

from selection.candidates import build_pool
from selection.stage import SelectionConfig, SelectionResult, run_selection
from tests.agent.fakes import ScriptedModel

PATCH = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
INSTANCE = SimpleNamespace(instance_id="x__y-1", problem_statement="x must be 2")


def no_sandbox():
    raise AssertionError("no sandbox may be opened")


def no_apply(sandbox, patch):
    raise AssertionError("no patch may be applied")


@pytest.mark.parametrize("records,method", [([], "no_candidates"), ([{"pair": 0, "patch": PATCH, "test": "t"},
                                                                   {"pair": 1, "patch": PATCH + "\n", "test": "t"}],
                                                                  "only_candidate")])
def test_nothing_or_one_candidate_needs_no_call_and_no_sandbox(tmp_path, records, method):
    pool = build_pool(INSTANCE.instance_id, [(r["patch"], str(r["pair"]), [r["test"]]) for r in records])
    model = ScriptedModel()
    result = run_selection(INSTANCE, pool.candidates, model=model, ledger=Ledger(), sandbox_factory=no_sandbox,
                           apply_patch=no_apply, out_dir=tmp_path, config=SelectionConfig())
    assert result.method == method and result.calls == 0 and model.calls == []
    assert result.patch == (PATCH if records else "")
    assert SelectionResult.model_validate_json((tmp_path / "selection.json").read_text()) == result


def test_voting_that_keeps_one_finalist_skips_the_machine(tmp_path):
    bigger = PATCH.replace("@@ -1 +1 @@", "@@ -1 +1,2 @@").replace("+x = 2\n", "+x = 2\n+y = 3\n")
    pool = build_pool("x__y-1", [(bigger, "a", []), (PATCH, "b", [])])  # no tests: nothing to run
    model = ScriptedModel()
    result = run_selection(INSTANCE, pool.candidates, model=model, ledger=Ledger(), sandbox_factory=no_sandbox,
                           apply_patch=no_apply, out_dir=tmp_path, config=SelectionConfig(top_k=1))
    assert (result.method, result.patch, result.calls, model.calls) == ("only_candidate", PATCH, 0, [])
    assert [r.size for r in result.ranking] == [2, 3] and result.finalists == [result.winner]


def test_config_forbids_unknown_fields():
    with pytest.raises(ValueError):
        SelectionConfig(topk=3)


def test_a_model_error_returns_the_fallback_unstored_and_a_rerun_resumes(tmp_path):
    from codefix.core.errors import ModelError
    from tests.agent.fakes import LocalDirSandbox, make_repo

    from tests.selection.test_selection_machine import git_apply

    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    other = PATCH.replace("+x = 2", "+x = 3")
    pool = build_pool("x__y-1", [(PATCH, "a", []), (other, "b", [])])
    kwargs = dict(ledger=Ledger(), sandbox_factory=lambda: LocalDirSandbox(repo), apply_patch=git_apply,
                  out_dir=tmp_path / "out", config=SelectionConfig(strategy="adjudication_only"))
    test = "<test>\nimport sys, a\nsys.exit(0 if a.x == 3 else 2)\n</test>"
    first = run_selection(INSTANCE, pool.candidates, model=ScriptedModel([test, ModelError("server down")]), **kwargs)
    assert (first.method, first.machine_status) == ("fallback_top_voted", "model_error")
    assert not (tmp_path / "out" / "selection.json").exists()
    chosen = next(c for c in pool.candidates if "+x = 3" in c.patch)
    number = pool.candidates.index(chosen) + 1  # shown as a number; the finalists keep their order
    model = ScriptedModel([f"WINNER: {number}"])
    second = run_selection(INSTANCE, pool.candidates, model=model, **kwargs)
    assert (second.method, second.winner, second.calls, len(model.calls)) == ("selection_machine", chosen.id, 2, 1)
    assert (tmp_path / "out" / "selection.json").exists()
