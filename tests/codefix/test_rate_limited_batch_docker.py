"""`codefix batch` with several workers and 10 pairs per instance, whose model is a real litellm HTTP
model on the rate-limited fake endpoint answering as the gold model would: the endpoint refuses
requests during the run, and still every instance finishes with a prediction that resolves it, no refusal becomes
a verdict, and every call the endpoint served is recorded (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.run_layout import CANDIDATES, LEDGER, TRAJECTORIES
from tests.doubles.gold_over_http import GoldOverHttp
from tests.doubles.rate_limited_endpoint import RateLimitedEndpoint

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
IDS = ["codefix-fixtures__invoicing-1", "codefix-fixtures__dotenv-219"]
ENV = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
       "OPENAI_API_KEY": "sk-fake", "COLUMNS": "200"}


def test_a_rate_limited_http_batch_of_ten_pairs_each_finishes_every_instance_with_no_refusal_as_verdict(
        docker_client, tmp_path):
    ds = load_dataset(FIXTURES)
    instances = [ds.get(i) for i in IDS]
    # 3 requests per 2 s, refused ones counted: each instance's relevance scan alone sends 4-5 requests at
    # once, so refusals happen however slowly the sandboxes run (at 6 per 2 s they came only when the
    # two instances' scans or pairs happened to overlap: 5 refusals in 95 calls in one run)
    with RateLimitedEndpoint(requests=3, window=2.0, retry_after="seconds", respond=GoldOverHttp(instances)) as endpoint:
        proc = subprocess.run(
            [sys.executable, "-m", "codefix", "batch", "-d", str(FIXTURES), "--instances", ",".join(IDS),
             "-m", "openai/fake-model", "--api-base", endpoint.base_url + "/v1", "--price", "1,2",
             "--budget", "5", "-w", "2", "-n", "10", "-k", "4", "--runs-dir", str(tmp_path), "--run-id", "r"],
            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
        served, refused = endpoint.served, endpoint.refused
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert refused > 0, (served, refused)  # 429s really happened during the run
    print(f"served {served}, refused {refused}")

    run = tmp_path / "r"
    preds = {p["instance_id"]: p for p in map(json.loads, (run / "preds.jsonl").read_text().splitlines())}
    recorded = 0
    for inst in instances:
        directory = run / inst.instance_id
        assert json.loads((directory / "batch_status.json").read_text())["status"] == "done"
        assert preds[inst.instance_id]["model_patch"].strip()
        rows = [json.loads(line) for line in (directory / CANDIDATES).read_text().splitlines()]
        assert len(rows) == 10 and all(r["patch"].strip() for r in rows), [r.get("status") for r in rows]
        for path in (directory / TRAJECTORIES).glob("*.traj.json"):
            assert json.loads(path.read_text())["status"] != "model_error", path.name
        recorded += len(json.loads((directory / LEDGER).read_text())["calls"])
    assert recorded == served, (recorded, served, refused)

    graded = subprocess.run([sys.executable, "-m", "codefix", "evaluate", "-d", str(FIXTURES), "-p", str(run / "preds.jsonl"),
                             "-w", "2", "--runs-dir", str(tmp_path), "--run-id", "eval"],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=400)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    for inst in instances:  # each prediction resolves its instance
        assert json.loads((tmp_path / "eval" / inst.instance_id / "eval.json").read_text())["resolved"] is True
