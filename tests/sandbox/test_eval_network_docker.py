"""Grading has the network the official harness's containers have (Docker's default network)
unless --offline-eval; a test that needs a network stack tells the two apart. Building a
missing image is refused in one line under swebench 5, which no longer builds one from a record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefix.core.datasets import Dataset
from codefix.core.instance import Instance
from codefix.core.predictions import Prediction
from codefix.core.store import RunStore
from tests.selection.shared_data import VERIFIED, need

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
NEEDS_NETWORK = "import os\n\n\ndef test_network_stack():\n    assert os.path.exists('/sys/class/net/eth0')\n"


def network_instance(root: Path) -> Instance:
    src = root / "src"
    (src / "tests").mkdir(parents=True)
    (src / "tests" / "test_net.py").write_text(NEEDS_NETWORK)
    return Instance(instance_id="codefix-tests__net-1", repo="codefix-tests/net", base_commit="", problem_statement="x",
                    source=src, test_cmd="python3 -m pytest -rA tests/test_net.py",
                    FAIL_TO_PASS=["tests/test_net.py::test_network_stack"])


def test_grading_has_the_network_by_default_and_none_offline(docker_client, tmp_path):
    from codefix.stages.evaluation import evaluate_predictions

    inst = network_instance(tmp_path)
    ds = Dataset("net", [inst])
    pred = [Prediction(inst.instance_id, "empty", "")]
    online = evaluate_predictions(ds, pred, RunStore(tmp_path / "runs", "on"))[0]
    offline = evaluate_predictions(ds, pred, RunStore(tmp_path / "runs", "off"), network=False)[0]
    assert (online.status, online.network) == ("resolved", True), online.reason
    assert (offline.status, offline.network) == ("unresolved", False), offline.reason
    summary = json.loads((tmp_path / "runs" / "off" / "eval_summary.json").read_text())
    assert summary["network"] is False


def test_generation_sandboxes_stay_offline(docker_client, tmp_path):
    from sandbox.backend_config import sandbox_factory

    inst = network_instance(tmp_path)
    from sandbox.images.images import build_local_image

    tag, commit = build_local_image(inst, cache_dir=tmp_path / "cache", client=docker_client)
    sandboxes, _ = sandbox_factory(inst.model_copy(update={"image": tag, "base_commit": commit}))
    with sandboxes() as sandbox:
        assert sandbox.run("ls /sys/class/net").output.split() == ["lo"]


def test_build_missing_is_refused_in_one_line_under_swebench_5(docker_client, tmp_path):
    import socket

    need(VERIFIED)
    try:
        socket.getaddrinfo("registry-1.docker.io", 443)
        pytest.skip("Docker Hub is reachable: the harness would really build the images")
    except OSError:
        pass
    proc = subprocess.run(
        [sys.executable, "-m", "codefix", "evaluate", "-d", str(VERIFIED), "-i", "psf__requests-1142", "--gold",
         "--no-pull", "--build-missing", "--namespace", "codefix-test-build", "--runs-dir", str(tmp_path / "runs"),
         "--run-id", "b"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)})  # this checkout's codefix, run from elsewhere
    report = json.loads((tmp_path / "runs" / "b" / "psf__requests-1142" / "eval.json").read_text())
    assert proc.returncode == 1 and report["status"] == "error"
    assert "swebench 5 no longer builds an image from a record" in report["reason"]
    assert "\n" not in report["reason"]
