"""`codefix report` on real `codefix solve -m gold` runs (Docker): full recall, resolved 1/1, and
coverage vs samples and iterations from the stored editing trajectories."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"


def test_report_of_a_gold_solve_run(docker_client, tmp_path):
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "COLUMNS": "200"}
    iid = "codefix-fixtures__dotenv-219"
    solve = [sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", iid, "-m", "gold", "-n", "2",
             "-w", "2", "--runs-dir", str(tmp_path), "--run-id", "r", "--evaluate"]
    proc = subprocess.run(solve, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "codefix", "report", str(run)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "100% mean, full on 1/1" in proc.stdout
    assert "selected (resolved)" in proc.stdout and "1/1 (100%)" in proc.stdout
    report = json.loads((run / "report.json").read_text())
    assert report["funnel"]["context_recall"]["mean"] == 1.0
    assert report["funnel"]["selected"] == {"known": 1, "yes": 1, "unknown": 0, "rate": 1.0}
    assert report["funnel"]["coverage"]["rate"] == 1.0
    assert report["cost_total"]["calls"] > 0 and report["cost_by_stage"]["editing"]["input_tokens"] > 0
    # gold edits on call 1 and accepts on call 2: every cap holds the gold patch, which eval.json graded
    by_cap = report["coverage_at_k_by_iterations"]
    assert by_cap["available"] is True and by_cap["lower_bound"] is False
    assert by_cap["by_iterations"] == {"1": {"1": 1.0, "2": 1.0}, "2": {"1": 1.0, "2": 1.0}}
    assert "editing calls ≤" in proc.stdout


def test_iterations_curve_of_a_gold_run_with_a_wrong_pair(docker_client, tmp_path):
    """A real run where one of two pairs is wrong: --grade-candidates grades what eval.json did not,
    and the curve (table, JSON, PNG) comes from the per-step patches the editing machine stored."""
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "COLUMNS": "200"}
    iid = "codefix-fixtures__invoicing-1"
    solve = [sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", iid, "-m", "gold:wrong=0.5",
             "-n", "2", "-w", "2", "--runs-dir", str(tmp_path), "--run-id", "r", "--evaluate"]
    proc = subprocess.run(solve, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # a hang guard, not a speed limit
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "r"
    steps = json.loads((run / iid / "trajectories" / "0.editing.traj.json").read_text())["steps"]
    assert steps[0]["call"] == 1 and steps[0]["patch"]  # the machine stored the patch after its edit
    report_cmd = [sys.executable, "-m", "codefix", "report", str(run), "--grade-candidates", "-d", str(FIXTURES),
                  "--plot", str(tmp_path / "plots")]
    proc = subprocess.run(report_cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    by_cap = json.loads((run / "report.json").read_text())["coverage_at_k_by_iterations"]
    assert by_cap["available"] is True and by_cap["lower_bound"] is False  # everything graded
    # n = 2, c = 1 at both caps: pass@1 = 1/2, pass@2 = 1
    assert by_cap["by_iterations"] == {"1": {"1": 0.5, "2": 1.0}, "2": {"1": 0.5, "2": 1.0}}
    assert "editing calls ≤" in proc.stdout
    assert (tmp_path / "plots" / "coverage_vs_samples_and_iterations.png").read_bytes().startswith(b"\x89PNG")


def test_grade_candidates_measures_coverage_and_caches(docker_client, tmp_path):
    from codefix.cli import main
    from codefix.core.datasets import load_dataset

    inst = load_dataset(FIXTURES).get("codefix-fixtures__invoicing-1")
    inst_dir = tmp_path / "r" / inst.instance_id
    inst_dir.mkdir(parents=True)
    pairs = [inst.wrong_patch, inst.patch, inst.wrong_patch]
    (inst_dir / "candidates.jsonl").write_text("".join(json.dumps({"pair": i, "status": "submitted", "patch": p}) + "\n"
                                                      for i, p in enumerate(pairs)))
    out = tmp_path / "report.json"
    assert main(["report", str(tmp_path / "r"), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["funnel"]["coverage"]["rate"] is None  # nothing graded yet
    args = ["report", str(tmp_path / "r"), "--grade-candidates", "-d", str(FIXTURES), "-w", "2", "--json", str(out)]
    assert main(args) == 0
    assert len(list((inst_dir / "grades").glob("*.json"))) == 2  # distinct candidates only
    report = json.loads(out.read_text())
    assert report["funnel"]["coverage"] == {"known": 1, "yes": 1, "unknown": 0, "rate": 1.0}
    assert report["instances"][0]["resolving_samples"] == 1
    assert report["coverage_at_k"]["by_k"]["1"] == pytest.approx(1 / 3) and report["coverage_at_k"]["lower_bound"] is False
    from codefix.reporting.grade_candidates import ungraded_candidates

    assert ungraded_candidates(inst_dir) == []  # a rerun grades nothing
