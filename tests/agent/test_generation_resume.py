"""Killing `codefix generate` mid-run and running it again finishes without repeating calls."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]


def finished(traj_dir: Path) -> dict[str, str]:
    out = {}
    for path in traj_dir.glob("*.traj.json"):
        text = path.read_text()
        if json.loads(text)["status"] == "submitted":
            out[path.name] = text
    return out


def test_killed_generation_resumes_without_repeating_finished_calls(docker_client, tmp_path):
    args = [sys.executable, "-m", "codefix", "generate", "-d", str(ROOT / "data" / "fixtures.jsonl"),
            "-i", "codefix-fixtures__dotenv-219", "-m", "gold", "-n", "4", "-w", "1",
            "--runs-dir", str(tmp_path), "--run-id", "r"]
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    traj_dir = tmp_path / "r" / "codefix-fixtures__dotenv-219" / "trajectories"
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while len(finished(traj_dir)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    before = finished(traj_dir)
    assert 3 <= len(before) < 8, proc.stdout.read().decode()[-2000:]

    rerun = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    after = finished(traj_dir)
    assert len(after) == 8
    for name, text in before.items():
        assert after[name] == text, f"{name} was redone"
    for text in after.values():
        rec = json.loads(text)
        assert rec["calls"] == sum(m["role"] == "assistant" for m in rec["messages"]) == 2
    lines = (traj_dir.parent / "candidates.jsonl").read_text().splitlines()
    assert len(lines) == 4
