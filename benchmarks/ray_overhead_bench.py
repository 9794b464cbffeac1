"""What the Ray path of `codefix batch` costs next to the local executor: the same fixture batch
(gold model, -n 2) with threads, with Ray on one node and with Ray on two nodes
(`ray.cluster_utils.Cluster`, two raylets on this machine), side by side in one run.

Each mode first runs the same batch once unclocked (the warm-up: a process's first instance pays
about 1.4 s of one-off loading, the driver's threads once per process and Ray once per worker
process, which a long batch reuses), then the clocked batch in the same process or on the same
cluster. Printed per mode: Ray's start-up (cluster, driver connect, the checkpoint sink actor) and
the warm-up batch's seconds apart, then the clocked batch's wall time per instance and its ratio
to the local executor's, the instances' own seconds (job start to end where it ran: the rest of
the wall time is dispatch and shipping), and the archive bytes moved per instance (seeds,
checkpoints, results) with the seconds spent moving them (packing, pushing, landing; task and
driver time summed). `--loss` adds a two-node batch whose worker node is
removed right after its instance's first paid call: the seconds from the removal to the driver
rescheduling that instance.

    CODEFIX_SANDBOX_SESSION=bench-$$ python benchmarks/ray_overhead_bench.py [--instances 2] [--reps 1] [--loss] [--latency 0 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ray_up(nodes: int, scratch: Path):
    """A Ray of `nodes` one-CPU nodes (a Cluster when 2); (cluster or None, start-up seconds)."""
    import ray

    from codefix.stages.ray_shipping import SCRATCH_ENV

    env = {"PYTHONPATH": str(ROOT), **{k: v for k, v in os.environ.items() if k.startswith(("CODEFIX_", "LITELLM_"))}}
    start = time.perf_counter()
    cluster = None
    if nodes == 1:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    else:
        from ray.cluster_utils import Cluster

        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "env_vars": {SCRATCH_ENV: str(scratch / "head")}})
        cluster.add_node(num_cpus=1, env_vars={SCRATCH_ENV: str(scratch / "worker")})
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    return cluster, time.perf_counter() - start


def ray_down(cluster) -> None:
    import ray

    ray.shutdown()
    if cluster is not None:
        cluster.shutdown()


def batch(picked, ds, config, executor, root: Path, on_start=None):
    from codefix.stages.batch import passed_env, run_batch
    from codefix.stages.batch_job import BatchJob

    def make_job(inst, cap, gate):
        return BatchJob(instance=inst, dataset_name=ds.name, run_root=str(root), run_config=config,
                        budget_usd=cap, gate=gate, env=passed_env())

    if on_start:
        on_start()
    start = time.perf_counter()
    state = run_batch(picked, make_job, executor, run_root=root)
    wall = time.perf_counter() - start
    executor.shutdown()
    assert len(state.done) == len(picked), (state.failed, state.incomplete)
    return state, wall


def job_seconds(picked, root: Path) -> float:
    """The instances' own seconds (their status records: job start to end, where the job ran), summed."""
    from codefix.stages.batch_status import read_status

    return sum(read_status(root, inst.instance_id)["seconds"] for inst in picked)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--loss", action="store_true", help="also measure a node loss's time to reschedule")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0], metavar="S",
                        help="seconds each gold reply takes (gold:latency=S), one table per value; real providers "
                             "take seconds, the bare double none, so its per-call costs weigh as they never do")
    args = parser.parse_args()
    for latency in args.latency:
        measure(args, latency)


def measure(args, latency: float) -> None:

    from codefix.core.datasets import load_dataset
    from codefix.stages.executors import LocalExecutor, RayExecutor
    from codefix.stages.run_config import RunConfig

    ds = load_dataset(ROOT / "data" / "fixtures.jsonl")
    picked = list(ds)[: args.instances]
    model = f"gold:latency={latency:g}" if latency else "gold"
    config = RunConfig.model_validate({"model": {"name": model}, "generation": {
        "samples": args.samples, "max_calls": 4, "workers": 2}}).model_dump()
    print(f"\n{len(picked)} fixtures, model {model}, {args.samples} pairs each, 2 instances at once; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    rows: dict[str, list] = {"local": [], "ray 1 node": [], "ray 2 nodes": []}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):
            _state, warmed = batch(picked, ds, config, LocalExecutor(2), Path(tmp) / f"local-warm-{rep}")
            root = Path(tmp) / f"local-{rep}"
            _state, wall = batch(picked, ds, config, LocalExecutor(2), root)
            rows["local"].append((wall, 0.0, warmed, 0, 0.0, job_seconds(picked, root)))
            for nodes, name in ((1, "ray 1 node"), (2, "ray 2 nodes")):
                cluster, up = ray_up(nodes, Path(tmp) / f"scratch-{nodes}-{rep}")
                try:
                    _state, warmed = batch(picked, ds, config, RayExecutor(2), Path(tmp) / f"ray{nodes}-warm-{rep}")
                    runner = RayExecutor(2)
                    runs_dir = Path(tmp) / f"ray{nodes}-{rep}"
                    _state, wall = batch(picked, ds, config, runner, runs_dir)
                    rows[name].append((wall, up, warmed, runner.bytes_shipped, runner.ship_seconds,
                                       job_seconds(picked, runs_dir)))
                finally:
                    ray_down(cluster)
        def median(values) -> float:
            return statistics.median(values)

        base = median(r[0] for r in rows["local"]) / len(picked)
        print("medians over the reps (a rep caught by another process's load moves a mean, not a median)")
        print(f"{'mode':<12} {'start-up s':>10} {'warm-up s':>10} {'s/instance':>11} {'ratio':>6} {'bytes/instance':>15} {'ship s/instance':>15}"
              f" {'job s/instance':>14}  s/instance per rep")
        for name, runs in rows.items():
            per = median(r[0] for r in runs) / len(picked)
            print(f"{name:<12} {median(r[1] for r in runs):>10.2f} {median(r[2] for r in runs):>10.2f} "
                  f"{per:>11.2f} {per / base:>6.2f} {median(r[3] for r in runs) / len(picked):>15.0f} "
                  f"{median(r[4] for r in runs) / len(picked):>15.3f} "
                  f"{median(r[5] for r in runs) / len(picked):>14.2f}  "
                  + " ".join(f"{r[0] / len(picked):.2f}" for r in runs))
        if args.loss:
            print(json.dumps({"loss_to_reschedule_s": loss_to_reschedule(picked, ds, config, Path(tmp) / "loss")}))


def loss_to_reschedule(picked, ds, config, tmp: Path) -> float:
    """Seconds from removing the worker node (after its instance's first paid call) to the driver
    marking that instance rescheduled."""
    from codefix.stages.executors import RayExecutor

    from tests.codefix.test_ray_cluster_docker import first_call_journaled

    cluster, _up = ray_up(2, tmp / "scratch")
    worker = [n for n in cluster.list_all_nodes() if not n.head][0]
    removed: list[float] = []

    def remove() -> None:
        deadline = time.monotonic() + 180
        while not first_call_journaled(tmp / "scratch" / "worker") and time.monotonic() < deadline:
            time.sleep(0.05)
        removed.append(time.time())
        cluster.remove_node(worker)

    try:
        threading.Thread(target=remove, daemon=True).start()
        state, _wall = batch(picked, ds, config, RayExecutor(2), tmp / "runs")
    finally:
        ray_down(cluster)
    lost = next(iter(state.rescheduled))
    status = json.loads((tmp / "runs" / lost / "batch_status.json").read_text())
    return round(status["node_lost_at"] - removed[0], 2)


if __name__ == "__main__":
    main()
