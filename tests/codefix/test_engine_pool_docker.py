"""A batch on a pool of engines one of which does not answer (a port nobody listens on): the
instance placed there is moved to the engine that answers and finishes; no instance fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.docker.engine import engine_name
from tests.sandbox.local_registry import free_port

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
TWO = ("codefix-fixtures__invoicing-1", "codefix-fixtures__dotenv-219")


def test_the_instance_placed_on_a_dead_engine_is_moved_and_every_instance_finishes(docker_client, tmp_path):
    dead = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "codefix", "batch", "-d", str(FIXTURES), "--instances", ",".join(TWO), "-m", "gold",
         "-n", "1", "-k", "4", "-w", "2", "--docker-host", engine_name(None), "--docker-host", dead,
         "--runs-dir", str(tmp_path), "--run-id", "p"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "done 2/2" in proc.stderr and "failed 0" in proc.stderr, proc.stderr[-3000:]
    statuses = [json.loads((tmp_path / "p" / iid / "batch_status.json").read_text()) for iid in TWO]
    assert sorted(s.get("engine_moves", 0) for s in statuses) == [0, 1], statuses  # the second went to the dead one
    assert all(s["status"] == "done" for s in statuses)
