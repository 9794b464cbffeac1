"""Benchmark: `codefix view` on a real run of the 7 fixtures × 10 pairs and on a synthetic run of
500 instances built from that run's artefacts (instance folders hard-linked under new names).

Prints, per run: the time to build `view.html`, its size, how many instance pages it embedded, and
the time to first paint (first-contentful-paint) and to the drawn run page in headless Chromium
(median of 3 loads); for the 500-instance run also the served view's first and cached `/api/run`.
Targets (issue 14): the 500-instance page paints in under 2 s; the file stays under 20 MB.

    python benchmarks/view_bench.py [--run runs/view-bench] [--wrong 0.3] [--instances 500]

Without an existing --run it first makes one (`codefix batch -m gold:wrong=W -n 10 -w 2` and
`codefix evaluate`, Docker, several minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / "data" / "fixtures.jsonl"
ENV = {**os.environ, "CODEFIX_BASE_IMAGE": os.environ.get("CODEFIX_BASE_IMAGE", "codefix-base:bookworm"),
       "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(ROOT)}


def codefix(*args) -> None:
    proc = subprocess.run([sys.executable, "-m", "codefix", *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"codefix {args[0]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def make_run(run: Path, wrong: float) -> None:
    common = ["--runs-dir", run.parent, "--run-id", run.name]
    print(f"making {run}: batch of the fixtures × 10 pairs with gold:wrong={wrong:g} (Docker) ...", flush=True)
    codefix("batch", "-d", FIXTURES, "-m", f"gold:wrong={wrong:g}", "-n", 10, "-w", 2, *common)
    codefix("evaluate", "-d", FIXTURES, "-p", run / "preds.jsonl", "-w", 2, *common)


def synthetic(run: Path, target: Path, count: int) -> Path:
    """`count` instance folders cycling over the run's, hard-linked (no copy of the bytes)."""
    from codefix.view.run_data import instance_dirs

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    sources = instance_dirs(run)
    for i in range(count):
        src = sources[i % len(sources)]
        shutil.copytree(src, target / f"{src.name}-{i:03d}", copy_function=os.link)
    for name in ("batch.json", "preds.jsonl", "eval_summary.json"):
        if (run / name).is_file():
            shutil.copy(run / name, target / name)
    return target


def paint_times(page: Path, loads: int = 3) -> tuple[float, float]:
    """Median first-contentful-paint and run-page-drawn times (ms after navigation start)."""
    from tests.codefix.view.chromium import Chromium

    fcp, drawn = [], []
    with Chromium() as browser:
        for _ in range(loads):
            browser.open("about:blank")
            browser.open(page.as_uri())
            browser.wait_for("document.body.dataset.ready === 'run'")
            fcp.append(browser.wait_for("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"))
            drawn.append(browser.eval("performance.getEntriesByName('codefix-rendered')[0].startTime"))
    return statistics.median(fcp), statistics.median(drawn)


def bench(run: Path, label: str) -> dict:
    from codefix.cli.commands.view import selection_keys
    from codefix.view.page import build_view

    stats = build_view(run, selection_keys())
    fcp, drawn = paint_times(stats.path)
    row = {"run": label, "instances": stats.instances, "build_s": stats.seconds, "mb": stats.bytes / 1048576,
           "embedded": len(stats.embedded), "fcp_ms": fcp, "drawn_ms": drawn}
    print(f"{label:<28} {row['instances']:>5} {row['build_s']:>8.1f} {row['mb']:>8.2f} {row['embedded']:>9} "
          f"{fcp:>9.0f} {drawn:>9.0f}", flush=True)
    return row


def served(run: Path) -> None:
    from codefix.cli.commands.view import selection_keys
    from codefix.view.server import LiveRun

    live = LiveRun(run, selection_keys())
    started = time.monotonic()
    live.run()
    first = time.monotonic() - started
    started = time.monotonic()
    live.run()
    again = time.monotonic() - started
    started = time.monotonic()
    live.instance(next(iter(sorted(p.name for p in run.iterdir() if p.is_dir()))))
    one = time.monotonic() - started
    print(f"served {run.name}: /api/run first {first:.1f} s, cached {again:.2f} s; one instance page {one:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=ROOT / "runs" / "view-bench")
    parser.add_argument("--wrong", type=float, default=0.3)
    parser.add_argument("--instances", type=int, default=500)
    args = parser.parse_args()
    if not (args.run / "preds.jsonl").is_file():
        make_run(args.run, args.wrong)
    print(f"{'run':<28} {'inst':>5} {'build s':>8} {'MB':>8} {'embedded':>9} {'FCP ms':>9} {'drawn ms':>9}")
    bench(args.run, "fixtures × 10 pairs")
    big = synthetic(args.run, args.run.parent / f"{args.run.name}-{args.instances}", args.instances)
    row = bench(big, f"synthetic {args.instances}")
    served(big)
    print(f"targets: paint < 2000 ms ({'met' if row['fcp_ms'] < 2000 and row['drawn_ms'] < 2000 else 'MISSED'}), "
          f"file < 20 MB ({'met' if row['mb'] < 20 else 'MISSED'})")


if __name__ == "__main__":
    main()
