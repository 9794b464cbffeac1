"""The batch → evaluate → report path over every bundled fixture (Docker, gold model, 2 workers):
a gold run reports context recall, coverage and selected score of 100%; a run whose
trajectories are all wrong keeps full recall but reports 0% coverage and score."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
ENV = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
       "COLUMNS": "200"}
N_FIXTURES = sum(1 for line in FIXTURES.read_text().splitlines() if line.strip())


def codefix(*args, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "codefix", *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=timeout)
    return proc


def batch_evaluate_report(tmp_path: Path, model: str, run_id: str) -> tuple[dict, subprocess.CompletedProcess]:
    common = ["--runs-dir", tmp_path, "--run-id", run_id]
    proc = codefix("batch", "-d", FIXTURES, "-m", model, "-n", 2, "-k", 4, "-w", 2, *common)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / run_id
    preds = [json.loads(line) for line in (run / "preds.jsonl").read_text().splitlines()]
    assert len(preds) == N_FIXTURES and len({p["instance_id"] for p in preds}) == N_FIXTURES
    # Grading into the same run id puts each eval.json beside the instance's artefacts.
    proc = codefix("evaluate", "-d", FIXTURES, "-p", run / "preds.jsonl", "-w", 2, *common)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]  # 1 = a grading error
    for p in preds:
        assert (run / p["instance_id"] / "eval.json").is_file()
    proc = codefix("report", run, "--grade-candidates", "-d", FIXTURES, "-w", 2, "--plot", run / "plots")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (run / "plots" / "funnel.png").stat().st_size > 0
    return json.loads((run / "report.json").read_text()), proc


def test_gold_batch_reports_full_recall_coverage_and_score(docker_client, tmp_path):
    report, proc = batch_evaluate_report(tmp_path, "gold", "gold")
    funnel = report["funnel"]
    assert funnel["instances"] == N_FIXTURES
    assert funnel["context_recall"] == {"mean": 1.0, "full": N_FIXTURES, "known": N_FIXTURES}
    assert funnel["coverage"] == {"known": N_FIXTURES, "yes": N_FIXTURES, "unknown": 0, "rate": 1.0}
    assert funnel["selected"] == {"known": N_FIXTURES, "yes": N_FIXTURES, "unknown": 0, "rate": 1.0}
    assert f"{N_FIXTURES}/{N_FIXTURES} (100%)" in proc.stdout


def test_all_wrong_batch_reports_lower_coverage_and_score(docker_client, tmp_path):
    report, _ = batch_evaluate_report(tmp_path, "gold:wrong=1", "wrong")
    funnel = report["funnel"]
    assert funnel["context_recall"]["mean"] == 1.0  # the context stage is not a trajectory: still right
    assert funnel["coverage"]["known"] == N_FIXTURES and funnel["coverage"]["yes"] == 0
    assert funnel["selected"]["known"] == N_FIXTURES and funnel["selected"]["yes"] == 0
    assert report["coverage_at_k"]["by_k"]["1"] == 0.0
