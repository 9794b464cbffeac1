"""Voting on one fixture: 10 candidates x 10 tests in Docker, cache cold and warm.

Candidates are the fixture's gold and wrong patches, each in five variants (an added notes
file), proposed twelve times (two duplicates); tests are the gold model's reproduction script
and a formatting check, in variants (a trailing comment), given twelve times (two duplicates).
Prints sandbox runs executed versus the naive count (every proposal x every test + the
unedited column), the matrix wall time cold and warm, and the cold wall time versus
runs x single-run time / workers (single-run time measured one cell at a time beforehand).
Targets: no duplicated (patch, test) pair runs; warm runs nothing; cold within 2x of ideal.

    CODEFIX_BASE_IMAGE=codefix-base:bookworm python benchmarks/selection_voting_bench.py [--workers N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")

ROOT = Path(__file__).resolve().parents[1]
FORMAT_TEST = """\
import sys
from invoicing import Money
from invoicing.formatting import format_amount
sys.exit(0 if format_amount(Money("1234.7", "JPY")) == "1,235" else 2)
"""
NOTES = "diff --git a/notes_{i}.txt b/notes_{i}.txt\nnew file mode 100644\n--- /dev/null\n+++ b/notes_{i}.txt\n@@ -0,0 +1 @@\n+variant {i}\n"


def variants(instance) -> tuple[list[str], list[str]]:
    """Twelve candidate patches (ten distinct) and twelve tests (ten distinct)."""
    from agent.models.test_doubles.gold_answers.testing import reproduction_script

    base = [instance.patch, instance.wrong_patch]
    patches = [base[i % 2] + (NOTES.format(i=i) if i >= 2 else "") for i in range(10)]
    patches += patches[:2]
    repro = reproduction_script(instance)
    tests = [(repro if i % 2 == 0 else FORMAT_TEST) + f"# variant {i}\n" for i in range(10)]
    tests += tests[:2]
    return patches, tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="codefix-fixtures__invoicing-1")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--single-runs", type=int, default=6, help="Cells timed one at a time for the single-run figure.")
    args = parser.parse_args()

    from codefix.core.datasets import load_dataset
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import sandbox_config_for
    from sandbox.docker.patching import apply_patch
    from selection.candidates import build_pool
    from selection.voting import UNEDITED, rank
    from selection.voting_runner import VotingRun, run_script_cell

    inst = load_dataset(str(ROOT / "data" / "fixtures.jsonl")).get(args.instance)
    config = sandbox_config_for(inst)
    factory = lambda: DockerSandbox(config)  # noqa: E731
    patches, tests = variants(inst)
    pool = build_pool(inst.instance_id, [(p, f"proposal-{i}", []) for i, p in enumerate(patches)])
    naive = len(patches) * len(tests) + len(tests)
    print(f"{inst.instance_id}: {len(patches)} proposals -> {len(pool.candidates)} candidates, "
          f"{len(tests)} tests -> {len(set(tests))} distinct, workers {args.workers}")

    with factory() as box:  # one cell at a time: reset + apply + write + run
        durations = []
        for i in range(args.single_runs):
            cand = pool.candidates[i % len(pool.candidates)]
            started = time.monotonic()
            run_script_cell(box, cand.patch, tests[i % 10], apply_patch=apply_patch)
            durations.append(time.monotonic() - started)
    single = statistics.median(durations)

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "votes.jsonl"
        started = time.monotonic()
        votes, cold = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=apply_patch,
                                cache_path=cache, workers=args.workers).run()
        cold_wall = time.monotonic() - started
        started = time.monotonic()
        _, warm = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=apply_patch,
                            cache_path=cache, workers=args.workers).run()
        warm_wall = time.monotonic() - started

    ideal = cold.runs * single / args.workers
    gold_ids = {c.id for c in pool.candidates if c.patch.startswith(inst.patch)}
    ranked = rank(pool.candidates, votes, only_failing_before=True)
    print(f"sandbox runs executed (cold): {cold.runs}   naive {len(patches)}x{len(tests)}+{len(tests)} = {naive}   "
          f"matrix cells {cold.cells}")
    print(f"sandbox runs executed (warm): {warm.runs}   cells from cache {warm.cached}/{warm.cells}   "
          f"sandboxes started cold {cold.sandboxes_started}, warm {warm.sandboxes_started}")
    print(f"single-run time (median of {len(durations)}): {single:.2f} s")
    print(f"matrix wall time cold: {cold_wall:.1f} s   ideal runs x single / workers = {ideal:.1f} s   "
          f"ratio {cold_wall / ideal:.2f} (target <= 2)")
    print(f"matrix wall time warm: {warm_wall:.2f} s")
    print(f"unedited column passes: {sum(v.outcome.value == 'pass' for v in votes if v.candidate == UNEDITED)}/10; "
          f"top-ranked candidates are gold variants: {all(s.id in gold_ids for s in ranked[:5])}")


if __name__ == "__main__":
    main()
