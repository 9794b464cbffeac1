"""Ray tasks without a shared filesystem: each task runs its instance in a scratch directory of its
own node and ships the instance directory back; only the driver writes `runs/<run>/`.

- The driver packs its copy of `runs/<run>/<instance>/` (`instance_archive`) and sends it with the
  task: a resumed or rescheduled instance starts from the finished trajectories, context and
  ledger journal the driver holds.
- The task (`run_shipped`) unpacks it under its node's scratch root (`$CODEFIX_RAY_SCRATCH` on
  that node, else the system's temporary directory), runs the job there, and returns the packed
  directory as its result; the scratch copy is then removed.
- While it runs, the task pushes checkpoints (the packed directory) to an `ArtefactSink` actor
  pinned to the driver's node: right after every paid call settles (so the driver holds the
  journal line of every finished call as it happens) and every `CHECKPOINT_SECONDS` when the
  directory changed (the live stage). The driver unpacks them as they come, so when a node dies
  its instance resumes on another node from the last checkpoint.
- Before a paid call is sent the task tells the sink its estimate (`ArtefactSink.hold`); when the
  node dies, the driver journals each call the lost task had in flight as unconfirmed (counted at
  its estimate, as after a kill: `codefix.core.ledger_journal`) and settles it at the run's gate at that
  estimate (`record_lost_calls`), so the budget counts what the lost node may have paid.
- A task first tells the sink which node it runs on (`ArtefactSink.started`: the batch's image
  placement counts the slots taken) and checks that node's Docker engine: when it does not
  answer, the job is not run and its record is an infrastructure error naming the node
  (`codefix.stages.node_docker`).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SCRATCH_ENV = "CODEFIX_RAY_SCRATCH"
"""Environment variable of a Ray node: where its tasks keep their instances' scratch directories."""
CHECKPOINT_SECONDS = 5.0
"""How often a task checks whether its instance directory changed and pushes it to the driver.
Paid calls are pushed as they settle, so this only bounds the unpaid work (sandbox runs) a lost node
takes with it and how stale the driver's live stage is; at 1 s the checks and pushes cost a Ray
batch about 10% of its time per instance (docs/ray.md)."""
NODE_LOSS_ERRORS = ("NodeDiedError", "WorkerCrashedError", "ObjectLostError", "OwnerDiedError",
                    "ObjectReconstructionFailedError", "TaskUnschedulableError")
"""Ray's errors for a task whose node or worker process went away (not the instance's fault)."""


def is_node_loss(exc: BaseException) -> bool:
    """Whether `exc` says the task's node (or its worker process) was lost: infrastructure, worth
    running the instance again elsewhere."""
    for cls in type(exc).__mro__:
        if cls.__module__.startswith("ray") and cls.__name__ in NODE_LOSS_ERRORS:
            return True
    return False


