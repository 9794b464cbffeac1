"""Coverage vs samples and iterations (`codefix report`) on runs built from literal trajectories
and grade files; the expected pass@k values are worked out by hand in the comments."""

import json

import pytest

from codefix.cli import main
from codefix.reporting.collect import build_report
from codefix.reporting.grade_candidates import ungraded_candidates

GOOD = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n"
BAD = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 3\n"
WORSE = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 4\n"
RUN = {"exit_code": 2, "output": "", "timed_out": False}


def applied(call, patch):
    return {"call": call, "format_error": False, "before": RUN, "after": RUN, "patch": patch}


def rejected(call):
    return {"call": call, "format_error": False, "rejected": "SEARCH text not found"}


def accepted(call):
    return {"call": call, "format_error": False}


def format_error(call):
    return {"call": call, "format_error": True}


def make_instance(run, iid, pairs, grades, *, tested_only=()):
    """`pairs`: pair id → (calls, steps); the candidate is the last applied step's patch. `grades`:
    patch → resolved, stored as grade files. `tested_only`: pairs whose testing machine produced no
    test (a trajectory, no candidate)."""
    d = run / iid
    (d / "trajectories").mkdir(parents=True)
    lines = []
    for pid, (calls, steps) in pairs.items():
        patches = [s["patch"] for s in steps if "patch" in s]
        candidate = patches[-1] if patches else ""
        traj = {"stage": "editing", "status": "max_calls", "calls": calls, "steps": steps,
                "result": {"patch": candidate} if candidate else None}
        (d / "trajectories" / f"{pid}.editing.traj.json").write_text(json.dumps(traj))
        if candidate:
            lines.append(json.dumps({"pair": pid, "status": "max_calls", "patch": candidate}) + "\n")
    for pid in tested_only:
        (d / "trajectories" / f"{pid}.testing.traj.json").write_text(json.dumps({"stage": "testing", "status": "max_calls"}))
    (d / "candidates.jsonl").write_text("".join(lines))
    (d / "grades").mkdir()
    for i, (patch, resolved) in enumerate(grades.items()):
        (d / "grades" / f"{i}.json").write_text(json.dumps({"model_patch": patch, "resolved": resolved,
                                                            "status": "resolved" if resolved else "unresolved"}))
    return d


def two_instances(run, a_grades=None):
    # a: 3 pairs. pair 0 edits wrongly, has an edit rejected, fixes it on call 3, accepts on 4;
    # pair 1 is right at call 1; pair 2 wastes call 1 on a format error and ends wrong.
    make_instance(run, "a__1", {
        0: (4, [applied(1, BAD), rejected(2), applied(3, GOOD), accepted(4)]),
        1: (2, [applied(1, GOOD), accepted(2)]),
        2: (3, [format_error(1), applied(2, BAD), rejected(3)]),
    }, {GOOD: True, BAD: False} if a_grades is None else a_grades)
    # b: 2 pairs. pair 0 is wrong at call 1 and right at call 2; pair 1 never got a test.
    make_instance(run, "b__2", {0: (2, [applied(1, BAD), applied(2, GOOD)])}, {GOOD: True, BAD: False},
                  tested_only=[1])


def test_pass_at_k_per_cap_on_editing_calls(tmp_path):
    two_instances(tmp_path)
    report = build_report(tmp_path)
    part = report["coverage_at_k_by_iterations"]
    assert part["available"] is True and part["lower_bound"] is False
    assert part["ungraded"] == {1: 0, 2: 0, 3: 0, 4: 0}
    # resolving pairs per cap: a (n=3): j=1 → 1 (pair 1), j=2 → 1, j>=3 → 2; b (n=2): j=1 → 0, j>=2 → 1
    # pass@k = 1 - C(n-c, k)/C(n, k); a, c=1: 1/3, 2/3, 1; a, c=2: 2/3, 1, 1; b, c=1: 1/2, 1 (k=3 uses k=n=2)
    expected = {
        1: {1: (1 / 3 + 0) / 2, 2: (2 / 3 + 0) / 2, 3: (1 + 0) / 2},
        2: {1: (1 / 3 + 1 / 2) / 2, 2: (2 / 3 + 1) / 2, 3: 1.0},
        3: {1: (2 / 3 + 1 / 2) / 2, 2: 1.0, 3: 1.0},
        4: {1: (2 / 3 + 1 / 2) / 2, 2: 1.0, 3: 1.0},
    }
    assert part["by_iterations"] == {j: pytest.approx(by_k) for j, by_k in expected.items()}
    assert report["coverage_at_k"]["by_k"] == pytest.approx(expected[4])  # the largest cap is the run itself
    rows = {r["instance_id"]: r["iterations"] for r in report["instances"]}
    assert rows["a__1"]["resolving"] == [1, 1, 2, 2] and rows["b__2"]["resolving"] == [0, 1]


