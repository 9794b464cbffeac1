"""Limits a sandbox enforces, against the real engine: a CPU share (explicit, or by default derived
from the host's cores and how many sandboxes run at once) and a cap on what a run may write, in
every writable area; the root filesystem takes nothing."""

from __future__ import annotations

import time

import pytest

from sandbox.docker.sandbox_config import default_cpus
from tests.sandbox.tiny_instance import tiny_image

pytestmark = pytest.mark.docker

# cgroup v2 or v1 (the engines here use v1): the quota and period, and the CPU time used in microseconds
CPU_MAX = ("cat /sys/fs/cgroup/cpu.max 2>/dev/null || "
           "echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)")
USAGE = ("awk '/^usage_usec/ {print $2}' /sys/fs/cgroup/cpu.stat 2>/dev/null | grep . || "
         "echo $(( $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage) / 1000 ))")
SPIN = "for i in 1 2 3 4; do timeout 3 sh -c 'while :; do :; done' & done; wait"


@pytest.fixture(scope="module")
def image(tmp_path_factory, docker_client):
    return tiny_image(tmp_path_factory.mktemp("tiny"), docker_client)[0]


def quota(sandbox) -> float:
    """Cores the container's cgroup allows ('max': unlimited, as inf)."""
    limit, period = sandbox.run(CPU_MAX).output.split()
    return float("inf") if limit in ("max", "-1") else int(limit) / int(period)


@pytest.mark.parametrize("parallel", [1, 2, 8])
def test_the_default_cpu_share_comes_from_cores_and_sandboxes_at_once(image, docker_client, parallel):
    from sandbox.docker.docker_sandbox import DockerSandbox

    with DockerSandbox(image, client=docker_client, parallel=parallel) as sb:
        assert quota(sb) == pytest.approx(default_cpus(parallel))


def test_four_spinning_processes_get_no_more_than_the_share(image, docker_client):
    """A fork-bomb-like load is held to its share: CPU time used <= share x wall time (+ slack)."""
    from sandbox.docker.docker_sandbox import DockerSandbox

    with DockerSandbox(image, client=docker_client, cpus=0.5) as sb:
        assert quota(sb) == pytest.approx(0.5)
        before = int(sb.run(USAGE).output)
        start = time.monotonic()
        sb.run(SPIN, timeout=30)
        wall = time.monotonic() - start
        used = (int(sb.run(USAGE).output) - before) / 1e6
    assert used <= 0.5 * wall * 1.15 + 0.2, (used, wall)


@pytest.mark.parametrize("area", ["/testbed", "/root", "/tmp", "/var/tmp"])
def test_a_run_cannot_write_past_the_disk_cap_anywhere(image, docker_client, area):
    from sandbox.docker.docker_sandbox import DockerSandbox

    with DockerSandbox(image, client=docker_client, disk="8m") as sb:
        small = sb.run(f"head -c 4000000 /dev/zero > {area}/small && echo ok")
        big = sb.run(f"head -c 12000000 /dev/zero > {area}/big; echo rc=$?")
        root = sb.run("echo x > /usr/planted; echo rc=$?")
        sb.reset()
        after = sb.run(f"ls {area}").output.split()
    assert small.output.strip() == "ok"
    assert "No space left on device" in big.output and "rc=1" in big.output, big.output
    assert "Read-only file system" in root.output, root.output
    assert "small" not in after and "big" not in after
