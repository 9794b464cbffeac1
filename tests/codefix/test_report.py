"""`codefix report` on runs built from literal artefacts (no Docker)."""

import json

import pytest

from codefix.cli import main
from codefix.core.errors import InputError
from codefix.reporting.collect import build_report

GOOD = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n"
BAD = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 3\n"
USAGE = {"calls": 2, "input_tokens": 100, "output_tokens": 10, "cache_read_tokens": 5,
         "cache_write_tokens": 1, "cost": 0.5}


def make_instance(run, iid, *, recall, pairs, selected, resolved, graded=True, trajectories=None):
    """An instance directory; `trajectories` pairs (default: one per candidate) left an editing trajectory."""
    d = run / iid
    (d / "trajectories").mkdir(parents=True)
    (d / "context.json").write_text(json.dumps({"status": "done", "recall": {"recall": recall}}))
    (d / "candidates.jsonl").write_text("".join(json.dumps({"pair": i, "status": "submitted", "patch": p}) + "\n"
                                                for i, p in enumerate(pairs)))
    (d / "solve.json").write_text(json.dumps({"status": "solved", "patch": selected, "complete": True}))
    if graded:
        (d / "eval.json").write_text(json.dumps({"instance_id": iid, "resolved": resolved,
                                                 "status": "resolved" if resolved else "unresolved"}))
    (d / "ledger.json").write_text(json.dumps({"by_stage": {"editing": USAGE, "relevance": USAGE}}))
    for i in range(len(pairs) if trajectories is None else trajectories):
        status = "out_of_calls" if i % 2 else "submitted"
        (d / "trajectories" / f"{i}.editing.traj.json").write_text(json.dumps({"stage": "editing", "status": status}))


def test_gold_like_run_is_full_at_every_stage(tmp_path):
    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD, GOOD], selected=GOOD, resolved=True)
    make_instance(tmp_path, "b__2", recall=1.0, pairs=[GOOD], selected=GOOD, resolved=True)
    report = build_report(tmp_path)
    f = report["funnel"]
    assert f["context_recall"]["mean"] == 1.0
    assert f["coverage"]["rate"] == 1.0 and f["selected"]["rate"] == 1.0
    assert report["cost_by_stage"]["editing"]["calls"] == 4
    assert report["cost_total"]["cost"] == pytest.approx(2.0)
    assert report["cost_total"]["cache_read_tokens"] == 20
    assert report["trajectory_outcomes"] == {"editing: out_of_calls": 1, "editing: submitted": 2}
    assert report["coverage_at_k"]["by_k"][1] == 1.0


def test_wrong_candidates_lower_coverage_and_score(tmp_path):
    # selected the wrong patch, graded unresolved; no candidate is known to resolve
    make_instance(tmp_path, "a__1", recall=0.5, pairs=[BAD, BAD], selected=BAD, resolved=False)
    # the right patch was among the candidates but the wrong one selected: coverage unknown
    make_instance(tmp_path, "b__2", recall=1.0, pairs=[GOOD, BAD], selected=BAD, resolved=False)
    # resolved selection: coverage yes, one of two samples resolves
    make_instance(tmp_path, "c__3", recall=1.0, pairs=[GOOD, BAD, BAD, BAD], selected=GOOD, resolved=True)
    report = build_report(tmp_path)
    f = report["funnel"]
    assert f["context_recall"]["mean"] == pytest.approx(2.5 / 3)
    assert f["coverage"] == {"known": 2, "yes": 1, "unknown": 1, "rate": 0.5}
    assert f["selected"]["yes"] == 1 and f["selected"]["rate"] == pytest.approx(1 / 3)
    by_k = report["coverage_at_k"]["by_k"]
    assert report["coverage_at_k"]["lower_bound"] is True
    assert by_k[1] == pytest.approx((0 + 0 + 0.25) / 3)
    assert by_k[4] == pytest.approx((0 + 0 + 1.0) / 3)
    assert "eval: unresolved" in report["trajectory_outcomes"]


