"""Who owns a container, and whether that process is still alive (literals, no engine)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from sandbox.docker.ownership import OWNER_LABEL, is_orphan, owner_alive, owner_id, process_start
from sandbox.docker.sandbox_config import default_cpus


def test_this_process_is_alive_and_a_finished_one_is_dead():
    assert owner_alive(owner_id()) is True
    pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    assert owner_alive(f"{socket.gethostname()}:{pid}:12345") is False


def test_a_reused_pid_is_a_different_owner():
    host = socket.gethostname()
    started = process_start(os.getpid())
    assert owner_alive(f"{host}:{os.getpid()}:{int(started) - 1}") is False


def test_another_hosts_owner_cannot_be_judged_and_is_never_an_orphan():
    other = f"not-{socket.gethostname()}:1:1"
    assert owner_alive(other) is None
    assert not is_orphan({OWNER_LABEL: other})


def test_containers_without_an_owner_or_with_a_dead_one_are_orphans():
    assert is_orphan({}) and is_orphan({OWNER_LABEL: f"{socket.gethostname()}:notapid:"})
    assert not is_orphan({OWNER_LABEL: owner_id()})


@pytest.mark.parametrize("cores, parallel, expected", [(2, 1, 1.0), (2, 4, 1.0), (16, 1, 15.0), (16, 4, 4.0),
                                                       (16, 64, 1.0), (1, 1, 1.0), (8, 3, 8 / 3)])
def test_the_default_cpu_share_leaves_the_host_a_core(cores, parallel, expected):
    assert default_cpus(parallel, cores) == pytest.approx(expected)
