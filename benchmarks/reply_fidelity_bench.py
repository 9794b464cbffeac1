"""Reply fidelity on the fixtures with the `noisy` double at its default noise: calls lost to
format re-asks per trajectory (target <= 0.5 on average) and silent wrong parses (target 0).

Every fixture is solved in Docker (context → N pairs → selection) with `noisy:wrong=W`, which
writes a journal of every call: the gold answer it meant and the reply it sent. Then:
- lost calls: per testing/editing/selection trajectory, the calls whose reply was not used
  (format re-asks, rejected edits, cut replies), split into those on deliberately malformed
  replies (the double's `malformed` share) and those on replies that should have been read;
- silent wrong parses: each reply is read by the production readers next to the gold answer it
  wraps; a reshaped reply read differently, or a malformed one read as an answer, is one;
- silent wrong results: the artefacts against what the gold answers meant (relevance decisions,
  rankings, reproduction tests, final patches, the selection winner).

    CODEFIX_BASE_IMAGE=codefix-base:bookworm python benchmarks/reply_fidelity_bench.py [--samples 2] [--wrong 0.5]

`--corpus` instead reads the reply corpus (tests/agent/test_reply_variants.py, no Docker) and
reports per stage the correct readings, warranted and avoidable re-asks and silent wrong
readings (`benchmarks/reply_corpus.py`).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.reply_readings import Reader, journal_records  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2, help="Generation pairs per fixture.")
    parser.add_argument("--wrong", type=float, default=0.5, help="Share of wrong trajectories (so selection runs).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", nargs="*", help="Fixture ids (default: all).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the run and the journal in this directory.")
    parser.add_argument("--corpus", action="store_true", help="Score the reply corpus per stage instead (no Docker).")
    args = parser.parse_args()
    if args.corpus:
        from benchmarks.reply_corpus import print_corpus_report

        print_corpus_report()
        return

    from agent.models.test_doubles.noisy import NoisyModel
    from codefix.core.datasets import load_dataset
    from codefix.core.ledger import Ledger
    from codefix.stages.run_config import RunConfig
    from codefix.stages.solve import solve_instance
    from codefix.core.store import RunStore

    ds = load_dataset(str(ROOT / "data" / "fixtures.jsonl"))
    ids = args.instances or [i.instance_id for i in ds]
    with tempfile.TemporaryDirectory() as tmp:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = str(args.keep)
        journal = Path(tmp) / "journal.jsonl"
        model = NoisyModel(ds, wrong=args.wrong, seed=args.seed, journal=journal)
        store = RunStore(Path(tmp) / "runs", "bench")
        started = time.monotonic()
        for iid in ids:
            config = RunConfig.model_validate({"model": {"name": model.name},
                                               "generation": {"samples": args.samples, "workers": 2}})
            outcome = solve_instance(ds.get(iid), primary=model, reader=model, ledger=Ledger(), store=store,
                                     predictions=store.root / "preds.jsonl", config=config)
            print(f"{iid}: {outcome.status}, {outcome.method}, complete={outcome.complete}", flush=True)
        wall = time.monotonic() - started
        report(ds, ids, store, journal_records(journal), args, wall)


def report(ds, ids, store, records, args, wall) -> None:
    lost = collections.Counter()
    trajectories = collections.Counter()
    for iid in ids:
        out = store.instance_dir(iid)
        for path in sorted((out / "trajectories").glob("*.traj.json")) + sorted((out / "selection").rglob("*.traj.json")):
            rec = json.loads(path.read_text())
            stage = rec["stage"]
            trajectories[stage] += 1
            malformed = {r["call"] + 1 for r in records if r["stage"] == stage and r["instance_id"] == iid
                         and r["malformed"] and _same(r["meta"], rec["meta"])}
            for step in rec["steps"]:
                unused = step.get("format_error") or "rejected" in step
                if unused:
                    lost[(stage, "malformed" if step["call"] in malformed else "should_read")] += 1
    reader = Reader(ds, store)
    silent, checked, shapes = reader.differential(records)
    wrong_results = reader.results(ids, args.wrong)
    total_traj = sum(trajectories.values())
    total_lost = sum(lost.values())
    print()
    print(f"fixtures            {len(ids)}, {args.samples} pairs each, noisy:wrong={args.wrong:g} (default noise), "
          f"{len(records)} calls, {wall:.0f} s")
    print(f"trajectories        {dict(trajectories)}")
    print(f"lost calls / traj   {total_lost / max(1, total_traj):.2f}  (target <= 0.5)")
    for stage in ("testing", "editing", "selection"):
        m, s = lost[(stage, "malformed")], lost[(stage, "should_read")]
        print(f"  {stage:<17} {m} on malformed replies, {s} on replies that should have been read")
    should = sum(v for (st, kind), v in lost.items() if kind == "should_read")
    print(f"  lost on replies that should have been read: {should}  (target 0)")
    ctx = reader.context_reasks(ids)
    print(f"context re-asks     relevance {ctx['relevance']} over {ctx['files']} files, ranking {ctx['ranking']} "
          f"over {ctx['rankings']} rankings")
    print(f"silent wrong parses {len(silent)} of {checked} replies read  (target 0)")
    for item in silent[:10]:
        print(f"  {item}")
    print(f"silent wrong results {len(wrong_results)}  (target 0)")
    for item in wrong_results[:10]:
        print(f"  {item}")
    print(f"shapes exercised    {len(shapes)}: " + ", ".join(f"{k} {v}" for k, v in shapes.most_common()))


def _same(a: dict, b: dict) -> bool:
    keys = ("trajectory", "machine")
    return all(a.get(k) == b.get(k) for k in keys)


if __name__ == "__main__":
    main()