class ArtefactSink:
    """The latest checkpoint of every running instance, and the paid calls its task has in flight
    (their estimates), kept on the driver's node (a Ray actor).

    What a task holds in flight comes numbered (`held` = (number, estimates), numbered by the task
    when it took the list), so a list that arrives late never replaces a newer one; a checkpoint
    pushed after a call settled carries the list without that call, so the driver never sees the
    call both journaled in the checkpoint and still in flight."""

    def __init__(self):
        self._latest: dict[str, tuple[int, int, bytes]] = {}
        self._holding: dict[str, tuple[int, int, list[float]]] = {}
        self._where: dict[str, tuple[int, str]] = {}

    def put(self, key: str, attempt: int, seq: int, data: bytes, held: tuple[int, list[float]] | None = None) -> None:
        """Keep `data` unless a newer checkpoint (by attempt, then sequence) is already held; and
        `held`, the calls in flight when it was packed (see `hold`)."""
        kept = self._latest.get(key)
        if kept is None or (attempt, seq) > kept[:2]:
            self._latest[key] = (attempt, seq, data)
        if held is not None:
            self.hold(key, attempt, held)

    def hold(self, key: str, attempt: int, held: tuple[int, list[float]]) -> None:
        """The estimates of the calls `key`'s task (this attempt) has in flight, numbered: kept
        unless a list of a later attempt, or a later one of this attempt, is already kept."""
        number, estimates = held
        kept = self._holding.get(key)
        if kept is None or (attempt, number) > kept[:2]:
            self._holding[key] = (attempt, number, list(estimates))

    def holding(self, key: str) -> list[float]:
        kept = self._holding.get(key)
        return list(kept[2]) if kept else []

    def newer(self, known: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int, bytes]]:
        """The checkpoints newer than `known` (key → (attempt, seq) the caller already has)."""
        return {k: v for k, v in self._latest.items() if v[:2] > tuple(known.get(k, (-1, -1)))}

    def started(self, key: str, attempt: int, node_id: str) -> None:
        """`key`'s task (this attempt) runs on `node_id`."""
        if attempt >= self._where.get(key, (0, ""))[0]:
            self._where[key] = (attempt, node_id)

    def where(self) -> dict[str, str]:
        """The node each running instance's task started on (key → Ray node id)."""
        return {k: node for k, (_attempt, node) in self._where.items()}

    def drop(self, key: str) -> None:
        self._latest.pop(key, None)
        self._holding.pop(key, None)
        self._where.pop(key, None)


def driver_node_actor(cls, *args):
    """An instance of `cls` as a Ray actor pinned to this (the driver's) node, using no CPU: it
    lives as long as the driver, whatever worker node is lost."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return ray.remote(num_cpus=0, max_restarts=0, scheduling_strategy=here)(cls).remote(*args)


class CheckpointingGate:
    """The job's budget gate as its ledger sees it in a task: the run's gate (or none). Before a
    granted call is sent the driver is told it is in flight (`hold(held)`, waited for); after a
    call settles one checkpoint goes to the driver (`push(held)`, waited for) carrying both its
    journal line and the calls still in flight, one round trip. `held` is (number, estimates),
    numbered as taken, so the driver keeps the newest whatever order two threads' messages land in."""

    def __init__(self, inner: Any, push, hold):
        self._inner = inner
        self._push = push
        self._hold = hold
        self._lock = threading.Lock()
        self._held: list[float] = []
        self._number = 0
        self.budget = getattr(inner, "budget", None)

    def _taken(self) -> tuple[int, list[float]]:
        """What is in flight now, numbered (call with the lock held)."""
        self._number += 1
        return self._number, list(self._held)

    def reserve(self, estimate: float):
        refused = None if self._inner is None else self._inner.reserve(estimate)
        if refused is None:
            with self._lock:
                self._held.append(estimate)
                held = self._taken()
            self._hold(held)
        return refused

    def settle(self, estimate: float, cost: float) -> None:
        if self._inner is not None:
            self._inner.settle(estimate, cost)
        with self._lock:
            if estimate in self._held:
                self._held.remove(estimate)
            held = self._taken()
        self._push(held)

    def snapshot(self):
        return self._inner.snapshot()


def scratch_root() -> Path:
    root = os.environ.get(SCRATCH_ENV) or os.path.join(tempfile.gettempdir(), "codefix-ray-scratch")
    return Path(root)


