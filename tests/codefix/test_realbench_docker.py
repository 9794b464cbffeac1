"""codefix on real SWE-bench Verified instances (the realbench stand-ins of their official images:
real repositories at their base commits, swebench's own install and eval scripts): gold patches
grade resolved and derived wrong patches unresolved, with the network as the official harness
grades; `solve -m gold:wrong=0.5` resolves, voting scores the right candidate above the wrong
one and selection rejects the wrong one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realbench import IDS, VERIFIED

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]


def codefix(*args, timeout=900) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "codefix", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    return proc


def write_preds(path: Path, patches: dict[str, str], name: str) -> Path:
    path.write_text("".join(json.dumps({"instance_id": i, "model_name_or_path": name, "model_patch": p}) + "\n"
                            for i, p in patches.items()))
    return path


def test_gold_resolves_and_a_derived_wrong_patch_does_not_on_every_shipped_instance(realbench_images, tmp_path):
    from agent.models.test_doubles.wrong_patch import derive_wrong_patch
    from codefix.core.datasets import load_dataset

    ds = load_dataset(VERIFIED)
    gold = write_preds(tmp_path / "gold.jsonl", {i: ds.get(i).patch for i in IDS}, "gold")
    wrong = write_preds(tmp_path / "wrong.jsonl", {i: derive_wrong_patch(ds.get(i).patch) for i in IDS}, "wrong")
    for preds, run, expected in ((gold, "gold", "resolved"), (wrong, "wrong", "unresolved")):
        proc = codefix("evaluate", "-d", str(VERIFIED), "-p", str(preds), "-w", "2", "--runs-dir", str(tmp_path),
                       "--run-id", run)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "graded with the network on, as the official SWE-bench harness does" in proc.stdout
        for iid in IDS:
            report = json.loads((tmp_path / run / iid / "eval.json").read_text())
            assert report["status"] == expected and report["network"] is True, report
            if expected == "unresolved":  # it applied and the tests ran: a real verdict, not a failure to grade
                assert report["patch_applied_with"] and report["fail_to_pass"]["failure"], report


def test_solve_with_half_the_trajectories_wrong_resolves_voting_and_selection_reject_the_wrong(realbench_images, tmp_path):
    iid = "sympy__sympy-24443"
    proc = codefix("solve", "-d", str(VERIFIED), "-i", iid, "-m", "gold:wrong=0.5", "-n", "2", "-w", "2",
                   "--evaluate", "--runs-dir", str(tmp_path), "--run-id", "s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = tmp_path / "s" / iid
    assert json.loads((out / "eval.json").read_text())["resolved"] is True
    selection = json.loads((out / "selection.json").read_text())
    assert selection["method"] == "selection_machine", selection
    right, wrong = selection["ranking"]
    assert right["id"] == selection["winner"] and right["score"] > wrong["score"], selection["ranking"]
    candidates = {json.loads(line)["pair"]: json.loads(line) for line in (out / "candidates.jsonl").read_text().splitlines()}
    assert len(candidates) == 2 and any("pass  # handle the case" in c["patch"] for c in candidates.values())
    assert "pass  # handle the case" not in selection["patch"]
