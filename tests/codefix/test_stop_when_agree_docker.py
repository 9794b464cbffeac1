"""`codefix solve --stop-when-agree 2` in Docker with the gold model making every other trajectory
wrong: the wrong pair does not stop generation, two right pairs do, fewer pairs run than asked,
the instance is still resolved, and a rerun repeats no model call and skips the same pairs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__unitkit-12"
SAMPLES = 8


def solve(tmp_path, *extra):
    args = [sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", INSTANCE, "-m", "gold:wrong=0.5",
            "-n", str(SAMPLES), "-w", "2", "--stop-when-agree", "2", "--runs-dir", str(tmp_path), "--run-id", "r", *extra]
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "COLUMNS": "200"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_solve_stops_once_two_right_pairs_agree_and_still_resolves(docker_client, tmp_path):
    first = solve(tmp_path, "--evaluate")
    out_dir = tmp_path / "r" / INSTANCE
    assert json.loads((out_dir / "eval.json").read_text())["resolved"] is True
    outcome = json.loads((out_dir / "solve.json").read_text())
    record = json.loads((out_dir / "early_stop.json").read_text())
    # gold:wrong=0.5 gets pairs 1 and 3 wrong; pairs 0 and 2 are right and agree
    assert record["stopped"] and record["agreeing_pairs"] == [0, 2], record
    assert outcome["complete"] is True and outcome["skipped_pairs"] == record["skipped_pairs"]
    # Which pairs were in flight when 0 and 2 had both finished depends on timing (2 at once):
    # from the decision on, every later pair is skipped; the last one always is.
    skipped = record["skipped_pairs"]
    assert skipped and skipped == list(range(skipped[0], SAMPLES)) and skipped[0] >= 3, skipped
    ran = sorted({int(p.name.split(".")[0]) for p in (out_dir / "trajectories").glob("*.traj.json")})
    assert ran == list(range(skipped[0]))
    assert 1 in ran  # the wrong pair finished without stopping anything
    editing_1 = json.loads((out_dir / "trajectories" / "1.editing.traj.json").read_text())
    assert editing_1["result"]["after"] != 0
    ledger = json.loads((out_dir / "ledger.json").read_text())
    pairs_called = {c["meta"].get("trajectory") for c in ledger["calls"] if c["stage"] in ("testing", "editing")}
    assert pairs_called == set(ran)
    assert "generation stopped early" in first.stderr

    (out_dir / "solve.json").unlink()  # every stage resumes from its own artefacts
    again = solve(tmp_path)
    assert "model calls this run: 0" in again.stdout
    assert json.loads((out_dir / "solve.json").read_text())["skipped_pairs"] == record["skipped_pairs"]
    assert json.loads((out_dir / "early_stop.json").read_text())["agreeing_pairs"] == [0, 2]
