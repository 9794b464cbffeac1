"""Containers belong to their run: SIGTERM/SIGINT of `batch` leave none of the run behind, a rerun
after SIGKILL reaps the orphans, and `codefix clean` spares a live run's containers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codefix.cli import main
from sandbox.docker.ownership import OWNER_LABEL, RUN_LABEL, SANDBOX_LABEL, label_value, owner_id

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def of_run(client, run_id: str) -> list:
    """The run's containers (sparse: one may be removed while they are listed)."""
    return client.containers.list(all=True, sparse=True,
                                  filters={"label": [f"{SANDBOX_LABEL}={label_value()}", f"{RUN_LABEL}={run_id}"]})


def remove_all_of(client, run_id: str) -> None:
    """A failed test's leftovers (the session checks that none of its containers remain)."""
    for container in of_run(client, run_id):
        try:
            container.remove(force=True)
        except Exception:  # removed meanwhile
            pass


def batch(tmp_path: Path, run_id: str, instances: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "codefix", "batch", "-d", str(FIXTURES), "--instances", instances, "-m", "gold",
            "-n", "4", "--pair-workers", "2", "-w", "2", "--runs-dir", str(tmp_path), "--run-id", run_id, *extra]


def wait_for_containers(client, run_id: str, proc: subprocess.Popen, at_least: int = 2) -> None:
    deadline = time.monotonic() + 300
    while len(of_run(client, run_id)) < at_least:
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "the batch started no sandbox"
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signalled_batch_leaves_no_container_of_its_run(docker_client, tmp_path, signum):
    run_id = f"sig{signum}"
    proc = subprocess.Popen(batch(tmp_path, run_id, "codefix-fixtures__dotenv-219,codefix-fixtures__verspec-7"),
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_containers(docker_client, run_id, proc)
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode != 0, out[-2000:]
        assert of_run(docker_client, run_id) == [], out[-2000:]
    finally:
        proc.kill()
        proc.wait()
        remove_all_of(docker_client, run_id)


def test_a_rerun_after_sigkill_reaps_the_orphans_and_finishes(docker_client, tmp_path):
    proc = subprocess.Popen(batch(tmp_path, "killed", "codefix-fixtures__dotenv-219"), cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_containers(docker_client, "killed", proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    orphans = of_run(docker_client, "killed")
    assert orphans and all(c.attrs["Labels"][OWNER_LABEL].split(":")[1] == str(proc.pid) for c in orphans)
    rerun = subprocess.run(batch(tmp_path, "killed", "codefix-fixtures__dotenv-219"), cwd=ROOT, env=ENV,
                           capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    try:
        assert "left behind by a killed earlier process" in rerun.stderr
        assert "done 1/1" in rerun.stderr and of_run(docker_client, "killed") == []
    finally:
        remove_all_of(docker_client, "killed")


LIVE = """
import sys, time
from sandbox.docker.docker_sandbox import DockerSandbox
sb = DockerSandbox(sys.argv[1]); sb.start()
print(sb.container.id, flush=True)
time.sleep(300)
"""


def test_clean_removes_orphans_but_spares_live_runs_unless_all(docker_client, tmp_path, capsys):
    from tests.sandbox.tiny_instance import tiny_image

    image = tiny_image(tmp_path, docker_client)[0]
    live = subprocess.Popen([sys.executable, "-c", LIVE, image], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**ENV, "CODEFIX_RUN_ID": "live-run"})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_owner = owner_id(int(dead.stdout))  # that process has exited: its start time is gone
    try:
        live_id = live.stdout.readline().strip()
        labels = {SANDBOX_LABEL: label_value(), RUN_LABEL: "dead-run"}
        orphans = [docker_client.containers.create(image, command=["true"], labels={**labels, OWNER_LABEL: dead_owner}),
                   docker_client.containers.create(image, command=["true"], labels=labels)]  # an older codefix's
        assert main(["clean"]) == 0
        assert "removed 2 containers; kept 1 of running processes" in capsys.readouterr().out
        left = {c.id for c in docker_client.containers.list(all=True, filters={"label": f"{SANDBOX_LABEL}={label_value()}"})}
        assert live_id in left and not {o.id for o in orphans} & left
        assert main(["clean", "--all"]) == 0
        assert "removed 1 container" in capsys.readouterr().out
        assert not of_run(docker_client, "live-run")
    finally:
        live.kill()
        live.wait()
