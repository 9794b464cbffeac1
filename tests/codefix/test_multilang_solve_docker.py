"""`codefix solve` on the non-Python fixtures (data/fixtures-multilang.jsonl: JavaScript with
`node --test`, Go with `go test`, images without Python) with the gold double: the prompts ask for
a shell script naming the language and the test command, the gold double writes one from the
record's own test command and log parser, and the pipeline resolves the instance; with
`gold:wrong=0.5` (pair 1 edits with the wrong patch) selection picks the right pair."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from tests.codefix.multilang_images import require_fixture_images

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "fixtures-multilang.jsonl"
INSTANCES = {inst.instance_id: inst for inst in load_dataset(DATASET)}
LANGUAGE = {"codefix-fixtures__qsparse-23": ("JavaScript/TypeScript", "node --test"),
            "codefix-fixtures__textwrap-9": ("Go", "go test")}


@pytest.fixture(scope="module")
def fixture_images(docker_client):
    return require_fixture_images(docker_client, INSTANCES.values())


def solve(tmp_path: Path, instance_id: str, model: str, samples: int) -> tuple[Path, dict]:
    args = [sys.executable, "-m", "codefix", "solve", "-d", str(DATASET), "-i", instance_id, "-m", model,
            "-n", str(samples), "-w", "2", "--runs-dir", str(tmp_path / "runs"), "--run-id", "r", "--evaluate",
            "--offline-eval"]
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200",
           "CODEFIX_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = tmp_path / "runs" / "r" / instance_id
    return out, json.loads((out / "eval.json").read_text())


def trajectory(out: Path, name: str) -> dict:
    return json.loads((out / "trajectories" / f"{name}.traj.json").read_text())


@pytest.mark.parametrize("instance_id", sorted(INSTANCES))
def test_gold_solves_with_a_shell_script_from_the_records_test_command(fixture_images, tmp_path, instance_id):
    out, report = solve(tmp_path, instance_id, "gold", 1)
    assert report["resolved"] is True, report
    testing = trajectory(out, "0.testing")
    system = testing["messages"][0]["content"]
    language, tool = LANGUAGE[instance_id]
    assert f"expert {language} developer" in system and "The script is a shell script" in system
    assert f"The repository's tests run with `{tool}" in system and "python3" not in system
    assert testing["result"]["test"].startswith("#!/bin/bash\n") and testing["result"]["exit_code"] == 2
    editing = trajectory(out, "0.editing")
    assert (editing["status"], editing["result"]["before"], editing["result"]["after"]) == ("submitted", 2, 0)


@pytest.mark.parametrize("instance_id", sorted(INSTANCES))
def test_gold_wrong_half_resolves_and_selection_picks_the_right_pair(fixture_images, tmp_path, instance_id):
    out, report = solve(tmp_path, instance_id, "gold:wrong=0.5", 2)
    assert report["resolved"] is True, report
    outcome = json.loads((out / "solve.json").read_text())
    assert outcome["candidates"] == 2 and outcome["patch"] == trajectory(out, "0.editing")["result"]["patch"], outcome
    wrong = trajectory(out, "1.editing")["result"]
    assert (wrong["before"], wrong["after"]) == (2, 2)  # the shell script tells the wrong patch apart
    chosen = json.loads(next((out / "selection").glob("*/trajectories/selection.traj.json")).read_text())
    assert chosen["format_errors"] == 0, chosen["steps"]  # its shell test was read, not asked again
    runs = next(step["runs"] for step in chosen["steps"] if "runs" in step)
    assert runs["unedited"]["exit_code"] == 2 and sorted(r["exit_code"] for r in runs.values()) == [0, 2, 2]


def test_noisy_shell_script_replies_are_read_or_asked_again_and_still_resolve(fixture_images, tmp_path):
    """The noisy double's shapes around a shell script (```bash fences, drafts, ACCEPT with a script,
    untagged code) on the Go fixture: the malformed ones are asked again, the run resolves."""
    out, report = solve(tmp_path, "codefix-fixtures__textwrap-9", "noisy:wrong=0.5,malformed=0.5", 2)
    assert report["resolved"] is True, report
    testing = [trajectory(out, f"{pair}.testing") for pair in (0, 1)]
    assert all(t["result"]["test"].startswith("#!/bin/bash\n") and t["result"]["exit_code"] == 2 for t in testing)
    records = testing + [trajectory(out, f"{pair}.editing") for pair in (0, 1)]
    assert sum(r["format_errors"] for r in records) >= 1  # seed 0 at this rate re-asks at least one reply
