"""Ingesting external submissions: the experiments layout, codefix runs, patch collections;
bad input reported per line and skipped, the rest used."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.errors import InputError
from selection.submissions import build_pools, read_codefix_run, read_patch_records, read_submission
from tests.selection.shared_data import PARTIAL_PATCHES, need

FIX = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
FIX_GIT = "diff --git a/m.py b/m.py\nindex 1..2 100644\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@ x\n-a = 1\n+a = 2\n"
OTHER = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a = 1\n+a = 3\n"


def pred(iid: str, patch: str | None, name: str = "m") -> str:
    return json.dumps({"instance_id": iid, "model_name_or_path": name, "model_patch": patch})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_lines_are_reported_each_and_the_rest_is_used(tmp_path: Path) -> None:
    sub_dir = tmp_path / "20250101_bad"
    lines = [
        pred("i-1", FIX),
        pred("i-2", OTHER),
        pred("i-1", OTHER),  # duplicated id
        json.dumps({"instance_id": "i-3"}),  # missing model_patch
        pred("elsewhere-9", FIX),  # unknown instance
        "[1, 2]",  # not an object
        pred("i-4", FIX)[:25],  # truncated last line
    ]
    write(sub_dir / "all_preds.jsonl", "\n".join(lines))
    sub = read_submission(sub_dir, known_instances={"i-1", "i-2", "i-3", "i-4"})
    assert sub.name == "20250101_bad" and sub.predictions == {"i-1": FIX, "i-2": OTHER}
    assert sub.resolved is None  # no results/results.json: labels unknown
    found = [(p.where, p.message) for p in sub.problems]
    assert [w for w, _ in found] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "predicted twice (first at line 1)" in found[0][1]
    assert "missing field(s) model_patch" in found[1][1]
    assert "unknown instance elsewhere-9" in found[2][1]
    assert "expected a JSON object" in found[3][1]
    assert "malformed JSON" in found[4][1]
    assert all(str(p).startswith(str(sub_dir / "all_preds.jsonl")) for p in sub.problems)


def test_a_dataset_names_the_known_instances(tmp_path: Path) -> None:
    record = {"instance_id": "o__r-1", "repo": "o/r", "base_commit": "abc", "problem_statement": "p", "patch": "",
              "test_patch": "", "FAIL_TO_PASS": "[]", "PASS_TO_PASS": "[]", "version": "1"}
    dataset = load_dataset(write(tmp_path / "ds.jsonl", json.dumps(record) + "\n"))
    write(tmp_path / "s" / "all_preds.jsonl", pred("o__r-1", FIX) + "\n" + pred("o__r-2", FIX) + "\n")
    sub = read_submission(tmp_path / "s", known_instances=dataset)
    assert list(sub.predictions) == ["o__r-1"] and sub.problems[0].message == "unknown instance o__r-2"


def test_preds_json_in_dict_and_list_form_and_results(tmp_path: Path) -> None:
    as_dict = write(tmp_path / "a" / "preds.json", json.dumps(
        {"i-1": {"model_patch": FIX, "model_name_or_path": "a"}, "i-2": {"instance_id": "i-9", "model_patch": FIX}}))
    write(tmp_path / "a" / "results" / "results.json", json.dumps({"resolved": ["i-1", "i-7"], "no_generation": []}))
    sub = read_submission(as_dict.parent, known_instances={"i-1", "i-2"})
    assert sub.predictions == {"i-1": FIX}
    assert sub.resolved == {"i-1"}
    assert [p.message for p in sub.problems] == ["its instance_id is 'i-9'", "unknown instance i-7"]
    write(tmp_path / "b" / "preds.json", json.dumps([json.loads(pred("i-1", None)), json.loads(pred("i-2", FIX))]))
    sub_b = read_submission(tmp_path / "b", name="bee")
    assert (sub_b.name, sub_b.predictions) == ("bee", {"i-1": "", "i-2": FIX})


def test_all_preds_jsonl_wins_over_preds_json_and_a_broken_results_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "s" / "all_preds.jsonl", pred("i-1", FIX) + "\n")
    write(tmp_path / "s" / "preds.json", "[]")
    write(tmp_path / "s" / "results" / "results.json", '{"resolved": ["i-1"')
    sub = read_submission(tmp_path / "s")
    assert sub.predictions == {"i-1": FIX} and sub.resolved is None
    assert "labels unknown" in sub.problems[0].message


def test_a_truncated_preds_json_is_one_problem_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path / "s" / "preds.json", '[{"instance_id": "i-1", "model_patch": "--- a')
    sub = read_submission(tmp_path / "s")
    assert sub.predictions == {} and "file skipped" in sub.problems[0].message


def test_unusable_directories_raise_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such submission directory"):
        read_submission(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="has neither all_preds.jsonl nor preds.json"):
        read_submission(tmp_path / "empty")
    with pytest.raises(InputError, match="no preds.jsonl"):
        read_codefix_run(tmp_path / "empty")


def test_codefix_run_labels_come_from_eval_json(tmp_path: Path) -> None:
    run = tmp_path / "run-1"
    write(run / "preds.jsonl", pred("i-1", FIX, "codefix") + "\n" + pred("i-2", OTHER, "codefix") + "\n")
    write(run / "i-1" / "eval.json", json.dumps({"instance_id": "i-1", "resolved": True, "status": "resolved"}))
    partial = read_codefix_run(run)
    assert partial.resolved is None and "1 instance(s) without a usable eval.json" in partial.problems[0].message
    write(run / "i-2" / "eval.json", json.dumps({"instance_id": "i-2", "resolved": False, "status": "unresolved"}))
    full = read_codefix_run(run)
    assert (full.name, full.resolved, full.problems) == ("run-1", {"i-1"}, [])


def test_pools_merge_duplicates_across_submissions_keeping_every_source(tmp_path: Path) -> None:
    for name, preds in {"x": [("i-1", FIX), ("i-2", "")], "y": [("i-1", FIX_GIT)], "z": [("i-1", OTHER)]}.items():
        write(tmp_path / name / "all_preds.jsonl", "\n".join(pred(i, p) for i, p in preds))
    subs = [read_submission(tmp_path / n) for n in "xyz"]
    pools = build_pools(subs)
    assert list(pools) == ["i-1", "i-2"]
    assert [c.sources for c in pools["i-1"].candidates] == [["x", "y"], ["z"]]
    assert pools["i-2"].candidates == [] and pools["i-2"].dropped[0].reason == "empty patch"
    with pytest.raises(InputError, match="named 'x'"):
        build_pools([subs[0], subs[0]])


def test_patch_records_file_reports_bad_lines(tmp_path: Path) -> None:
    rec = {"instance_id": "i-1", "submission": "s1", "model_patch": FIX, "resolved": True}
    lines = [json.dumps(rec), json.dumps(rec), json.dumps({**rec, "submission": "s2", "resolved": False}),
             json.dumps({**rec, "instance_id": "zz"}), json.dumps(rec)[:30]]
    subs, problems = read_patch_records(write(tmp_path / "p.jsonl", "\n".join(lines)), known_instances={"i-1"})
    assert [(s.name, s.resolved) for s in subs] == [("s1", {"i-1"}), ("s2", set())]
    assert [p.where for p in problems] == ["line 2", "line 4", "line 5"]
    with pytest.raises(InputError, match="no such patch records file"):
        read_patch_records(tmp_path / "absent.jsonl")


def test_real_patches_in_the_experiments_layout_round_trip(tmp_path: Path, partial_rows, verified_ids) -> None:
    """The 1,107 real resolved patches written as 13 experiments-layout directories (plus one
    truncated line, one duplicate and one unknown instance) read back: everything reported,
    every real patch ingested."""
    by_sub: dict[str, list[dict]] = defaultdict(list)
    for row in partial_rows:
        by_sub[row["submission"]].append(row)
    for name, rows in by_sub.items():
        lines = [pred(r["instance_id"], r["model_patch"], name) for r in rows]
        write(tmp_path / name / "all_preds.jsonl", "\n".join(lines) + "\n")
        write(tmp_path / name / "results" / "results.json", json.dumps({"resolved": [r["instance_id"] for r in rows]}))
    victim = sorted(by_sub)[0]
    with (tmp_path / victim / "all_preds.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(pred(by_sub[victim][0]["instance_id"], "dup") + "\n")
        fh.write(pred("nobody__nothing-1", "x") + "\n")
        fh.write(pred("django__django-11099", FIX)[:40])
    subs = [read_submission(tmp_path / name, known_instances=set(verified_ids)) for name in sorted(by_sub)]
    problems = [p for s in subs for p in s.problems]
    assert len(problems) == 3 and all(victim in p.file for p in problems)
    assert sum(len(s.predictions) for s in subs) == len(partial_rows) == 1107
    assert all(s.resolved == set(s.predictions) for s in subs)
    pools = build_pools(subs)
    assert sum(len(c.sources) for p in pools.values() for c in p.candidates) == 1107
    assert len(pools) == len({r["instance_id"] for r in partial_rows})


def test_real_patch_records_file_reads_cleanly(partial_rows) -> None:
    subs, problems = read_patch_records(need(PARTIAL_PATCHES))
    assert problems == [] and len(subs) == 13
    assert sum(len(s.predictions) for s in subs) == len(partial_rows)
