"""`codefix ensemble --no-select` over the four submissions the CodeMonkeys paper ensembled,
rebuilt in the experiments layout from their real resolved lists; and bad input per line."""

import json
from pathlib import Path

import pytest

from codefix.cli import main
from tests.selection.shared_data import VERIFIED, need, resolved_list

PAPER_MEMBERS = {
    "20250110_blackboxai_agent_v1.1": 62.8,
    "20241221_codestory_midwit_claude-3-5-sonnet_swe-search": 62.2,
    "20250110_learn_by_interact_claude3.5": 60.2,
    "20241213_devlo": 58.2,
}
FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"


def experiments_dir(root: Path, name: str, preds: list[dict], resolved: list[str] | None) -> Path:
    d = root / name
    (d / "results").mkdir(parents=True)
    (d / "all_preds.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    if resolved is not None:
        (d / "results" / "results.json").write_text(json.dumps({"resolved": resolved}))
    return d


def test_paper_ensemble_scores_union_and_random_pick(tmp_path, capsys):
    ids = [json.loads(line)["instance_id"] for line in need(VERIFIED).read_text().splitlines() if line.strip()]
    dirs = []
    for folder in PAPER_MEMBERS:
        resolved = resolved_list(folder)["resolved"]
        # Their patches are not public here: every instance gets an empty prediction.
        preds = [{"instance_id": i, "model_name_or_path": folder, "model_patch": ""} for i in ids]
        dirs.append(str(experiments_dir(tmp_path / "subs", folder, preds, resolved)))
    out_json = tmp_path / "report.json"
    code = main(["ensemble", *dirs, "-d", str(VERIFIED), "--no-select", "--runs-dir", str(tmp_path / "runs"),
                 "--run-id", "paper", "--json", str(out_json)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(out_json.read_text())
    assert report["total"] == 500
    got = {name: round(m["pct"], 1) for name, m in report["members"].items()}
    assert got == PAPER_MEMBERS
    assert report["coverage"] == {"resolved": 393, "pct": 78.6}
    assert round(report["random_member"]["pct"], 1) == 60.9
    assert report["selected"]["resolved"] is None
    assert json.loads((tmp_path / "runs" / "paper" / "ensemble_report.json").read_text()) == report
    for line in ("62.8%", "78.6%", "60.9%"):
        assert line in captured.out
    assert "blackboxai" in captured.out
    assert not (tmp_path / "runs" / "paper" / "preds.jsonl").exists()


def test_bad_lines_are_reported_one_by_one_and_the_rest_used(tmp_path, capsys):
    recs = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]
    a, b, c = recs[:3]
    good = lambda r, patch: {"instance_id": r["instance_id"], "model_name_or_path": "x", "model_patch": patch}  # noqa: E731
    lines = [json.dumps(good(a, a["patch"])), json.dumps(good(b, b["wrong_patch"])),
             json.dumps(good(a, a["wrong_patch"])),  # duplicate id
             json.dumps({"instance_id": "nobody__nothing-1", "model_name_or_path": "x", "model_patch": a["patch"]}),
             json.dumps({"instance_id": c["instance_id"], "model_name_or_path": "x"}),  # no patch
             json.dumps(good(c, c["patch"]))[:40]]  # truncated last line
    sub = tmp_path / "subs" / "broken"
    (sub / "results").mkdir(parents=True)
    (sub / "all_preds.jsonl").write_text("\n".join(lines))
    (sub / "results" / "results.json").write_text(json.dumps({"resolved": [a["instance_id"], "ghost__x-2"]}))
    other = experiments_dir(tmp_path / "subs", "other", [good(b, b["patch"])], [b["instance_id"]])
    code = main(["ensemble", str(sub), str(other), "-d", str(FIXTURES), "--no-select",
                 "--runs-dir", str(tmp_path / "runs"), "--run-id", "bad"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    skipped = [line for line in captured.err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 5, captured.err
    assert "line 3" in skipped[0] and "predicted twice" in skipped[0]
    assert "line 4" in skipped[1] and "unknown instance nobody__nothing-1" in skipped[1]
    assert "line 5" in skipped[2] and "missing field(s) model_patch" in skipped[2]
    assert "line 6" in skipped[3] and "malformed JSON" in skipped[3]
    assert "unknown instance ghost__x-2" in skipped[4]
    report = json.loads((tmp_path / "runs" / "bad" / "ensemble_report.json").read_text())
    assert len(report["problems"]) == 5
    assert report["members"]["broken"]["resolved"] == 1 and report["members"]["other"]["resolved"] == 1
    assert report["coverage"]["resolved"] == 2
    # a's gold patch (1 candidate) and b's gold and wrong patches (2 distinct candidates)
    assert report["distinct_candidates"] == {"1": 1, "2": 1}
    assert report["random_candidate"]["expected"] == pytest.approx(1.5)


def test_no_members_is_one_clear_error(tmp_path, capsys):
    assert main(["ensemble", "-d", str(FIXTURES), "--no-select"]) == 2
    assert "at least one SUBMISSION_DIR" in capsys.readouterr().err
    missing = tmp_path / "nope"
    assert main(["ensemble", str(missing), "-d", str(FIXTURES), "--no-select"]) == 2
    assert "no such submission directory" in capsys.readouterr().err


def test_a_codefix_run_is_a_member_labelled_by_its_evaluations(tmp_path, capsys):
    recs = [json.loads(line) for line in FIXTURES.read_text().splitlines() if line.strip()]
    a, b = recs[:2]
    run = tmp_path / "runs" / "solve-1"
    for rec, resolved in ((a, True), (b, False)):
        (run / rec["instance_id"]).mkdir(parents=True)
        (run / rec["instance_id"] / "eval.json").write_text(json.dumps({"status": "resolved" if resolved else "unresolved",
                                                                        "resolved": resolved}))
    (run / "preds.jsonl").write_text("".join(
        json.dumps({"instance_id": r["instance_id"], "model_name_or_path": "codefix/gold", "model_patch": p}) + "\n"
        for r, p in ((a, a["patch"]), (b, b["wrong_patch"]))))
    other = experiments_dir(tmp_path / "subs", "other", [
        {"instance_id": b["instance_id"], "model_name_or_path": "o", "model_patch": b["patch"]}], [b["instance_id"]])
    code = main(["ensemble", str(other), "--codefix-run", str(run), "-d", str(FIXTURES), "--no-select",
                 "--runs-dir", str(tmp_path / "out"), "--run-id", "e"])
    assert code == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "out" / "e" / "ensemble_report.json").read_text())
    assert report["members"]["solve-1"]["resolved"] == 1 and report["members"]["other"]["resolved"] == 1
    assert report["coverage"]["resolved"] == 2 and report["problems"] == []
    assert report["distinct_candidates"] == {"1": 1, "2": 1}


def test_the_ensemble_model_takes_its_price_from_config(tmp_path, capsys):
    """The selection model is made through the run session, so `--config`'s model.price reaches it
    (a model litellm has no price for is named once; priced from the file, it is not)."""
    rec = json.loads(FIXTURES.read_text().splitlines()[0])
    patch = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1,2 @@\n-a = 1\n+a = 2\n+b = 3\n"
    sub = experiments_dir(tmp_path / "subs", "one", [{"instance_id": rec["instance_id"], "model_name_or_path": "one",
                                                      "model_patch": patch}], [rec["instance_id"]])
    config = tmp_path / "config.yaml"
    config.write_text("model:\n  name: openai/codefix-unpriced-selector\n")
    base = ["ensemble", str(sub), "-d", str(FIXTURES), "--config", str(config), "--runs-dir", str(tmp_path / "runs")]
    assert main([*base, "--run-id", "unpriced"]) == 0
    assert "no price known for openai/codefix-unpriced-selector" in capsys.readouterr().err
    config.write_text("model:\n  name: openai/codefix-unpriced-selector\n  price: 1,2\n")
    assert main([*base, "--run-id", "priced"]) == 0
    assert "no price known" not in capsys.readouterr().err
    chosen = json.loads((tmp_path / "runs/priced" / rec["instance_id"] / "selection.json").read_text())
    assert chosen["method"] == "only_candidate" and chosen["patch"] == patch
