"""Ray without a cluster: where an instance preferably runs (a node holding its image, with a free
slot), which nodes `images prefetch --nodes` means, and the one-line errors for a Ray address
that does not answer and a node whose Docker engine does not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codefix.core.errors import InputError
from codefix.stages.node_docker import engine_error, engine_of, no_docker_line
from codefix.stages.ray_connect import RayUnreachable, address_target, probe
from codefix.stages.ray_images import alive_nodes, chosen_nodes, free_slots, pick_holder

ROOT = Path(__file__).resolve().parents[2]
NODES = [
    {"NodeID": "bbbb0002", "Alive": True, "NodeManagerAddress": "10.0.0.2", "NodeManagerHostname": "gpu-b"},
    {"NodeID": "aaaa0001", "Alive": True, "NodeManagerAddress": "10.0.0.1", "NodeManagerHostname": "head"},
    {"NodeID": "cccc0003", "Alive": False, "NodeManagerAddress": "10.0.0.3", "NodeManagerHostname": "gone"},
]


def test_the_holder_with_the_most_free_slots_is_preferred():
    assert pick_holder({"a", "b"}, {"a": 1, "b": 3, "c": 8}) == "b"


def test_a_busy_holder_is_not_preferred_and_a_tie_goes_to_the_smallest_id():
    assert pick_holder({"a", "b"}, {"a": 0, "b": 2}) == "b"
    assert pick_holder({"b", "a"}, {"a": 2, "b": 2}) == "a"


def test_no_holder_with_room_means_no_hint():
    assert pick_holder({"a"}, {"a": 0, "b": 4}) is None
    assert pick_holder(set(), {"a": 4}) is None
    assert pick_holder({"gone"}, {"a": 4}) is None  # a holder that is no longer alive


def test_free_slots_count_each_placed_task_and_ignore_unknown_places():
    assert free_slots({"a": 2, "b": 1}, ["a", None, "b", "a", "elsewhere"]) == {"a": 0, "b": 0}


def test_only_alive_nodes_in_id_order():
    assert [n["NodeID"] for n in alive_nodes(NODES)] == ["aaaa0001", "bbbb0002"]


def test_nodes_named_by_ip_host_or_id_prefix():
    assert [n["NodeID"] for n in chosen_nodes(NODES)] == ["aaaa0001", "bbbb0002"]
    assert [n["NodeID"] for n in chosen_nodes(NODES, ["10.0.0.2"])] == ["bbbb0002"]
    assert [n["NodeID"] for n in chosen_nodes(NODES, ["head", "bbbb", "aaaa"])] == ["aaaa0001", "bbbb0002"]


def test_a_named_node_that_is_not_alive_is_refused_naming_the_alive_ones():
    with pytest.raises(InputError, match=r"no alive Ray node gone: alive are head \(10.0.0.1"):
        chosen_nodes(NODES, ["gone"])


def test_ray_addresses_and_the_port_the_driver_checks():
    assert address_target(None) is None and address_target("auto") is None
    assert address_target("10.1.2.3:6379") == ("10.1.2.3", 6379)
    assert address_target("ray://head") == ("head", 10001)
    assert address_target("ray://head:4000/") == ("head", 4000)
    assert address_target("[::1]:6379") == ("::1", 6379)
    for bad in ("head", "head:port", "head:0", ":6379"):
        with pytest.raises(InputError):
            address_target(bad)


def test_an_address_where_nothing_listens_is_one_line_at_once():
    start = time.monotonic()
    with pytest.raises(RayUnreachable) as caught:
        probe("127.0.0.1:1")
    assert time.monotonic() - start < 5
    assert "127.0.0.1:1" in str(caught.value) and "ray start --head" in str(caught.value)


def test_batch_with_an_address_that_does_not_answer_prints_one_line_and_writes_nothing(tmp_path):
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "codefix", "batch", "-d", str(ROOT / "data" / "fixtures.jsonl"),
                           "-m", "gold", "--executor", "ray", "--address", "127.0.0.1:1",
                           "--runs-dir", str(tmp_path / "runs")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert time.monotonic() - start < 30
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Ray cluster at 127.0.0.1:1 does not answer"), done.stderr
    assert not (tmp_path / "runs").exists()


def test_an_engine_that_does_not_answer_is_named_with_what_to_do(tmp_path):
    dead = f"unix://{tmp_path / 'dead.sock'}"
    why = engine_error({"DOCKER_HOST": dead})
    assert why is not None
    assert engine_error({}, docker_host=dead) is not None
    assert engine_of({"DOCKER_HOST": dead}) == dead and engine_of({"DOCKER_HOST": dead}, "tcp://e:2375") == "tcp://e:2375"
    line = no_docker_line("w1 (10.0.0.2, Ray node abc)", dead, "ConnectionError:\n refused", "rerun with the same --run-id")
    assert "\n" not in line
    assert line.startswith(f"node w1 (10.0.0.2, Ray node abc) has no Docker engine answering at {dead}")
    assert "docker info" in line and "--run-id" in line


def test_prefetch_takes_nodes_only_with_the_ray_executor(tmp_path):
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run([sys.executable, "-m", "codefix", "images", "prefetch", "-d", str(ROOT / "data" / "fixtures.jsonl"),
                           "--nodes", "10.0.0.2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --address and --nodes go with --executor ray", done.stderr


JOIN_LOCAL = """
import ray
from codefix.stages.ray_connect import join
join(None, num_cpus=1, include_dashboard=False, log_to_driver=False)
print(ray.get_runtime_context().gcs_address)
ray.shutdown()
"""


def test_no_address_starts_a_ray_of_its_own_beside_another_one_running_here():
    """`--executor ray` without --address while another Ray runs on this machine (a benchmark, a
    user's `ray start`): `ray.init()` alone joins that one and refuses `num_cpus` (seen in CI)."""
    from ray.cluster_utils import Cluster

    other = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        proc = subprocess.run([sys.executable, "-c", JOIN_LOCAL], cwd=ROOT, capture_output=True, text=True,
                              timeout=180, env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    finally:
        other.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] != other.address
