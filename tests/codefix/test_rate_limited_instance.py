"""A batch instance stopped by the rate limits (RateLimited: a call the endpoint's limiter could not
send within its wait budget) through the real `run_batch` and `run_instance`: its status is
infra_error, never a verdict or an outcome, and the next batch over the same run runs it again
without --retry-errors, while an instance's own error stays put (issue 19). The stages are
replaced by a double of `solve_instance`; the solve stages' own handling is tested in
tests/agent/test_loop.py, test_generation.py and test_rate_limited_endpoint.py."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from codefix.core.datasets import load_dataset
from codefix.core.errors import RateLimited
from codefix.stages.batch import run_batch
from codefix.stages.batch_job import BatchJob, run_instance
from codefix.stages.executors import LocalExecutor
from codefix.stages.run_config import RunConfig

ROOT = Path(__file__).resolve().parents[2]
LIMITED, BROKEN = "codefix-fixtures__invoicing-1", "codefix-fixtures__dotenv-219"


class IdleImages:
    """TEST DOUBLE of a backend's image acquirer: every instance's image is there."""

    @contextmanager
    def lease(self, instance):
        yield


class NoEngineBackend:
    """TEST DOUBLE of a sandbox backend for a `solve_instance` double that opens no sandbox."""

    images = IdleImages()

    def moved(self, instance) -> bool:
        return False


class SolveDouble:
    """TEST DOUBLE of `solve_instance`: LIMITED is refused by the rate limits while `refusing`, BROKEN
    fails on its own (a bug in its data); otherwise the instance is solved."""

    def __init__(self):
        self.refusing = True
        self.ran: list[str] = []

    def __call__(self, inst, **kwargs):
        from codefix.stages.solve import SolveOutcome

        self.ran.append(inst.instance_id)
        if inst.instance_id == BROKEN:
            raise KeyError("FAIL_TO_PASS")
        if self.refusing:
            raise RateLimited("editing: fake-model still refused after 900 s of waiting (wait budget 900 s)")
        return SolveOutcome(inst.instance_id, "solved", "diff --git a/x b/x\n")


def test_a_rate_limited_instance_is_an_infrastructure_failure_that_the_next_batch_retries(tmp_path, monkeypatch):
    import codefix.stages.solve

    solve = SolveDouble()
    monkeypatch.setattr(codefix.stages.solve, "solve_instance", solve)
    ds = load_dataset(ROOT / "data/fixtures.jsonl")
    instances = [ds.get(LIMITED), ds.get(BROKEN)]
    config = RunConfig.model_validate({"model": {"name": "gold"}}).model_dump(mode="json")
    run_root = tmp_path / "r"

    def batch():
        executor = LocalExecutor(2)
        try:
            return run_batch(instances, lambda inst, cap, gate: BatchJob(inst, ds.name, str(run_root), config, cap, gate),
                             executor, run_root=run_root, poll=0.01, run=lambda job: run_instance(job, NoEngineBackend()))
        finally:
            executor.shutdown()

    def status(iid: str) -> dict:
        return json.loads((run_root / iid / "batch_status.json").read_text())

    first = batch()
    assert status(LIMITED)["status"] == "infra_error" and status(LIMITED)["error"].startswith("RateLimited")
    assert status(BROKEN)["status"] == "error" and set(first.failed) == {LIMITED, BROKEN} and not first.done

    solve.refusing, solve.ran = False, []  # the provider is back
    second = batch()
    assert solve.ran == [LIMITED]  # retried as it is; the instance's own error is retried only when asked
    assert second.done == [LIMITED] and status(LIMITED)["status"] == "done" and status(LIMITED)["attempt"] == 2
