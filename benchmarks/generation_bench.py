"""Generation overhead on one fixture with the gold model: 10 pairs x 8 calls in Docker.

Prints wall time, time inside the model, time inside sandboxes, orchestration overhead (the
rest of the pairs' busy time) as a share, containers started and peak memory.
Targets: overhead < 10% of pair time; containers started <= workers.

    CODEFIX_BASE_IMAGE=codefix-base:bookworm python benchmarks/generation_bench.py [--instance ID]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="codefix-fixtures__dotenv-219")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--max-calls", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--share-attempts", action="store_true", help="Tell later pairs what earlier pairs tried.")
    parser.add_argument("--model", default="gold:wrong=0.3", help="Model spec (gold ignores the shared attempts).")
    args = parser.parse_args()

    from agent.generation import GenerationConfig, generate
    from agent.models.factory import make_model
    from codefix.core.datasets import load_dataset
    from codefix.core.ledger import Ledger
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import sandbox_config_for

    ds = load_dataset(str(ROOT / "data" / "fixtures.jsonl"))
    inst = ds.get(args.instance)
    sandbox_config = sandbox_config_for(inst)  # image built (or reused) before timing
    model = make_model(args.model, dataset=ds)
    config = GenerationConfig(samples=args.samples, max_calls=args.max_calls, workers=args.workers,
                              share_attempts=args.share_attempts)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        results, figures = generate(inst, model=model, ledger=Ledger(), sandbox_factory=lambda: DockerSandbox(sandbox_config),
                                    context="", out_dir=Path(tmp), config=config)
        wall = time.monotonic() - started
    busy = sum(r.seconds for r in results)
    model_s = sum(r.model_seconds for r in results)
    sandbox_s = sum(r.sandbox_seconds for r in results)
    overhead = busy - model_s - sandbox_s
    print(f"instance            {inst.instance_id}: {args.samples} pairs x {args.max_calls} calls, {args.workers} workers")
    print(f"statuses            {sorted((r.status for r in results))}")
    for r in results:
        if r.error:
            print(f"pair {r.pair} {r.status}: {r.error[:300]}")
    print(f"model calls         {sum(r.calls for r in results)}")
    print(f"wall time           {wall:8.2f} s")
    print(f"pair busy time      {busy:8.2f} s (summed over workers)")
    print(f"  inside the model  {model_s:8.2f} s ({model_s / busy:.1%})")
    print(f"  inside sandboxes  {sandbox_s:8.2f} s ({sandbox_s / busy:.1%})")
    print(f"  orchestration     {overhead:8.2f} s ({overhead / busy:.1%})  target < 10%")
    print(f"sandbox setup       {wall * args.workers - busy:8.2f} s of worker time outside pairs (start/stop, idle tail)")
    from selection.normalize import normalize_patch

    distinct = {normalize_patch(r.patch) for r in results if r.patch}
    print(f"candidates          {sum(1 for r in results if r.patch)}, distinct normalized patches {len(distinct)}"
          f" (share attempts {'on' if args.share_attempts else 'off'})")
    print(f"containers started  {figures['sandboxes_started']} (workers {args.workers}, runs {args.samples})")
    print(f"peak memory (RSS)   {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
