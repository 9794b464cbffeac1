"""On Ray the endpoint's known limits are shared by default: each task takes 1/N of them, N being
the tasks that can call at once, the smaller of --workers and the alive nodes' CPUs at batch start
(codefix/stages/limit_share.py and the Ray executor's `limit_share`)."""

from __future__ import annotations

import sys
import types

from codefix.stages.limit_share import calling_tasks, cpu_slots, shared_run_config
from codefix.stages.run_config import RunConfig

NODES = [
    {"Alive": True, "Resources": {"CPU": 4.0, "memory": 1e9}},
    {"Alive": True, "Resources": {"CPU": 1.0}},
    {"Alive": False, "Resources": {"CPU": 8.0}},  # a dead node
    {"Alive": True, "Resources": {"memory": 1e9}},  # no CPU: runs no task
]


def test_the_tasks_calling_at_once_are_the_workers_within_the_alive_cpu_slots() -> None:
    assert cpu_slots(NODES) == 5  # 4 + 1; the dead node and the CPU-less one add nothing
    assert cpu_slots([]) == 1  # never divide by zero
    assert calling_tasks(NODES, 3) == 3  # fewer workers than slots: 3 limiters at once
    assert calling_tasks(NODES, 64) == 5  # more workers than slots: only 5 tasks run at once


def test_known_limits_and_the_in_flight_ceiling_are_divided_among_the_nodes() -> None:
    config = RunConfig.model_validate({"model": {"name": "openai/m", "limits": {
        "requests_per_minute": 600, "input_tokens_per_minute": 90000, "max_in_flight": 64, "max_wait": 30},
        "relevance_limits": {"output_tokens_per_minute": 1000}}}).model_dump()
    shared = RunConfig.model_validate(shared_run_config(config, 2)).model
    assert (shared.limits.requests_per_minute, shared.limits.input_tokens_per_minute) == (300, 45000)
    assert shared.limits.output_tokens_per_minute is None
    assert (shared.limits.max_in_flight, shared.limits.max_wait) == (32, 30)
    assert shared.relevance_limits.output_tokens_per_minute == 500
    assert config["model"]["limits"]["requests_per_minute"] == 600  # the run's own config is untouched


def test_no_known_limits_or_one_node_leaves_the_config_as_it_is() -> None:
    learnt = RunConfig.model_validate({"model": {"name": "openai/m"}}).model_dump()
    assert shared_run_config(learnt, 3) == learnt  # nothing known to divide: each process learns its own
    known = RunConfig.model_validate({"model": {"name": "openai/m", "limits": {"requests_per_minute": 60}}}).model_dump()
    assert shared_run_config(known, 1) == known


class FakeRayModule(types.ModuleType):
    """A TEST DOUBLE of the `ray` module: enough of it for RayExecutor's start (init, nodes)."""

    def __init__(self, nodes: list[dict]):
        super().__init__("ray")
        self._nodes = nodes

    def is_initialized(self) -> bool:
        return False

    def init(self, **kwargs) -> None:
        pass

    def nodes(self) -> list[dict]:
        return self._nodes

    def get(self, value):
        return value


class FakeSinkHandle:
    """A TEST DOUBLE of the checkpoint sink actor's handle: `where.remote()` answers at once."""

    class where:  # noqa: N801 (an actor method's name)
        @staticmethod
        def remote() -> dict:
            return {}


def test_the_ray_executor_takes_n_from_the_cluster_at_start_and_threads_do_not_divide(monkeypatch) -> None:
    from codefix.stages.executors import LocalExecutor, RayExecutor

    monkeypatch.setitem(sys.modules, "ray", FakeRayModule(NODES))
    monkeypatch.setattr("codefix.stages.ray_shipping.driver_node_actor", lambda cls: FakeSinkHandle())
    assert RayExecutor(2).limit_share == 2
    assert RayExecutor(16).limit_share == 5
    local = LocalExecutor(2)
    assert local.limit_share == 1
    local.shutdown()
