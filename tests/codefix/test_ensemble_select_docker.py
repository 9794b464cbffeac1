"""`codefix ensemble --select` in Docker: two submissions that each got one of two fixtures right
(gold patch) and the other wrong (wrong patch); the gold selection model picks the right ones."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
PICKED = ("codefix-fixtures__verspec-7", "codefix-fixtures__unitkit-12")


def submission(root: Path, name: str, patches: dict[str, str], resolved: list[str]) -> Path:
    d = root / name
    (d / "results").mkdir(parents=True)
    lines = [json.dumps({"instance_id": i, "model_name_or_path": name, "model_patch": p}) for i, p in patches.items()]
    (d / "all_preds.jsonl").write_text("\n".join(lines) + "\n")
    (d / "results" / "results.json").write_text(json.dumps({"resolved": resolved}))
    return d


def test_selection_picks_the_resolving_member_patch_per_instance(docker_client, tmp_path):
    recs = {r["instance_id"]: r for r in map(json.loads, FIXTURES.read_text().splitlines()) if r["instance_id"] in PICKED}
    x, y = (recs[i] for i in PICKED)
    a = submission(tmp_path, "alpha", {x["instance_id"]: x["patch"], y["instance_id"]: y["wrong_patch"]}, [x["instance_id"]])
    b = submission(tmp_path, "beta", {x["instance_id"]: x["wrong_patch"], y["instance_id"]: y["patch"]}, [y["instance_id"]])
    args = [sys.executable, "-m", "codefix", "ensemble", str(a), str(b), "-d", str(FIXTURES), "--select", "-m", "gold",
            "--runs-dir", str(tmp_path / "runs"), "--run-id", "ens"]
    env = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "runs" / "ens"
    preds = {p["instance_id"]: p for p in map(json.loads, (run / "preds.jsonl").read_text().splitlines())}
    assert {i: p["model_patch"] for i, p in preds.items()} == {x["instance_id"]: x["patch"], y["instance_id"]: y["patch"]}
    assert {p["model_name_or_path"] for p in preds.values()} == {"codefix-ensemble"}
    report = json.loads((run / "ensemble_report.json").read_text())
    assert report["members"]["alpha"]["resolved"] == report["members"]["beta"]["resolved"] == 1
    assert report["coverage"]["resolved"] == 2 and report["selected"]["resolved"] == 2
    assert report["random_candidate"]["expected"] == pytest.approx(1.0)
    assert report["distinct_candidates"] == {"2": 2}
    for iid in PICKED:
        assert json.loads((run / iid / "selection.json").read_text())["method"] == "selection_machine"
    assert "selected" in proc.stdout
    ledger = json.loads((run / "ledger.json").read_text())
    assert ledger["by_stage"]["selection"]["calls"] >= 2 and report["selection_failures"] == {}

    again = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len((run / "preds.jsonl").read_text().splitlines()) == 2
    assert json.loads((run / "ensemble_report.json").read_text()) == report
    assert "model calls this run: 0" in again.stdout
