"""A pool of engines (no Docker needed: engines at ports nobody listens on): `--docker-host`
twice makes one, instances go to the engine with the most free capacity, an instance whose
engine stopped answering is moved to another, and a batch job retries it there."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from codefix.cli.run_options import build_run_config
from codefix.core.errors import EngineUnreachable, SandboxError
from codefix.core.instance import Instance
from codefix.stages.batch_job import ENGINE_MOVES, _on_a_live_engine
from sandbox.backend_config import DockerPoolConfig
from sandbox.engine_placement import pick_engine
from tests.sandbox.local_registry import free_port


def test_the_engine_with_the_most_free_capacity_is_picked_and_dead_ones_never():
    assert pick_engine([2, 2], [0, 0]) == 0
    assert pick_engine([2, 2], [1, 0]) == 1
    assert pick_engine([2, 1], [1, 0]) == 1  # one free on each: the idle one
    assert pick_engine([1, 3], [0, 1]) == 1  # 2 free beat 1 free
    assert pick_engine([1, 1], [1, 1]) == 0  # all full: the first (the run's concurrency bounds them)
    assert pick_engine([4, 1], [0, 0], {0}) == 1
    assert pick_engine([1, 1], [0, 0], {0, 1}) is None


def test_docker_host_twice_is_a_pool_that_keeps_the_image_settings():
    config = build_run_config({"docker_host": ("tcp://a:2375", "unix:///b.sock"), "registry": "mirror:5000"})
    assert isinstance(config.sandbox, DockerPoolConfig)
    assert [(e.docker_host, e.capacity) for e in config.sandbox.engines] == [("tcp://a:2375", 1), ("unix:///b.sock", 1)]
    assert config.sandbox.images.registry == "mirror:5000"
    assert build_run_config({"docker_host": ("tcp://a:2375",)}).sandbox.docker_host == "tcp://a:2375"
    assert build_run_config({"docker_host": ()}).sandbox.docker_host is None


def inst(n: int) -> Instance:
    return Instance(instance_id=f"repo__x-{n}", repo="o/r", base_commit="0" * 40, problem_statement="p")


def test_instances_spread_by_capacity_and_one_whose_engine_died_moves_to_another():
    a, b = (f"tcp://127.0.0.1:{free_port()}" for _ in range(2))
    pool = DockerPoolConfig(engines=[{"docker_host": a, "capacity": 2}, {"docker_host": b}]).open(log=lambda m: None)
    placed = [pool.place(inst(n), hold=True).config.docker_host for n in range(3)]
    assert placed == [a, b, a]  # a has room for two, b for one
    assert pool.moved(inst(0)) is True  # nobody answers at a: left out, inst 0 goes elsewhere next
    assert pool.place(inst(0), hold=True).config.docker_host == b
    assert pool.place(inst(3), hold=True).config.docker_host == b  # a is dead, whatever its room
    assert pool.moved(inst(1)) is False  # b is the last engine: nowhere to move to
    with pytest.raises(EngineUnreachable, match="no engine of the pool answers"):
        pool.place(inst(4))


@dataclass
class Outcome:
    complete: bool


class MovingBackendDouble:
    """A backend whose engine dies under the first attempts: `moved` says yes `moves` times."""

    def __init__(self, moves: int):
        self.moves, self.leases = moves, 0
        self.images = self

    @contextmanager
    def lease(self, instance):
        self.leases += 1
        yield "image"

    def moved(self, instance) -> bool:
        self.moves -= 1
        return self.moves >= 0


def test_a_batch_job_whose_engine_died_is_resumed_on_another_engine_at_most_engine_moves_times():
    results = iter([SandboxError("engine gone"), Outcome(complete=False), Outcome(complete=True)])

    def attempt():
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    rec: dict = {}
    backend = MovingBackendDouble(moves=5)
    assert _on_a_live_engine(attempt, backend, inst(0), rec) == Outcome(complete=True)
    assert rec["engine_moves"] == 2 == ENGINE_MOVES and backend.leases == 3
    stuck = MovingBackendDouble(moves=0)  # the engine answers: the failure is the instance's own
    with pytest.raises(SandboxError):
        _on_a_live_engine(lambda: (_ for _ in ()).throw(SandboxError("x")), stuck, inst(0), {})
    assert _on_a_live_engine(lambda: Outcome(complete=False), stuck, inst(0), rec) == Outcome(complete=False)


def test_a_job_whose_engine_is_gone_before_its_image_lease_is_moved_too():
    calls = []

    class LeaseFailsOnce(MovingBackendDouble):
        @contextmanager
        def lease(self, instance):
            self.leases += 1
            if self.leases == 1:
                raise EngineUnreachable("cannot reach the Docker engine at tcp://x:1")
            yield "image"

    rec: dict = {}
    backend = LeaseFailsOnce(moves=1)
    assert _on_a_live_engine(lambda: calls.append(1) or Outcome(True), backend, inst(0), rec) == Outcome(True)
    assert calls == [1] and rec["engine_moves"] == 1


def test_moved_asks_about_the_engine_an_instance_last_ran_on_after_its_lease_ended():
    a, b = (f"tcp://127.0.0.1:{free_port()}" for _ in range(2))
    pool = DockerPoolConfig(engines=[{"docker_host": a}, {"docker_host": b}]).open(log=lambda m: None)
    assert pool.place(inst(0), hold=True).config.docker_host == a
    pool.unplace(inst(0))
    assert pool.moved(inst(0)) is True
    assert pool.place(inst(0)).config.docker_host == b
