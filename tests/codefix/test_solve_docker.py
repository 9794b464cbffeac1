"""`codefix solve` end to end in Docker on bundled fixtures, with the gold model (also when it
makes most trajectories wrong), graded with the evaluation flow; reruns resume."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"


def solve(tmp_path, instance_id, model, *extra, run_id="r"):
    args = [sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", instance_id, "-m", model,
            "-n", "4", "-w", "2", "--runs-dir", str(tmp_path), "--run-id", run_id, *extra]
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "COLUMNS": "200"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def preds(tmp_path, run_id="r"):
    return [json.loads(line) for line in (tmp_path / run_id / "preds.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("instance_id, model", [
    ("codefix-fixtures__invoicing-1", "gold"),
    ("codefix-fixtures__dotenv-219", "gold:wrong=0.7"),
])
def test_gold_solve_resolves_the_fixture_and_a_rerun_repeats_nothing(docker_client, tmp_path, instance_id, model):
    first = solve(tmp_path, instance_id, model, "--evaluate")
    out_dir = tmp_path / "r" / instance_id
    report = json.loads((out_dir / "eval.json").read_text())
    assert report["resolved"] is True, report
    [pred] = preds(tmp_path)
    assert pred["instance_id"] == instance_id and pred["model_name_or_path"] == f"codefix/{model}"
    assert pred["model_patch"] in first.stdout
    ledger = json.loads((out_dir / "ledger.json").read_text())
    assert {"relevance", "ranking", "testing", "editing"} <= set(ledger["by_stage"])
    assert "model calls this run: 0" not in first.stdout
    outcome = json.loads((out_dir / "solve.json").read_text())
    if model == "gold:wrong=0.7":  # pairs 1 and 2 of 4 are wrong: selection has to choose
        assert outcome["candidates"] == 2 and outcome["method"] == "selection_machine"
        assert ledger["by_stage"]["selection"]["calls"] >= 1

    again = solve(tmp_path, instance_id, model)
    assert "model calls this run: 0" in again.stdout
    assert "already solved" in again.stderr
    assert preds(tmp_path) == [pred]
    assert json.loads((out_dir / "ledger.json").read_text()) == ledger

    # Stage by stage: without the final outcome every stage resumes from its own artefacts.
    (out_dir / "solve.json").unlink()
    (tmp_path / "r" / "preds.jsonl").unlink()
    third = solve(tmp_path, instance_id, model)
    assert "model calls this run: 0" in third.stdout
    assert preds(tmp_path) == [pred]
    assert json.loads((out_dir / "solve.json").read_text()) == outcome


def test_a_budget_stop_is_recorded_as_incomplete_and_a_rerun_finishes_it(docker_client, tmp_path):
    instance_id = "codefix-fixtures__verspec-7"
    first = solve(tmp_path, instance_id, "gold", "--budget", "0.012")
    out_dir = tmp_path / "r" / instance_id
    outcome = json.loads((out_dir / "solve.json").read_text())
    assert outcome["complete"] is False and any("budget_exceeded" in u for u in outcome["unfinished"]), outcome
    assert "cut short" in first.stderr
    assert [p["instance_id"] for p in preds(tmp_path)] == [instance_id]
    calls_before = len(json.loads((out_dir / "ledger.json").read_text())["calls"])

    second = solve(tmp_path, instance_id, "gold", "--budget", "5", "--evaluate")
    outcome = json.loads((out_dir / "solve.json").read_text())
    assert outcome["complete"] is True and outcome["unfinished"] == [], outcome
    assert json.loads((out_dir / "eval.json").read_text())["resolved"] is True
    [pred] = preds(tmp_path)
    assert pred["model_patch"] == outcome["patch"]
    ledger = json.loads((out_dir / "ledger.json").read_text())
    assert ledger["budget_usd"] == 5 and len(ledger["calls"]) > calls_before
    assert "cut short" not in second.stderr
