"""`codefix report` on a real `codefix solve -m gold` run (Docker): full recall, resolved 1/1."""

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
