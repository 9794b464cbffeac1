"""The non-Python fixtures next to the Python ones, and a swebench 5 record's grading next to its
classic form.

    python benchmarks/multilang_bench.py [--reps 3] [--skip-grading]

(1) The context stage with the gold test model on every fixture of data/fixtures.jsonl (Python)
    and data/fixtures-multilang.jsonl (JavaScript, Go): files read and skipped, seconds, files
    judged per second, packed files and tokens; then the medians per group and their ratio
    (non-Python / Python). The checkouts and one warm-up run are made first and not timed.
(2) Grading psf__requests-6028's gold patch (its realbench image) as the classic Verified record
    (its v5 fields derived at load) and as a swebench 5 record naming a second tag of the same
    image, runs interleaved; then each non-Python fixture's gold patch in its own image, offline.
    Medians of --reps after one untimed run (which makes the image's snapshot), and the v5 /
    classic ratio.
Needs Docker, the fixture images (scripts/build_fixture_images.py) and, for (2), the realbench
images. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
PYTHON = ROOT / "data" / "fixtures.jsonl"
MULTILANG = ROOT / "data" / "fixtures-multilang.jsonl"
VERIFIED = ROOT.parent / "shared" / "data" / "swebench" / "swe_bench_verified.jsonl"
REQUESTS = "psf__requests-6028"
V5_IMAGE = "codefix-bench-v5/requests:6028"


def context_figures() -> None:
    from agent.context.config import ContextConfig
    from agent.context.stage import run_context_stage
    from agent.models.factory import make_model
    from codefix.core.datasets import Dataset, load_dataset
    from codefix.core.ledger import Ledger
    from codefix.core.store import read_json
    from sandbox.images.host_checkout import checkout

    instances = [*load_dataset(PYTHON), *load_dataset(MULTILANG)]
    dataset = Dataset("bench", instances)
    checkouts = {inst.instance_id: checkout(inst)[0] for inst in instances}  # not timed
    model = make_model("gold", dataset=dataset)
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:  # warm-up, not counted: the first calls load the model layer
        first = instances[0]
        run_context_stage(first, checkouts[first.instance_id], relevance_model=model, ranking_model=model,
                          ledger=Ledger(), out_path=Path(tmp) / "context.json", config=ContextConfig())
    rows = []
    print("(1) context stage, gold model")
    print(f"    {'instance':34} {'language':10} {'read':>5} {'skipped':>7} {'secs':>6} {'files/s':>8} "
          f"{'packed':>6} {'tokens':>7}")
    for inst in instances:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "context.json"
            start = time.perf_counter()
            run_context_stage(inst, checkouts[inst.instance_id], relevance_model=model, ranking_model=model,
                              ledger=Ledger(), out_path=out, config=ContextConfig())
            seconds = time.perf_counter() - start
            record = read_json(out)
        files = record["files"]
        row = {"language": ",".join(files["languages"]), "read": files["read"], "seconds": seconds,
               "rate": files["read"] / seconds, "packed": len(record["packed"]), "tokens": record["packed_tokens"]}
        rows.append(row)
        print(f"    {inst.instance_id:34} {row['language']:10} {row['read']:5d} {len(files['skipped']):7d} "
              f"{seconds:6.2f} {row['rate']:8.1f} {row['packed']:6d} {row['tokens']:7d}")
    python = [r for r in rows if r["language"] == "python"]
    other = [r for r in rows if r["language"] != "python"]
    print(f"    {'median':34} {'python':10} {'non-python':>12} {'ratio':>7}")
    for key in ("read", "rate", "packed", "tokens"):
        py, ml = statistics.median(r[key] for r in python), statistics.median(r[key] for r in other)
        print(f"    {key:34} {py:10.1f} {ml:12.1f} {ml / py:7.2f}")


def grading_figures(reps: int) -> None:
    import docker

    from codefix.core.datasets import load_dataset
    from codefix.core.errors import InputError
    from sandbox.evaluation.evaluate import grade_in_own_sandbox
    from tests.realbench import official_name

    client = docker.from_env()
    print("(2) grading the gold patch (seconds, median of", reps, "runs)")
    try:
        client.images.get(official_name(REQUESTS)).tag(V5_IMAGE)
        classic = load_dataset(VERIFIED).get(REQUESTS)
    except (docker.errors.ImageNotFound, InputError) as exc:  # the realbench image or records absent
        print(f"    {REQUESTS}: skipped ({type(exc).__name__}: {exc})")
        classic = None
    try:
        if classic is not None:
            v5 = classic.model_copy(update={"instance_id": "codefix-bench-v5__requests-6028", "version": "2.27-v5",
                                            "image": V5_IMAGE})
            times = {"classic": [], "v5": []}
            grade_in_own_sandbox(classic, classic.patch, network=False)  # warm-up: the image's snapshot
            for _ in range(reps):
                for name, inst in (("classic", classic), ("v5", v5)):
                    start = time.perf_counter()
                    report, _ = grade_in_own_sandbox(inst, inst.patch, network=False)
                    times[name].append(time.perf_counter() - start)
                    assert report.resolved, report.reason
            c, v = statistics.median(times["classic"]), statistics.median(times["v5"])
            print(f"    {REQUESTS}: classic record {c:.2f} s, v5 record {v:.2f} s, v5 / classic {v / c:.2f} "
                  f"(runs: classic {', '.join(f'{t:.2f}' for t in times['classic'])}; "
                  f"v5 {', '.join(f'{t:.2f}' for t in times['v5'])})")
        for inst in load_dataset(MULTILANG):
            runs = []
            grade_in_own_sandbox(inst, inst.patch, network=False)  # warm-up: the image's snapshot
            for _ in range(reps):
                start = time.perf_counter()
                report, _ = grade_in_own_sandbox(inst, inst.patch, network=False)
                runs.append(time.perf_counter() - start)
                assert report.resolved, report.reason
            print(f"    {inst.instance_id} (v5, {inst.log_parser}): {statistics.median(runs):.2f} s "
                  f"(runs: {', '.join(f'{t:.2f}' for t in runs)})")
    finally:
        try:
            client.images.remove(V5_IMAGE, noprune=True)
        except docker.errors.ImageNotFound:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip-grading", action="store_true")
    args = parser.parse_args()
    context_figures()
    if not args.skip_grading:
        grading_figures(args.reps)


if __name__ == "__main__":
    main()
