"""`codefix batch --executor ray` on a real two-node Ray cluster (`ray.cluster_utils.Cluster`: two
raylets on this machine, each with its own scratch root) with the gold model in Docker: the
instances run on both nodes, in the nodes' scratch directories, never in the driver's run
directory; the worker node is removed mid-run and every instance still ends with a prediction
that resolves, the lost node's instance rescheduled on the head; every call the provider served
(on both nodes) is in the driver's journals, and the spend stays within the budget."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from tests.codefix.test_kill_resume_ledger_docker import check

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
IDS = ["codefix-fixtures__invoicing-1", "codefix-fixtures__dotenv-219"]
BUDGET = 1.0


def first_call_journaled(scratch: Path) -> bool:
    """Whether an instance running under `scratch` has a paid call in its journal (the test's
    eyes on the worker node; the batch never reads it)."""
    from codefix.core.ledger_journal import JOURNAL_NAME

    for journal in scratch.glob(f"*/*/*/{JOURNAL_NAME}"):
        try:
            if '"kind": "call"' in journal.read_text():
                return True
        except OSError:
            continue
    return False


def test_batch_survives_a_lost_node_without_a_shared_filesystem(docker_client, tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    from codefix.cli.app import main
    from codefix.core.ledger_journal import JOURNAL_NAME
    from codefix.stages.ray_shipping import SCRATCH_ENV

    head_scratch, worker_scratch, runs = tmp_path / "scratch-head", tmp_path / "scratch-worker", tmp_path / "runs"
    paid_log = tmp_path / "paid.jsonl"
    env = {"CODEFIX_BASE_IMAGE": "codefix-base:bookworm", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "CODEFIX_TEST_PAID_LOG": str(paid_log), "CODEFIX_SANDBOX_SESSION": os.environ["CODEFIX_SANDBOX_SESSION"]}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "env_vars": {SCRATCH_ENV: str(head_scratch)}})
    worker = cluster.add_node(num_cpus=1, resources={"spare": 1}, env_vars={SCRATCH_ENV: str(worker_scratch)})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {**env, "PYTHONPATH": str(ROOT)},
                          "worker_process_setup_hook": "tests.codefix.paid_calls.install"})
    removed: list[float] = []

    def remove_after_a_paid_call() -> None:
        deadline = time.monotonic() + 180
        while not first_call_journaled(worker_scratch) and time.monotonic() < deadline:
            time.sleep(0.2)
        if time.monotonic() < deadline:
            removed.append(time.time())
            cluster.remove_node(worker)

    remover = threading.Thread(target=remove_after_a_paid_call, daemon=True)
    remover.start()
    try:
        code = main(["batch", "-d", str(FIXTURES), "-m", "gold", "-n", "2", "-k", "4", "--instances", ",".join(IDS),
                     "-w", "2", "--executor", "ray", "--budget", str(BUDGET), "--evaluate",
                     "--runs-dir", str(runs), "--run-id", "r"])
    finally:
        remover.join(timeout=5)
        ray.shutdown()
        cluster.shutdown()
        # the lost node's sandboxes were orphaned with it (its engine is this machine's): remove them
        label = f"codefix.sandbox={os.environ['CODEFIX_SANDBOX_SESSION']}"
        for container in docker_client.containers.list(all=True, filters={"label": label}):
            container.remove(force=True)
    assert removed, "no instance paid a call on the worker node"
    assert code == 0
    run = runs / "r"
    info = json.loads((run / "batch.json").read_text())
    assert sum(info["rescheduled"].values()) == 1, info
    lost = next(iter(info["rescheduled"]))
    statuses = {i: json.loads((run / i / "batch_status.json").read_text()) for i in IDS}
    assert statuses[lost]["node_lost"] == 1 and statuses[lost]["attempt"] == 2, statuses[lost]
    assert 0 < statuses[lost]["node_lost_at"] - removed[0] < 60  # the loss is seen within a minute
    assert info["artefact_bytes"] > 0
    print("FIGURES", json.dumps({"loss_to_reschedule_s": statuses[lost]["node_lost_at"] - removed[0],
                                 "artefact_bytes": info["artefact_bytes"], "seconds": info["seconds"]}))
    for iid, st in statuses.items():
        assert st["status"] == "done" and st["eval"]["resolved"] is True, st
    preds = [json.loads(line) for line in (run / "preds.jsonl").read_text().splitlines()]
    assert sorted(p["instance_id"] for p in preds) == sorted(IDS)
    # every served call (the lost node's included) is in the driver's journals; the budget held
    figures = check(paid_log, [run / i for i in IDS], budget=BUDGET, workers=2)
    assert figures["paid_calls"] > 0
    # the driver's run directory holds only what the driver wrote: no lock or scratch copy of a task
    assert not list(run.glob(f"*/{'.codefix.lock'}"))
    assert not list(run.glob(".*.incoming-*"))
    # the lost node's task never shipped its result: its scratch copy is all that is left on that node,
    # while the head's tasks ran in the head's scratch root and removed their copies after shipping
    assert [p.name.rsplit("-", 1)[0] for p in worker_scratch.iterdir()] == [lost]
    assert head_scratch.is_dir() and not [p for p in head_scratch.rglob("*") if p.is_file()]
    for journal in run.glob(f"*/{JOURNAL_NAME}"):
        assert str(head_scratch) not in str(journal) and str(worker_scratch) not in str(journal)
