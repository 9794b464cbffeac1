"""Throughput of `codefix batch`'s local executor at 1, 2 and 4 workers (instances/minute and the
speed-up over one worker), on bundled fixtures with the gold model whose every call is delayed
by a fixed latency, so that sandbox and orchestration costs stay visible next to model time.

    CODEFIX_SANDBOX_SESSION=bench-$$ python benchmarks/batch_throughput_bench.py [--instances 4] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class DelayedTestModel:
    """Test double: a model that sleeps `delay` seconds, then answers like the wrapped one."""

    def __init__(self, inner, delay: float):
        self.inner, self.delay = inner, delay

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, messages, **kwargs):
        time.sleep(self.delay)
        return self.inner.query(messages, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds of simulated latency per model call")
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()

    import codefix.stages.wiring as wiring
    from codefix.core.datasets import load_dataset
    from codefix.stages.batch import passed_env, run_batch
    from codefix.stages.batch_job import BatchJob
    from codefix.stages.executors import LocalExecutor
    from codefix.stages.run_config import RunConfig

    real = wiring.make_models

    def delayed_models(*a, **kw):
        primary, reader = real(*a, **kw)
        return DelayedTestModel(primary, args.delay), DelayedTestModel(reader, args.delay)

    wiring.make_models = delayed_models  # run_instance imports it at call time
    ds = load_dataset(ROOT / "data" / "fixtures.jsonl")
    picked = list(ds)[: args.instances]
    config = RunConfig.model_validate({"model": {"name": "gold"}, "generation": {
        "samples": args.samples, "max_calls": 4, "workers": 2}}).model_dump()
    print(f"{len(picked)} fixtures, gold model + {args.delay}s per call, {args.samples} pairs each")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (int(w) for w in args.workers.split(",")):
            root = Path(tmp) / f"w{workers}"

            def make_job(inst, cap, root=root):
                return BatchJob(instance=inst, dataset_name=ds.name, run_root=str(root), run_config=config,
                                budget_usd=cap, env=passed_env())

            executor = LocalExecutor(workers)
            start = time.perf_counter()
            state = run_batch(picked, make_job, executor, run_root=root)
            wall = time.perf_counter() - start
            executor.shutdown()
            rate = len(state.done) * 60 / wall
            base = base or rate
            print(f"workers={workers}: {len(state.done)}/{len(picked)} done, failed {len(state.failed)}, "
                  f"wall {wall:.1f}s, {rate:.2f} instances/min, speed-up x{rate / base:.2f}")


if __name__ == "__main__":
    main()
