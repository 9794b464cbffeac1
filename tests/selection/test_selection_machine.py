"""The selection state machine on a local git checkout (no Docker): reply parsing, the
side-by-side observation, an unappliable candidate, and the gold answer's choices."""

import subprocess
from types import SimpleNamespace

import pytest

from codefix.errors import PatchApplyError

from agent.test_models.gold_answers import selection as gold_selection
from selection.candidates import build_pool
from selection.selection_machine import SelectionTask, parse_winner
from tests.agent.fakes import LocalDirSandbox, make_repo

BASE = "def double(x):\n    return x + x\n"
GOOD = """\
diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,2 @@
 def double(x):
-    return x + x
+    return 2 * x
"""
BAD = GOOD.replace("2 * x", "x * 3")
UNAPPLIABLE = GOOD.replace("return x + x", "return x - x")
TEST = "import sys\nfrom calc import double\nprint(double(4))\nsys.exit(0 if double(4) == 8 and double('a') == 'aa' else 2)\n"


def git_apply(sandbox, patch):
    """TEST DOUBLE of sandbox.patching.apply_patch for the local checkout."""
    proc = subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=sandbox.repo, capture_output=True)
    if proc.returncode:
        raise PatchApplyError("patch does not apply", proc.stderr.decode())


@pytest.fixture
def setup(tmp_path):
    sandbox = LocalDirSandbox(make_repo(tmp_path / "repo", {"calc.py": BASE}))
    pool = build_pool("x__y-1", [(GOOD, "g", [TEST]), (BAD, "b", [TEST]), (UNAPPLIABLE, "u", [])])
    task = SelectionTask("double('a') must still work", pool.candidates, files={"calc.py": BASE},
                         example_test=TEST, apply_patch=git_apply)
    return sandbox, pool.candidates, task


@pytest.mark.parametrize("reply,expected", [
    ("WINNER: abc123", "abc123"),
    ("I pick this.\n**WINNER:** `abc123`\n", "abc123"),
    ("WINNER: aaa\nno wait\nWINNER: bbb", "bbb"),
    ("The winner is abc123.", None),
])
def test_parse_winner(reply, expected):
    assert parse_winner(reply) == expected


def test_prompt_shows_issue_files_diffs_and_example(setup):
    _, cands, task = setup
    system, user = task.start()
    assert "WINNER: <candidate id>" in system["content"]
    for cand in cands:
        assert f'<candidate id="{cand.id}" rank=' in user["content"]
    assert '<file path="calc.py">' in user["content"] and TEST.strip() in user["content"]


def test_a_test_runs_on_every_column_and_an_unappliable_candidate_is_shown_as_such(setup):
    sandbox, (good, bad, unappliable), task = setup
    step = task.observe("```python\n" + TEST + "```", sandbox)
    assert not step.finished and not step.format_error
    runs = step.outputs["runs"]
    assert [runs[c]["exit_code"] for c in ("unedited", good.id, bad.id)] == [0, 0, 2]
    assert runs[unappliable.id]["outcome"] == "error"
    assert f"### candidate {unappliable.id}: patch does not apply" in step.message
    assert f"### candidate {bad.id}: exit code 2" in step.message
    assert task.state() == {"tests": [TEST]}


def test_winner_must_be_a_candidate(setup):
    sandbox, (good, *_), task = setup
    step = task.observe("WINNER: 000000000000", sandbox)
    assert step.format_error and "'000000000000' is not one of the candidates" in step.message
    step = task.observe("no idea", sandbox)
    assert step.format_error
    step = task.observe(f"WINNER: {good.id}", sandbox)
    assert step.finished and step.result == {"winner": good.id, "tests": []}


def test_gold_answer_tests_first_then_names_the_passing_candidate(setup):
    sandbox, (good, bad, _), task = setup
    instance = SimpleNamespace(instance_id="x__y-1", patch=GOOD, test_patch="", FAIL_TO_PASS=["t.py::t"], test_timeout=10)
    messages = task.start()
    first = gold_selection.answer(instance, messages, {}, False)
    assert "```python" in first
    step = task.observe("```python\n" + TEST + "```", sandbox)
    messages += [{"role": "assistant", "content": first}, {"role": "user", "content": step.message}]
    assert parse_winner(gold_selection.answer(instance, messages, {}, False)) == good.id
    assert parse_winner(gold_selection.answer(instance, messages, {}, True)) != good.id
