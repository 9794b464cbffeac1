"""Images on a real two-node Ray cluster (`ray.cluster_utils.Cluster`): the head's environment
points DOCKER_HOST at a dead socket (a node without Docker), the worker reaches this machine's
engine, which holds a realbench image. `images prefetch --executor ray` reports per node (the
worker: present; the head: one line naming it and what to do); a batch's instance goes to the
worker, which holds its image, although Ray would otherwise place it on the driver's node; and a
task that lands on the head ends as an infrastructure error naming the head, its job never run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.realbench import VERIFIED, official_name, require_images

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
IID = "sympy__sympy-24443"


@dataclass
class ProbeJob:
    """A job of the test: where it ran is its whole result."""

    instance_id: str
    run_root: str
    env: dict = field(default_factory=dict)
    gate: object = None
    run_config: dict = field(default_factory=dict)


def report_node(job: ProbeJob) -> dict:
    """Test double of `run_instance`: writes a marker and returns the node it ran on."""
    import ray

    here = Path(job.run_root) / job.instance_id
    here.mkdir(parents=True, exist_ok=True)
    (here / "ran.txt").write_text("ran")
    return {"instance_id": job.instance_id, "status": "done", "node": ray.get_runtime_context().get_node_id()}


def test_prefetch_per_node_placement_by_image_and_a_node_without_docker(docker_client, tmp_path, capsys):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from codefix.cli.app import main
    from codefix.stages.executors import RayExecutor
    from codefix.stages.ray_shipping import ArtefactSink, driver_node_actor, run_shipped

    require_images(docker_client)
    dead = f"unix://{tmp_path / 'dead.sock'}"
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "env_vars": {"DOCKER_HOST": dead}})
    worker = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}})
    head_id = ray.get_runtime_context().get_node_id()
    try:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:  # the head failed
            main(["images", "prefetch", "-d", str(VERIFIED), "--instances", IID, "--no-pull",
                  "--executor", "ray", "--address", cluster.address])
        out, err = capsys.readouterr()
        assert exited.value.code == 1
        assert f"Ray node {worker.node_id[:12]}): pulled 0, present 1, failed 0" in out, out
        assert f"failed: node " in err and f"Ray node {head_id[:12]}) has no Docker engine answering at {dead}" in err, err
        assert "docker info" in err and "Traceback" not in err

        runner = RayExecutor(workers=2)
        runner.survey_images({"a": official_name(IID)})
        runner.submit("a", report_node, ProbeJob("a", str(tmp_path / "runs" / "r")))
        finished = []
        while runner.in_flight:
            finished += runner.wait(5)
        [(key, rec, exc)] = finished
        assert exc is None and rec["node"] == worker.node_id, (rec, exc)
        assert runner.preferred == {"a": worker.node_id}

        sink = driver_node_actor(ArtefactSink)
        on_head = ray.remote(num_cpus=0, max_retries=0)(run_shipped).options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(head_id, soft=False))
        shipped = ray.get(on_head.remote(report_node, ProbeJob("b", str(tmp_path / "runs" / "r")), b"", sink, "b", 1))
        rec = shipped["record"]
        assert rec["status"] == "infra_error" and rec["error"].startswith("node ") and head_id[:12] in rec["error"]
        assert dead in rec["error"] and "--run-id" in rec["error"]
        from codefix.stages.instance_archive import unpack

        unpack(shipped["archive"], tmp_path / "landed" / "b")
        assert (tmp_path / "landed" / "b" / "batch_status.json").is_file()
        assert not (tmp_path / "landed" / "b" / "ran.txt").exists()  # the job never ran there
    finally:
        ray.shutdown()
        cluster.shutdown()