def test_ungraded_intermediate_patch_makes_that_cap_a_lower_bound(tmp_path):
    two_instances(tmp_path, a_grades={GOOD: True})  # a's BAD never graded
    part = build_report(tmp_path)["coverage_at_k_by_iterations"]
    assert part["lower_bound"] is True
    # a: BAD is held by pair 0 at j=1,2 and by pair 2 at j>=2 (b's BAD is graded in b's own grades)
    assert part["ungraded"] == {1: 1, 2: 2, 3: 1, 4: 1}
    assert part["by_iterations"][1][1] == pytest.approx((1 / 3 + 0) / 2)  # ungraded counts as not resolving


def test_grade_candidates_also_lists_intermediate_patches_once(tmp_path):
    d = make_instance(tmp_path, "a__1", {
        0: (3, [applied(1, WORSE), applied(2, BAD), applied(3, GOOD)]),
        1: (2, [applied(1, WORSE), applied(2, GOOD)]),
    }, {GOOD: True})
    assert ungraded_candidates(d) == [WORSE, BAD]  # GOOD is graded; WORSE held by two pairs, listed once


def test_steps_not_ending_at_the_candidate_make_the_curve_unavailable(tmp_path, capsys):
    d = make_instance(tmp_path, "a__1", {0: (2, [applied(1, BAD), applied(2, GOOD)])}, {GOOD: True, BAD: False})
    make_instance(tmp_path, "b__2", {0: (1, [applied(1, GOOD)])}, {GOOD: True})
    (d / "candidates.jsonl").write_text(json.dumps({"pair": 0, "patch": WORSE}) + "\n")  # not what the steps reached
    report = build_report(tmp_path)
    part = report["coverage_at_k_by_iterations"]
    assert part["available"] is False and part["by_iterations"] == {}
    assert "a__1: pair 0" in part["note"] and "do not end at the pair's candidate" in part["note"]
    assert report["instances"][1]["iterations"]["available"] is True
    assert ungraded_candidates(d) == [WORSE]  # intermediates of an unusable instance are not graded
    pytest.importorskip("matplotlib")
    assert main(["report", str(tmp_path), "--plot", str(tmp_path / "plots")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert "Coverage vs samples and iterations: unavailable (per-step patches unknown for a__1" in out
    assert not (tmp_path / "plots" / "coverage_vs_samples_and_iterations.png").exists()
    assert (tmp_path / "plots" / "coverage_vs_samples.png").exists()


def test_candidate_without_editing_trajectory_is_unavailable(tmp_path):
    d = tmp_path / "a__1"
    d.mkdir()
    (d / "candidates.jsonl").write_text(json.dumps({"pair": 0, "patch": GOOD}) + "\n")
    part = build_report(tmp_path)["coverage_at_k_by_iterations"]
    assert part["available"] is False and "pair 0 has a candidate but no editing trajectory" in part["note"]


def test_cli_table_json_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    run = tmp_path / "run"
    two_instances(run)
    assert main(["report", str(run), "--plot", str(tmp_path / "plots")]) == 0
    out = capsys.readouterr().out
    assert "Coverage vs samples and iterations (pass@k)" in out and "editing calls ≤" in out
    table = out[out.index("editing calls ≤"):].splitlines()
    row1 = next(line for line in table if line.startswith("│") and line.split("│")[1].strip() == "1")
    assert [c.strip() for c in row1.split("│")[2:5]] == ["16.7%", "33.3%", "50.0%"]  # 1/6, 1/3, 1/2
    data = json.loads((run / "report.json").read_text())["coverage_at_k_by_iterations"]
    assert set(data) == {"available", "note", "lower_bound", "ungraded", "by_iterations"}
    assert list(data["by_iterations"]) == ["1", "2", "3", "4"] and list(data["by_iterations"]["1"]) == ["1", "2", "3"]
    png = (tmp_path / "plots" / "coverage_vs_samples_and_iterations.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
