"""The selection state machine on a local git checkout (no Docker): reply parsing, the
side-by-side observation, an unappliable candidate, and the gold answer's choices."""

import subprocess
from types import SimpleNamespace

import pytest

from codefix.core.errors import PatchApplyError

from agent.models.test_doubles.gold_answers import selection as gold_selection
from selection.candidates import build_pool
from agent.reply_parsing import ReplyProblem
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
    """TEST DOUBLE of sandbox.docker.patching.apply_patch for the local checkout."""
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
    ("WINNER: 2", 2),
    ("I pick this.\n**WINNER:** `candidate 3`\n", 3),
    ("WINNER: #1 (it keeps strings working)", 1),
    ("<think>WINNER: 1</think>\nWINNER: 2", 2),
    ("The winner is 2.", None),
])
def test_parse_winner(reply, expected):
    assert parse_winner(reply, 3) == expected


@pytest.mark.parametrize("reply,problem", [
    ("WINNER: 1\nno wait\nWINNER: 2", "2 different winners"),
    ("WINNER: 4", "number from 1 to 3"),
    ("WINNER: 1a2b3c4d5e6f", "number from 1 to 3"),
    ("WINNER: 1 or 2", "does not name exactly one candidate"),
])
def test_a_winner_line_that_does_not_name_one_candidate_is_a_problem(reply, problem):
    with pytest.raises(ReplyProblem, match=problem):
        parse_winner(reply, 3)


def test_prompt_shows_issue_whole_files_numbered_diffs_without_votes_and_example(setup):
    _, cands, task = setup
    system, user = task.start()
    assert "WINNER: 1" in system["content"] and "Your first reply must be a test" in system["content"]
    for number, cand in enumerate(cands, 1):
        assert f'<candidate number="{number}">\n{cand.patch.rstrip()}' in user["content"]
        assert cand.id not in user["content"]
    assert "votes" not in user["content"] and "ranked by" not in user["content"]
    assert '<file path="calc.py">' in user["content"] and TEST.strip() in user["content"]


def test_votes_are_shown_only_when_asked(setup):
    from selection.voting import RankedCandidate

    _, cands, _ = setup
    scores = {c.id: RankedCandidate(id=c.id, score=float(i), passes=i, counted_tests=2, size=c.size)
              for i, c in enumerate(cands)}
    task = SelectionTask("i", cands, files={}, example_test="", apply_patch=git_apply, scores=scores)
    user = task.start()[1]["content"]
    assert '<candidate number="2" votes="1 of 2">' in user and "ranked by how many" in user


def test_a_test_runs_on_every_column_and_an_unappliable_candidate_is_shown_as_such(setup):
    sandbox, (good, bad, unappliable), task = setup
    step = task.observe("Here is a test.\n<test>\n" + TEST + "</test>", sandbox)
    assert not step.finished and not step.format_error
    runs = step.outputs["runs"]
    assert [runs[c]["exit_code"] for c in ("unedited", "1", "2")] == [0, 0, 2]
    assert runs["3"]["outcome"] == "error"
    assert "### candidate 3: patch does not apply" in step.message
    assert "### candidate 2: exit code 2" in step.message
    assert task.state() == {"tests": [TEST]}


def test_winner_needs_a_test_first_and_must_be_a_candidate_number(setup):
    sandbox, (good, *_), task = setup
    step = task.observe("WINNER: 1", sandbox)
    assert step.format_error and "only after at least one of your tests has run" in step.message
    task.observe("<test>\n" + TEST + "</test>", sandbox)
    step = task.observe("WINNER: 000000000000", sandbox)
    assert step.format_error and "number from 1 to 3" in step.message
    step = task.observe("no idea", sandbox)
    assert step.format_error and "neither a <test>" in step.message
    step = task.observe("WINNER: 2\n<test>\n" + TEST + "</test>", sandbox)
    assert step.format_error and "both names a WINNER and sends a new test" in step.message
    step = task.observe("WINNER: 1", sandbox)
    assert step.finished and step.result == {"winner": good.id, "number": 1, "tests": [TEST]}


def test_gold_answer_tests_first_then_names_the_passing_candidate(setup):
    sandbox, (good, bad, _), task = setup
    instance = SimpleNamespace(instance_id="x__y-1", patch=GOOD, test_patch="", FAIL_TO_PASS=["t.py::t"], test_timeout=10)
    messages = task.start()
    first = gold_selection.answer(instance, messages, {}, False)
    assert "<test>" in first and task.read(first)[0] is not None
    step = task.observe("<test>\n" + TEST + "</test>", sandbox)
    messages += [{"role": "assistant", "content": first}, {"role": "user", "content": step.message}]
    assert parse_winner(gold_selection.answer(instance, messages, {}, False), 3) == 1
    assert parse_winner(gold_selection.answer(instance, messages, {}, True), 3) != 1
