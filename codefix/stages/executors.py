"""Executors of `codefix batch`: where each instance's job runs.

Both run the same top-level function on a picklable job and hand back `(key, result, error)`
triples as jobs finish; the batch loop decides what to schedule next (budget, resume). Each also
makes the batch's run-wide budget gate where its jobs can reach it (`budget_gate`): an object in
this process for threads, a small actor for Ray tasks.

- `LocalExecutor`: a thread pool in this process (the default).
- `RayExecutor`: one Ray task per instance on a Ray cluster. Ray only schedules; every node
  runs its own Docker engine. No shared filesystem is needed: a task runs its instance in a
  scratch directory of its node and ships the instance directory back (checkpoints as it goes,
  the whole directory at the end), and the driver alone writes `runs/<run>/`
  (`codefix.stages.ray_shipping`, `codefix.stages.instance_archive`). A task whose node or worker
  dies is run again on another node from the driver's copy (`batch.NODE_LOSS_RETRIES`).

Running on several machines with Ray:

1. On every machine: install codefix with the same version (`pip install codefix[ray]`) and make
   sure `docker info` works for the user running Ray. Optionally set `CODEFIX_RAY_SCRATCH` in the
   environment of `ray start` (a local directory for the instances' scratch copies; default: the
   system's temporary directory). A local dataset file must be at the same path on every node.
2. On the head machine: `ray start --head --port 6379 --num-cpus N` (N = instances at once on it).
3. On each other machine: `ray start --address HEAD_IP:6379 --num-cpus N`.
4. Optionally, on the head: `codefix images prefetch --executor ray --address HEAD_IP:6379 ...`
   fetches the selection's images on every node (`codefix.stages.ray_images`).
5. On the head: `codefix batch --executor ray --address HEAD_IP:6379 --runs-dir runs ...` (or
   `--address auto`); the runs directory is the head's own (a shared one works too). Without
   `--address` a single-machine Ray is started just for the batch. An address that does not answer
   is refused in seconds (`codefix.stages.ray_connect`); a task on a node whose Docker engine does
   not answer ends as an infrastructure error naming the node (`codefix.stages.node_docker`).
Before scheduling, the batch asks each node which of its instances' images it holds
(`survey_images`) and submits each instance with a soft node affinity to a holder with a free
CPU slot.
Each task asks Ray for one CPU, so `--num-cpus` of a node bounds how many instances it runs
at once; `--workers` bounds how many are in flight over the whole cluster. The budget gate and the
checkpoint sink are actors pinned to the driver's node, so they outlive any worker node.

Rate limits on Ray: a limiter lives in one process, so the endpoint's known limits
(`model.limits`, `model.relevance_limits`: requests and tokens per minute) are shared by default:
every task takes 1/N of them (`EndpointLimits.share(N)`, `codefix.stages.limit_share`), N being the
tasks that can call at once: the smaller of `--workers` and the CPUs of the alive nodes when the
batch starts (each task asks for one CPU and runs one limiter in its own process). Each executor's
`limit_share` is the N its jobs' configs are divided by (1 for threads: one limiter for the whole
batch). Nodes that join later do not change N; a lost node leaves the others their share.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Finished = tuple[str, Any, BaseException | None]


class LocalExecutor:
    """Jobs on a thread pool of `workers` threads in this process."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.limit_share = 1
        """The jobs share this process's limiters: the known limits are not divided."""
        self._pool = cf.ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="batch")
        self._futures: dict[cf.Future, str] = {}

    @property
    def in_flight(self) -> int:
        return len(self._futures)

    def submit(self, key: str, fn: Callable[[Any], Any], job: Any) -> None:
        self._futures[self._pool.submit(fn, job)] = key

    def budget_gate(self, budget: float, committed: float):
        """The run-wide budget gate the jobs' ledgers pass (`codefix.core.budget_gate`)."""
        from codefix.core.budget_gate import BudgetGate

        return BudgetGate(budget, committed)

    def wait(self, timeout: float) -> list[Finished]:
        """The jobs that finished within `timeout` seconds (maybe none)."""
        if not self._futures:
            return []
        done, _ = cf.wait(list(self._futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        out = []
        for fut in done:
            key = self._futures.pop(fut)
            exc = fut.exception()
            out.append((key, None if exc else fut.result(), exc))
        return out

    def shutdown(self, *, cancel: bool = False) -> None:
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class RayExecutor:
    """Jobs as Ray tasks (one CPU each). `address`: a cluster ("auto", "HOST:PORT",
    "ray://HOST:10001") or None to start a local Ray just for this batch.

    Each job must have `run_root` (the driver's run directory) and `env`; its task runs in a
    scratch directory of its node and the driver alone writes `<run_root>/<key>/` from what the
    task ships back (`codefix.stages.ray_shipping`)."""

    def __init__(self, workers: int, address: str | None = None, *, num_cpus: int | None = None):
        import ray  # heavy: only when the Ray executor is chosen

        self._ray = ray
        self.workers = max(1, workers)
        self._started_here = not ray.is_initialized()
        if self._started_here:
            from codefix.stages.ray_connect import join

            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if not address:
                kwargs["num_cpus"] = num_cpus or self.workers
            join(address, **kwargs)  # an address that does not answer: one line within seconds
        from codefix.stages.limit_share import calling_tasks

        self.limit_share = calling_tasks(ray.nodes(), self.workers)
        """N, the tasks that can call at once (workers, at most the CPU slots at batch start): each
        task's limiter takes 1/N of the known limits."""
        from codefix.stages.ray_shipping import ArtefactSink, driver_node_actor

        self._remote = None
        self._sink = driver_node_actor(ArtefactSink)
        ray.get(self._sink.where.remote())  # up before the first task needs it: a once-a-batch start-up cost
        self._refs: dict[Any, tuple[str, Any]] = {}
        self._attempts: dict[str, int] = {}
        self._known: dict[str, tuple[int, int]] = {}
        self._gate = None
        self._wanted: dict[str, str] = {}
        self._holders: dict[str, set[str]] = {}
        self._cpus: dict[str, int] = {}
        self._placed: dict[str, str | None] = {}
        self.preferred: dict[str, str] = {}
        """Instance → the node it was sent to because that node held its image (soft affinity)."""
        self.bytes_shipped = 0
        """Archive bytes moved between the driver and the tasks (seeds, checkpoints, results)."""
        self.ship_seconds = 0.0
        """Seconds spent moving them: the driver's packing and landing, and the finished tasks' own."""

    @property
    def in_flight(self) -> int:
        return len(self._refs)

    def submit(self, key: str, fn: Callable[[Any], Any], job: Any) -> None:
        from codefix.stages.instance_archive import pack
        from codefix.stages.ray_shipping import run_shipped

        if self._remote is None:
            self._remote = self._ray.remote(num_cpus=1, max_retries=0)(run_shipped)
        start = time.perf_counter()
        seed = pack(Path(job.run_root) / key)
        self.ship_seconds += time.perf_counter() - start
        self.bytes_shipped += len(seed)
        attempt = self._attempts[key] = self._attempts.get(key, 0) + 1
        remote = self._remote
        node = self._holder_for(key)
        if node is not None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            remote = remote.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=True))
            self.preferred[key] = node
        self._placed[key] = node
        self._refs[remote.remote(fn, job, seed, self._sink, key, attempt)] = (key, job)

    def survey_images(self, wanted: dict[str, str]) -> None:
        """Before scheduling: ask each alive node which of the images `wanted` (instance → image
        name) it holds, so that each instance is sent to a holder with a free slot
        (`codefix.stages.ray_images`)."""
        from codefix.stages.ray_images import survey

        self._wanted = dict(wanted)
        self._holders, self._cpus = survey(self._wanted.values()) if wanted else ({}, {})

    def _holder_for(self, key: str) -> str | None:
        from codefix.stages.ray_images import free_slots, pick_holder

        holders = self._holders.get(self._wanted.get(key, ""), set())
        if not holders:
            return None
        running = {k for k, _job in self._refs.values()}
        return pick_holder(holders, free_slots(self._cpus, [self._placed.get(k) for k in running]))

    def budget_gate(self, budget: float, committed: float):
        """The run-wide budget gate, as an actor every task's ledger reaches (`ray_budget_gate`)."""
        from codefix.stages.ray_budget_gate import start_ray_gate

        self._gate = start_ray_gate(budget, committed)
        return self._gate

    def wait(self, timeout: float) -> list[Finished]:
        if not self._refs:
            return []
        done, _ = self._ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        self._take_checkpoints(dict(self._refs.values()))  # a lost task's last one: where its retry starts
        if self._holders:  # where the tasks without a hint went: their slots are taken too
            for key, node in self._ray.get(self._sink.where.remote()).items():
                if self._placed.get(key) is None:
                    self._placed[key] = node
        out = []
        for ref in done:
            key, job = self._refs.pop(ref)
            try:
                shipped = self._ray.get(ref)
            except Exception as exc:  # the task's worker died, or Ray lost the node
                self._lost(key, Path(job.run_root) / key)
                out.append((key, None, exc))
                continue
            self._land(Path(job.run_root) / key, shipped["archive"])
            self.ship_seconds += shipped.get("ship_seconds", 0.0)
            self._ray.get(self._sink.drop.remote(key))
            self._known.pop(key, None)
            out.append((key, shipped["record"], None))
        return out

    def _lost(self, key: str, directory: Path) -> None:
        """A task that ended without its result: the calls it had in flight count (unconfirmed,
        at their estimates) in the driver's journal and at the run's gate."""
        from codefix.stages.ray_shipping import record_lost_calls

        record_lost_calls(directory, self._ray.get(self._sink.holding.remote(key)), self._gate)
        self._ray.get(self._sink.drop.remote(key))

    def _take_checkpoints(self, jobs: dict) -> None:
        """Unpack every checkpoint of `jobs` (key → job) newer than the driver's copy into the
        driver's run directory."""
        newer = self._ray.get(self._sink.newer.remote(self._known))
        for key, (attempt, seq, data) in newer.items():
            if key in jobs:
                self._land(Path(jobs[key].run_root) / key, data)
                self._known[key] = (attempt, seq)

    def _land(self, directory: Path, data: bytes) -> None:
        from codefix.stages.instance_archive import unpack

        self.bytes_shipped += len(data)
        start = time.perf_counter()
        unpack(data, directory)
        self.ship_seconds += time.perf_counter() - start

    def shutdown(self, *, cancel: bool = False) -> None:
        if cancel:  # not forced: the task sees KeyboardInterrupt and its sandboxes are closed
            for ref in list(self._refs):
                try:
                    self._ray.cancel(ref)
                except Exception:  # already finished or gone
                    pass
        self._refs.clear()
        if self._started_here:
            self._ray.shutdown()


def make_executor(kind: str, workers: int, address: str | None = None):
    """"local" or "ray" (see the module docstring)."""
    if kind == "ray":
        return RayExecutor(workers, address)
    if kind == "local":
        return LocalExecutor(workers)
    from codefix.core.errors import InputError

    raise InputError(f"unknown executor {kind!r}: use local or ray")