def test_a_pair_that_produced_no_patch_is_a_failed_sample(tmp_path):
    # candidates.jsonl lists only pairs with a patch; the third pair left a trajectory and nothing else
    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD, BAD], selected=GOOD, resolved=True, trajectories=3)
    report = build_report(tmp_path)
    assert report["instances"][0]["samples"] == 3
    assert report["coverage_at_k"]["by_k"][1] == pytest.approx(1 / 3)  # not 1/2
    assert report["coverage_at_k"]["by_k"][2] == pytest.approx(1 - 1 / 3)  # 1 - C(2,2)/C(3,2)


def test_one_damaged_trajectory_is_named_and_the_rest_of_the_run_is_reported(tmp_path):
    from codefix.core.errors import CodefixWarning

    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD, BAD], selected=GOOD, resolved=True)
    make_instance(tmp_path, "b__2", recall=1.0, pairs=[GOOD], selected=GOOD, resolved=True)
    damaged = tmp_path / "a__1" / "trajectories" / "1.editing.traj.json"
    damaged.write_text('{"stage": "editing", "sta')  # a crash tore it
    with pytest.warns(CodefixWarning, match="1.editing.traj.json: damaged"):
        report = build_report(tmp_path)
    assert report["funnel"]["instances"] == 2 and report["funnel"]["selected"]["rate"] == 1.0
    assert report["trajectory_outcomes"]["editing: damaged"] == 1
    a = report["instances"][0]
    assert a["samples"] == 2 and a["iterations"]["available"] is False
    assert [t["file"] for t in a["trajectories"] if t["status"] == "damaged"] == ["1.editing.traj.json"]


def test_pairs_skipped_by_stop_when_agree_are_outcomes_not_samples(tmp_path):
    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD, GOOD], selected=GOOD, resolved=True)
    solve = tmp_path / "a__1" / "solve.json"
    solve.write_text(json.dumps({**json.loads(solve.read_text()), "skipped_pairs": [2, 3, 4]}))
    report = build_report(tmp_path)
    assert report["trajectory_outcomes"]["generation: pair skipped (--stop-when-agree)"] == 3
    assert report["instances"][0]["samples"] == 2 and report["coverage_at_k"]["by_k"][2] == 1.0


def test_normalized_equal_candidate_counts_as_graded(tmp_path):
    same = GOOD.replace("diff --git a/m.py b/m.py\n", "")  # no git header, same change
    make_instance(tmp_path, "a__1", recall=1.0, pairs=[same], selected=GOOD, resolved=True)
    assert build_report(tmp_path)["funnel"]["coverage"]["rate"] == 1.0


def test_ungraded_run_says_unknown(tmp_path):
    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD], selected=GOOD, resolved=True, graded=False)
    f = build_report(tmp_path)["funnel"]
    assert f["coverage"]["rate"] is None and f["coverage"]["unknown"] == 1
    assert f["selected"]["rate"] is None


def test_cli_prints_tables_and_writes_json(tmp_path, capsys):
    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD], selected=GOOD, resolved=True)
    out = tmp_path / "r.json"
    assert main(["report", str(tmp_path), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "context recall" in text and "1/1 (100%)" in text and "cache write" in text
    assert json.loads(out.read_text())["funnel"]["selected"]["yes"] == 1


def test_missing_or_empty_run_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        build_report(tmp_path / "nope")
    with pytest.raises(InputError):
        build_report(tmp_path)


def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    run = tmp_path / "run"
    make_instance(run, "a__1", recall=1.0, pairs=[GOOD, BAD], selected=GOOD, resolved=True)
    assert main(["report", str(run), "--plot", str(tmp_path / "plots")]) == 0
    for name in ("funnel.png", "cost_by_stage.png", "coverage_vs_samples.png"):
        data = (tmp_path / "plots" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 1000
