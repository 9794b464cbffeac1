"""Per-step patches of real editing trajectories (the editing machine run by the trajectory loop in
a local git checkout): recorded ones, ones rebuilt for trajectories written before steps carried a
patch, and the capped candidate at each number of calls."""

import json

import pytest

from agent.editing_machine import EditingTask
from agent.loop import run_trajectory
from codefix.reporting.collect import build_report
from codefix.reporting.steps import StepsUnavailable, patch_at, step_patches
from tests.agent.fakes import LocalDirSandbox, ScriptedModel, make_repo

SRC = {"calc.py": "def add(a, b):\n    return a - b\n\n\ndef neg(a):\n    return a\n"}
SCRIPT = "import sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n"


def block(search, replace, path="calc.py"):
    return f"```python\n{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


WRONG = block("    return a - b\n", "    return b - a\n")
NEG = block("    return a\n", "    return -a\n")
FIX = block("    return b - a\n", "    return a + b\n")
MISSING = block("    return nothing\n", "    return 0\n")


def editing_trajectory(tmp_path, replies, name="e.json"):
    sandbox = LocalDirSandbox(make_repo(tmp_path / f"repo-{name}", SRC))
    record = run_trajectory(EditingTask("add subtracts", SCRIPT, "ctx"), ScriptedModel(replies), sandbox,
                            ledger=None, stage="editing", path=tmp_path / name)
    return record.to_json()  # as the report reads it from the trajectory file


def without_step_patches(record):
    return {**record, "steps": [{k: v for k, v in s.items() if k != "patch"} for s in record["steps"]]}


def test_recorded_and_rebuilt_step_patches_agree(tmp_path):
    # call 1 wrong, call 2 a second file hunk, call 3 rejected, call 4 the fix, call 5 ACCEPT
    rec = editing_trajectory(tmp_path, [WRONG, NEG, MISSING, FIX, "ACCEPT"])
    steps = step_patches(rec)
    assert [call for call, _ in steps] == [1, 2, 4]
    assert steps[-1][1] == rec["result"]["patch"]
    assert "+    return b - a\n" in steps[0][1] and "return -a" not in steps[0][1]
    assert "+    return b - a\n" in steps[1][1] and "+    return -a\n" in steps[1][1]
    assert step_patches(without_step_patches(rec)) == steps  # a trajectory from before patches were recorded
    assert patch_at(steps, 1) == steps[0][1] and patch_at(steps, 3) == steps[1][1]
    assert patch_at(steps, 8) == rec["result"]["patch"] and patch_at([], 3) == ""


def test_rebuild_refuses_a_reply_that_no_longer_applies(tmp_path):
    rec = without_step_patches(editing_trajectory(tmp_path, [WRONG, FIX, "ACCEPT"]))
    replies = [m for m in rec["messages"] if m["role"] == "assistant"]
    assert replies[1]["content"] == FIX
    replies[1]["content"] = MISSING  # the reply of call 2 no longer matches the file
    with pytest.raises(StepsUnavailable, match="the edit of call 2 does not re-apply"):
        step_patches(rec)
    with pytest.raises(StepsUnavailable, match="no stored originals"):
        step_patches({**rec, "task_state": {}})


def test_report_of_real_trajectories_written_before_step_patches(tmp_path):
    run = tmp_path / "run"
    inst = run / "calc__1"
    (inst / "trajectories").mkdir(parents=True)
    records = [editing_trajectory(tmp_path, [WRONG, FIX, "ACCEPT"], "p0.json"),
               editing_trajectory(tmp_path, [WRONG, "ACCEPT"], "p1.json")]
    lines = []
    for pid, rec in enumerate(records):
        (inst / "trajectories" / f"{pid}.editing.traj.json").write_text(json.dumps(without_step_patches(rec)))
        lines.append(json.dumps({"pair": pid, "patch": rec["result"]["patch"]}) + "\n")
    (inst / "candidates.jsonl").write_text("".join(lines))
    (inst / "grades").mkdir()
    for name, rec, resolved in (("fix", records[0], True), ("wrong", records[1], False)):
        grade = {"model_patch": rec["result"]["patch"], "resolved": resolved, "status": "resolved" if resolved else "unresolved"}
        (inst / "grades" / f"{name}.json").write_text(json.dumps(grade))
    part = build_report(run)["coverage_at_k_by_iterations"]
    assert part["available"] is True and part["lower_bound"] is False
    # n = 2; cap 1: both pairs hold the wrong patch (c = 0); caps 2, 3: pair 0 holds the fix (c = 1)
    assert part["by_iterations"] == {1: {1: 0.0, 2: 0.0}, 2: {1: 0.5, 2: 1.0}, 3: {1: 0.5, 2: 1.0}}


def test_a_damaged_editing_trajectory_makes_the_steps_unavailable_not_the_report(tmp_path):
    from codefix.reporting.steps import StepsUnavailable, instance_steps

    (tmp_path / "0.editing.traj.json").write_text('{"stage": "edi')
    with pytest.raises(StepsUnavailable, match="pair 0: .*damaged"):
        instance_steps(tmp_path, {0: "diff"}, [0])
