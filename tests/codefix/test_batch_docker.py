"""`codefix batch` end to end in Docker with the gold model: it resolves the fixtures, Ray gives the
same predictions, a SIGKILLed batch resumes without repeating finished calls, a run budget stops
scheduling, and an instance that cannot start fails alone."""

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
FIXTURES = ROOT / "data" / "fixtures.jsonl"
TWO = "codefix-fixtures__invoicing-1,codefix-fixtures__dotenv-219"
THREE = TWO + ",codefix-fixtures__verspec-7"
ENV = {**os.environ, "CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
       "COLUMNS": "200"}


def batch_args(tmp_path, *extra, dataset=FIXTURES, run_id="r"):
    return [sys.executable, "-m", "codefix", "batch", "-d", str(dataset), "-m", "gold", "-n", "2", "-k", "4",
            "--runs-dir", str(tmp_path), "--run-id", run_id, *extra]


def batch(tmp_path, *extra, ok=True, **kw):
    proc = subprocess.run(batch_args(tmp_path, *extra, **kw), cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=400)
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def preds(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "preds.jsonl").read_text().splitlines()]


def status(run_dir: Path, iid: str) -> dict:
    return json.loads((run_dir / iid / "batch_status.json").read_text())


def test_gold_batch_resolves_and_ray_gives_the_same_predictions(docker_client, tmp_path):
    batch(tmp_path, "--instances", TWO, "-w", "2")
    local = preds(tmp_path / "r")
    assert sorted(p["instance_id"] for p in local) == sorted(TWO.split(","))
    graded = subprocess.run([sys.executable, "-m", "codefix", "evaluate", "-d", str(FIXTURES), "-p",
                             str(tmp_path / "r" / "preds.jsonl"), "-w", "2", "--runs-dir", str(tmp_path),
                             "--run-id", "eval"], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=400)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    for iid in TWO.split(","):
        assert json.loads((tmp_path / "eval" / iid / "eval.json").read_text())["resolved"] is True

    again = batch(tmp_path, "--instances", TWO, "-w", "2")  # resumed: nothing runs
    assert "done 2/2 (2 from earlier)" in again.stderr
    assert preds(tmp_path / "r") == local

    batch(tmp_path, "--instances", TWO, "-w", "2", "--executor", "ray", run_id="ray")
    assert preds(tmp_path / "ray") == local
    for iid in TWO.split(","):
        assert status(tmp_path / "ray", iid)["status"] == "done"


def test_sigkilled_batch_resumes_without_repeating_finished_calls(docker_client, tmp_path):
    run_dir = tmp_path / "r"
    ids = THREE.split(",")
    proc = subprocess.Popen(batch_args(tmp_path, "--instances", THREE, "-w", "1"), cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180

    def done() -> list[str]:
        out = []
        for iid in ids:
            try:
                if status(run_dir, iid)["status"] == "done":
                    out.append(iid)
            except (OSError, ValueError):
                pass
        return out

    while not done() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    first_done = done()
    assert 1 <= len(first_done) < 3, proc.stdout.read().decode()[-2000:]
    # SIGKILL leaves no chance to clean up: remove this session's orphans as a user would (codefix clean)
    label = f"codefix.sandbox={os.environ['CODEFIX_SANDBOX_SESSION']}"
    for container in docker_client.containers.list(all=True, filters={"label": label}):
        container.remove(force=True)
    ledgers = {iid: (run_dir / iid / "ledger.json").read_text() for iid in first_done}

    rerun = batch(tmp_path, "--instances", THREE, "-w", "1")
    assert f"({len(first_done)} from earlier)" in rerun.stderr
    for iid in first_done:
        assert (run_dir / iid / "ledger.json").read_text() == ledgers[iid], f"{iid} was redone"
        assert status(run_dir, iid)["attempt"] == 1
    assert sorted(p["instance_id"] for p in preds(run_dir)) == sorted(ids)
    assert all(status(run_dir, iid)["status"] == "done" for iid in ids)


def test_a_run_budget_stops_scheduling_and_says_what_remains(docker_client, tmp_path):
    # The first instance costs about $0.05 with the gold double: it finishes, then the estimate stops the rest.
    proc = batch(tmp_path, "--instances", THREE, "-w", "1", "--budget", "0.07", ok=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    info = json.loads((tmp_path / "r" / "batch.json").read_text())
    statuses = {iid: (tmp_path / "r" / iid / "batch_status.json").read_text()[:1500]
                for iid in THREE.split(",") if (tmp_path / "r" / iid / "batch_status.json").exists()}
    assert info["budget_stop"] is True and len(info["unscheduled"]) >= 1, (info, statuses, proc.stderr[-4000:])
    assert info["spent_usd"] <= 0.07 and info["remaining_usd"] == pytest.approx(0.07 - info["spent_usd"])
    assert "budget stop: spent $" in proc.stderr and "not scheduled" in proc.stderr
    for iid in info["unscheduled"]:
        assert iid in proc.stderr and not (tmp_path / "r" / iid / "batch_status.json").exists()


def test_an_instance_that_cannot_start_fails_alone(docker_client, tmp_path):
    good = json.loads(FIXTURES.read_text().splitlines()[0])
    good["source"] = str((FIXTURES.parent / good["source"]).resolve())
    bad = {**good, "instance_id": "broken-1", "source": None, "image": "codefix-no-such-image:never"}
    bad.pop("source")
    dataset = tmp_path / "mixed.jsonl"
    dataset.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    proc = batch(tmp_path, "-w", "2", dataset=dataset, ok=False)
    assert proc.returncode == 1
    broken = status(tmp_path / "r", "broken-1")
    assert broken["status"] in ("error", "infra_error") and "Traceback" in broken["traceback"], broken
    assert "failed broken-1" in proc.stderr
    assert status(tmp_path / "r", good["instance_id"])["status"] == "done"
    assert [p["instance_id"] for p in preds(tmp_path / "r")] == [good["instance_id"]]
