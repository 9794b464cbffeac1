"""Adaptive compute on every bundled fixture: generation with all N pairs versus generation with
`--stop-when-agree A`, side by side, with the gold test-double model making a given fraction of
trajectories wrong.

Per fixture and in total: pairs run, model calls, cost (USD), wall time, and coverage (does any
candidate resolve the instance, graded with the project's evaluation flow in Docker, each
distinct normalized patch once). Headline: cost saved (%) and coverage lost (instances).

    CODEFIX_SANDBOX_SESSION=bench-$$ python benchmarks/adaptive_compute_bench.py [--wrong 0.3] [--agree 2] [--samples 10]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Arm:
    """One generation run of one fixture."""

    pairs: int
    calls: int
    cost: float
    wall: float
    covered: bool
    skipped: list[int]
    cross_runs: int = 0


class CoverageGrader:
    """Grades each distinct normalized patch of an instance once, in Docker (sandbox.evaluation.evaluate)."""

    def __init__(self):
        self.cache: dict[tuple[str, str], bool] = {}
        self.graded = 0

    def resolved(self, inst, patch: str) -> bool:
        from sandbox.evaluation.evaluate import evaluate_in_sandbox
        from sandbox.backend_config import sandbox_factory
        from selection.normalize import normalize_patch

        key = (inst.instance_id, normalize_patch(patch))
        if key not in self.cache:
            sandboxes, built = sandbox_factory(inst)
            with sandboxes() as sandbox:
                report, _ = evaluate_in_sandbox(built, patch, sandbox, model_name="bench/candidate")
            if report.status == "error":
                raise RuntimeError(f"{inst.instance_id}: grading failed: {report.reason}")
            self.cache[key] = report.resolved
            self.graded += 1
        return self.cache[key]

    def covered(self, inst, results) -> bool:
        return any(self.resolved(inst, r.patch) for r in results if r.patch)


def run_arm(inst, ds, model_spec: str, out_dir: Path, config, grader: CoverageGrader) -> Arm:
    from agent.generation import SKIPPED, generate
    from agent.models.factory import make_model
    from codefix.core.ledger import Ledger
    from sandbox.backend_config import sandbox_factory
    from selection.normalize import normalized_or_text

    ledger = Ledger()
    started = time.monotonic()
    results, figures = generate(inst, model=make_model(model_spec, dataset=ds), ledger=ledger,
                                sandbox_factory=sandbox_factory(inst)[0], context="", out_dir=out_dir,
                                config=config, patch_key=normalized_or_text)
    wall = time.monotonic() - started
    errors = [f"pair {r.pair}: {r.error}" for r in results if r.status == "error"]
    if errors:
        raise RuntimeError(f"{inst.instance_id}: " + "; ".join(errors))
    checks = (figures["early_stop"] or {}).get("checks", {})
    return Arm(pairs=sum(r.status != SKIPPED for r in results), calls=len(ledger.calls), cost=ledger.spent,
               wall=wall, covered=grader.covered(inst, results), skipped=figures["skipped_pairs"],
               cross_runs=sum(c.get("how") == "run" for c in checks.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--wrong", type=float, default=0.3, help="fraction of trajectories the gold model gets wrong")
    parser.add_argument("--agree", type=int, default=2, help="A of --stop-when-agree")
    parser.add_argument("--samples", type=int, default=10, help="pairs per instance (N)")
    parser.add_argument("--workers", type=int, default=3, help="pairs at once per instance")
    parser.add_argument("--max-calls", type=int, default=8)
    parser.add_argument("--instances", default=None, help="comma-separated fixture ids (default: all)")
    args = parser.parse_args()

    from agent.generation import GenerationConfig
    from agent.models.litellm_setup import load_litellm
    from codefix.core.datasets import load_dataset
    from sandbox.images.images import sandbox_config_for

    import sandbox.evaluation.evaluate  # noqa: F401  (its swebench import turns on INFO logging; quiet litellm after it)

    load_litellm()  # imported once before any timing
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)

    ds = load_dataset(str(ROOT / "data" / "fixtures.jsonl"))
    picked = [ds.get(i) for i in args.instances.split(",")] if args.instances else list(ds)
    model_spec = "gold" if args.wrong == 0 else f"gold:wrong={args.wrong:g}"
    full_config = GenerationConfig(samples=args.samples, workers=args.workers, max_calls=args.max_calls)
    adaptive_config = full_config.model_copy(update={"stop_when_agree": args.agree})
    grader = CoverageGrader()
    rows: list[tuple[str, Arm, Arm]] = []
    print(f"{len(picked)} fixtures, {model_spec}, N={args.samples} pairs, {args.workers} workers; "
          f"full vs --stop-when-agree {args.agree}")
    with tempfile.TemporaryDirectory() as tmp:
        for inst in picked:
            sandbox_config_for(inst)  # build (or reuse) the image before timing
            full = run_arm(inst, ds, model_spec, Path(tmp) / "full" / inst.instance_id, full_config, grader)
            adaptive = run_arm(inst, ds, model_spec, Path(tmp) / "adaptive" / inst.instance_id, adaptive_config, grader)
            rows.append((inst.instance_id, full, adaptive))
            print(f"  done {inst.instance_id}", file=sys.stderr)
    print_table(rows)
    print(f"patches graded in Docker: {grader.graded} (each distinct normalized patch at most once)")


def print_table(rows: list[tuple[str, Arm, Arm]]) -> None:
    head = f"{'fixture':34} {'pairs':>7} {'calls':>9} {'cost $':>17} {'wall s':>13} {'covered':>9} {'skipped pairs'}"
    print(head)
    print(f"{'':34} {'full/ad':>7} {'full/ad':>9} {'full/adaptive':>17} {'full/ad':>13} {'full/ad':>9}")
    for name, f, a in rows:
        print(f"{name.removeprefix('codefix-fixtures__'):34} {f.pairs:>3}/{a.pairs:<3} {f.calls:>4}/{a.calls:<4} "
              f"{f.cost:>8.4f}/{a.cost:<8.4f} {f.wall:>6.1f}/{a.wall:<6.1f} {yn(f.covered):>4}/{yn(a.covered):<4} "
              f"{a.skipped}")
    total = lambda arms, attr: sum(getattr(x, attr) for x in arms)  # noqa: E731
    fulls, ads = [r[1] for r in rows], [r[2] for r in rows]
    print(f"{'TOTAL':34} {total(fulls, 'pairs'):>3}/{total(ads, 'pairs'):<3} "
          f"{total(fulls, 'calls'):>4}/{total(ads, 'calls'):<4} "
          f"{total(fulls, 'cost'):>8.4f}/{total(ads, 'cost'):<8.4f} {total(fulls, 'wall'):>6.1f}/{total(ads, 'wall'):<6.1f} "
          f"{total(fulls, 'covered'):>4}/{total(ads, 'covered'):<4}")
    cost_full, cost_ad = total(fulls, "cost"), total(ads, "cost")
    lost = sum(f.covered and not a.covered for _, f, a in rows)
    print(f"cost saved:        {100 * (1 - cost_ad / cost_full):.1f}% (${cost_full - cost_ad:.4f} of ${cost_full:.4f})")
    print(f"model calls saved: {100 * (1 - total(ads, 'calls') / total(fulls, 'calls')):.1f}%")
    print(f"wall time saved:   {100 * (1 - total(ads, 'wall') / total(fulls, 'wall')):.1f}%")
    print(f"coverage lost:     {lost} instance(s) (full {total(fulls, 'covered')}/{len(rows)}, "
          f"adaptive {total(ads, 'covered')}/{len(rows)})")
    print(f"cross-runs of tests on a reference patch: {total(ads, 'cross_runs')}")


def yn(flag: bool) -> str:
    return "yes" if flag else "no"


if __name__ == "__main__":
    main()