def run_shipped(fn, job, seed: bytes, sink, key: str, attempt: int) -> dict:
    """In a Ray task: run `fn(job)` in a scratch copy of the instance directory seeded by `seed`;
    returns {"record": fn's result, "archive": the packed directory, "scratch": where it ran,
    "ship_seconds": the task's time unpacking the seed, packing and pushing checkpoints and the result}."""
    import ray

    from codefix.stages.instance_archive import pack, unpack

    scratch_run = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=_made(scratch_root()))) / Path(job.run_root).name
    workdir = scratch_run / key
    start = time.perf_counter()
    unpack(seed, workdir)
    seeded = time.perf_counter() - start
    sink.started.remote(key, attempt, ray.get_runtime_context().get_node_id())  # where it runs (placement)
    refused = _without_docker(job, workdir)
    if refused is not None:  # a node without Docker: an infrastructure error naming the node
        try:
            return {"record": refused, "archive": pack(workdir), "scratch": str(scratch_run)}
        finally:
            shutil.rmtree(scratch_run.parent, ignore_errors=True)
    lock = threading.Lock()
    seq = [0]
    last = [None]
    spent = [0.0]  # seconds this task spent checking, packing and pushing checkpoints

    def push(held: tuple[int, list[float]] | None = None) -> None:
        """A checkpoint: after a paid call settled (`held` given) always, on the tick only when
        the directory changed."""
        with lock:
            start = time.perf_counter()
            signature = _signature(workdir)
            if held is not None or signature != last[0]:
                data = pack(workdir)
                seq[0] += 1
                ray.get(sink.put.remote(key, attempt, seq[0], data, held))
                last[0] = signature
            spent[0] += time.perf_counter() - start

    stop = threading.Event()

    def every_while() -> None:
        while not stop.wait(CHECKPOINT_SECONDS):
            try:
                push()
            except Exception:  # a checkpoint is an extra: the final archive still carries everything
                pass

    env = {k: v for k, v in job.env.items() if k != SCRATCH_ENV}
    def hold(held: tuple[int, list[float]]) -> None:
        ray.get(sink.hold.remote(key, attempt, held))

    gate = CheckpointingGate(job.gate, push, hold)
    shipped = dataclasses.replace(job, run_root=str(scratch_run), env=env, gate=gate)
    ticker = threading.Thread(target=every_while, name=f"checkpoint-{key}", daemon=True)
    ticker.start()
    try:
        record = fn(shipped)
    finally:
        stop.set()
        ticker.join()
    start = time.perf_counter()
    try:
        archive = pack(workdir)
    finally:
        shutil.rmtree(scratch_run.parent, ignore_errors=True)
    return {"record": record, "archive": archive, "scratch": str(scratch_run),
            "ship_seconds": spent[0] + time.perf_counter() - start + seeded}


def _without_docker(job, workdir: Path) -> dict | None:
    """The job's status record when this node's Docker engine does not answer (written into
    `workdir` too, so the driver lands it), else None."""
    from codefix.core.store import write_json
    from codefix.stages.batch_status import instance_spent, read_status, status_path
    from codefix.stages.node_docker import engine_error, engine_of, no_docker_line, this_node

    docker_host = (getattr(job, "run_config", None) or {}).get("sandbox", {}).get("docker_host")
    env = {**os.environ, **job.env}
    why = engine_error(env, docker_host)
    if why is None:
        return None
    key, run = workdir.name, workdir.parent
    rec = {**(read_status(run, key) or {}), "instance_id": key, "status": "infra_error",
           "error": no_docker_line(this_node(), engine_of(env, docker_host), why,
                                   "rerun the batch with the same --run-id to retry the instance"), "traceback": None,
           "spent": instance_spent(run, key)}
    write_json(status_path(run, key), rec)
    return rec


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _signature(directory: Path) -> tuple:
    """What changes when a file of `directory` is written: names, sizes and modification times."""
    out = []
    for root, _dirs, files in os.walk(directory):
        for name in files:
            try:
                st = os.stat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            out.append((root, name, st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


def record_lost_calls(directory: Path, estimates: list[float], gate=None) -> int:
    """The calls a lost task had in flight (`estimates`), journaled in the driver's copy
    `directory` as unconfirmed reservations (beyond those its last checkpoint already shows open)
    and settled at `gate` at their estimates; returns how many were added."""
    import uuid

    from codefix.core.ledger_journal import JOURNAL_NAME, Journal, read_journal

    path = Path(directory) / JOURNAL_NAME
    open_ones = [u["estimate"] for u in read_journal(path).unconfirmed] if path.is_file() else []
    added = 0
    for estimate in estimates:
        if gate is not None:
            gate.settle(estimate, estimate)
        if estimate in open_ones:
            open_ones.remove(estimate)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        Journal(path).append({"kind": "reserve", "id": uuid.uuid4().hex, "estimate": estimate})
        added += 1
    return added
