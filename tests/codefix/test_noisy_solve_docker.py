"""`codefix solve` end to end in Docker with the `noisy` double (gold answers in realistic reply
shapes, some malformed and re-asked, some cut at the output limit) on every bundled fixture.

Each fixture runs `noisy:wrong=0.5` with two pairs: pair 0 is answered as by `noisy` (wrong=0:
the same seed, the same shapes) and pair 1 with the fixture's wrong patch, so one run shows both
that the noisy double's right trajectory produces a resolving patch and that selection, reading
noisy replies too, picks it over the wrong one. One run of plain `-m noisy` checks the spec the
README gives.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.models.test_doubles.gold_answers.editing import patch_to_blocks
from codefix.core.datasets import load_dataset

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
IDS = [json.loads(line)["instance_id"] for line in FIXTURES.read_text().splitlines() if line.strip()]


def solve(tmp_path, instance_id, model, samples):
    args = [sys.executable, "-m", "codefix", "solve", "-d", str(FIXTURES), "-i", instance_id, "-m", model,
            "-n", str(samples), "-w", "2", "--runs-dir", str(tmp_path), "--run-id", "r", "--evaluate"]
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "COLUMNS": "200"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = tmp_path / "r" / instance_id
    return out, json.loads((out / "eval.json").read_text())


def trajectory(out: Path, name: str) -> dict:
    return json.loads((out / "trajectories" / f"{name}.traj.json").read_text())


@pytest.mark.parametrize("instance_id", IDS)
def test_noisy_replies_still_resolve_and_selection_picks_the_right_pair(docker_client, tmp_path, instance_id):
    out, report = solve(tmp_path, instance_id, "noisy:wrong=0.5", 2)
    assert report["resolved"] is True, report
    outcome = json.loads((out / "solve.json").read_text())
    assert outcome["method"] == "selection_machine" and outcome["candidates"] == 2, outcome
    right = trajectory(out, "0.editing")
    assert right["status"] == "submitted" and outcome["patch"] == right["result"]["patch"]
    assert trajectory(out, "1.editing")["result"]["patch"] != right["result"]["patch"]
    inst = load_dataset(str(FIXTURES)).get(instance_id)
    gold_reply = "This fixes the issue.\n\n" + patch_to_blocks(inst.patch)
    replies = [m["content"] for m in right["messages"] if m["role"] == "assistant"]
    assert gold_reply not in replies  # the edit came in a reshaped reply, not the gold double's own


def test_plain_noisy_spec_solves_a_fixture(docker_client, tmp_path):
    out, report = solve(tmp_path, "codefix-fixtures__dotenv-219", "noisy", 1)
    assert report["resolved"] is True, report
    assert json.loads((out / "solve.json").read_text())["method"] == "only_candidate"
