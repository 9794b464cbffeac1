"""A run reproduced from its directory: `codefix solve --config runs/R/config.yaml` with the same
test double predicts the same patch; rerunning a run id with settings that would change its
finished results is refused (naming the keys) unless `--force`, while settings that only change
how it runs (workers) may differ."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__verspec-7"


def solve(runs: Path, run_id: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", INSTANCE,
                           "--runs-dir", str(runs), "--run-id", run_id, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def prediction(runs: Path, run_id: str) -> dict:
    [pred] = [json.loads(line) for line in (runs / run_id / "preds.jsonl").read_text().splitlines()]
    return pred


def test_a_run_is_reproduced_from_its_config_and_a_changed_rerun_is_refused(docker_client, tmp_path):
    first = solve(tmp_path, "r", "-m", "gold:wrong=0.5", "-n", "3", "-w", "2", "--top-k", "2", "--vote-workers", "1")
    assert first.returncode == 0, first.stderr[-3000:]
    config = yaml.safe_load((tmp_path / "r" / "config.yaml").read_text())
    assert config["model"]["name"] == "gold:wrong=0.5" and config["generation"]["samples"] == 3
    assert (config["selection"]["top_k"], config["selection"]["workers"], config["generation"]["workers"]) == (2, 1, 2)
    assert json.loads((tmp_path / "r" / INSTANCE / "solve.json").read_text())["method"] == "selection_machine"

    again = solve(tmp_path, "again", "--config", str(tmp_path / "r" / "config.yaml"))
    assert again.returncode == 0, again.stderr[-3000:]
    assert prediction(tmp_path, "again") == prediction(tmp_path, "r")
    assert (tmp_path / "again" / "config.yaml").read_text() == (tmp_path / "r" / "config.yaml").read_text()

    changed = solve(tmp_path, "r", "-m", "gold:wrong=0.5", "-n", "3", "-w", "2")  # top_k back to its default
    assert changed.returncode != 0
    assert "selection.top_k: 2 → 3" in changed.stderr and "--force" in changed.stderr, changed.stderr
    assert "workers" not in changed.stderr
    assert yaml.safe_load((tmp_path / "r" / "config.yaml").read_text()) == config

    runtime = solve(tmp_path, "r", "--config", str(tmp_path / "r" / "config.yaml"), "--vote-workers", "2")
    assert runtime.returncode == 0 and "already solved" in runtime.stderr, runtime.stderr[-3000:]

    forced = solve(tmp_path, "r", "-m", "gold:wrong=0.5", "-n", "3", "-w", "2", "--force")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert yaml.safe_load((tmp_path / "r" / "config.yaml").read_text())["selection"]["top_k"] == 3
