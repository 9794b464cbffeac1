"""Prompt caching: the editing stage's cost with caching on vs off, on every bundled fixture, at
Sonnet prices, measured through the fake Anthropic provider's usage accounting.

Per fixture: the context stage runs with the gold double (the packed context the editing
machine would get), then generation runs twice in Docker with a real LitellmModel on
`anthropic/claude-sonnet-4-5` pointed at the fake HTTP provider (tests/doubles/http_provider.py),
which answers with the gold answers and bills prompts through its simulated prefix cache
(1024-token minimum, writes at 1.25x, reads at 0.1x): once with cache marks and the warm-up
(the default), once with `cache_prompts=False`. The editing stage's cost comes from the ledger,
i.e. from the usage the provider reported. Target: cached <= 0.35x uncached.

The fixtures' packed contexts are tiny (0.5k-1k tokens with the gold double; the paper's average
is 74.6k), so the per-pair parts (script, outputs) dominate and caching cannot save much; the
same runs are repeated with the context padded to `--paper-context` tokens by appending real,
unrelated Python files (this interpreter's standard library), as low-ranked files of a real
context would be. Both tables are printed.

The gold double makes two editing calls per trajectory (edit, accept); `--extra-turns N` makes it
replace its script N times first (each a further turn that runs the script before and after),
as a model that iterates would.

    CODEFIX_SANDBOX_SESSION=bench-$$ python benchmarks/prompt_cache_bench.py [--samples 10] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SONNET = "anthropic/claude-sonnet-4-5"
TARGET = 0.35


def gold_over_http(inst, extra_turns: int):
    """The fake provider's answer function: the gold answer of the stage the request is for."""
    from agent.prompts.render import render
    from agent.models.test_doubles.gold import answer_for
    from agent.models.test_doubles.gold_answers.testing import reproduction_script

    editing_system = render("editing", "system")

    def respond(request) -> str:
        messages = request.messages
        if not messages[0]["content"].startswith(editing_system):
            return answer_for("testing")(inst, messages, {}, False)
        replies = sum(m["role"] == "assistant" for m in messages)
        if 0 < replies <= extra_turns:  # the edit is in; replace the script once more before accepting
            return "Let me check with the script once more.\n\n<test>\n" + reproduction_script(inst) + "</test>\n"
        return answer_for("editing")(inst, messages, {}, False)  # the edit first, then ACCEPT

    return respond


def packed_context(inst, ds) -> tuple[str, int]:
    """The context stage's packed context with the gold double, and its tokens."""
    from agent.context.config import ContextConfig
    from agent.context.stage import run_context_stage
    from agent.models.factory import make_model
    from codefix.core.ledger import Ledger
    from codefix.stages.wiring import checked_out

    inst, repo_dir = checked_out(inst)
    gold = make_model("gold", dataset=ds)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_context_stage(inst, repo_dir, relevance_model=gold, ranking_model=gold, ledger=Ledger(),
                                   out_path=Path(tmp) / "context.json", config=ContextConfig())
    return result.render(), result.packed_tokens


def padded(context: str, tokens: int) -> tuple[str, int]:
    """`context` followed by standard-library modules as extra files, up to about `tokens` tokens."""
    import sysconfig

    from agent.context.packing import render_file
    from tests.doubles.http_provider import default_count

    blocks, total = [context], default_count(context)
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        if total >= tokens:
            break
        block = render_file(f"vendored_stdlib/{path.name}", path.read_text(encoding="utf-8", errors="replace"))
        size = default_count(block)
        if total + size > tokens * 1.02:
            continue
        blocks.append(block)
        total += size
    return "\n".join(blocks), total


def editing_cost(inst, context: str, *, caching: bool, samples: int, workers: int, extra_turns: int) -> dict:
    """The editing stage's ledger sums for one generation run, plus how many first calls read the cache."""
    from agent.generation import GenerationConfig, generate
    from agent.models.factory import make_model
    from tests.doubles.http_provider import FakeProvider
    from codefix.core.ledger import Ledger
    from sandbox.backend_config import sandbox_factory

    factory, _ = sandbox_factory(inst)
    with FakeProvider(gold_over_http(inst, extra_turns)) as fake, tempfile.TemporaryDirectory() as tmp:
        model = make_model(SONNET, api_base=fake.base_url, api_key="sk-fake", cache_prompts=caching)
        ledger = Ledger()
        results, _ = generate(inst, model=model, ledger=ledger, sandbox_factory=factory, context=context,
                              out_dir=Path(tmp), config=GenerationConfig(samples=samples, workers=workers,
                                                                         max_calls=8 + extra_turns))
    editing = ledger.by_stage().get("editing", {"calls": 0, "cost": 0.0, "input_tokens": 0, "output_tokens": 0,
                                                "cache_read_tokens": 0, "cache_write_tokens": 0})
    firsts = [r for r in fake.requests if len(r.body.get("messages", [])) == 1 and "<code>" in r.messages[0]["content"]]
    editing["first_calls_reading"] = sum(1 for r in firsts if r.usage.get("cache_read_input_tokens"))
    editing["first_calls"] = len(firsts)
    editing["submitted"] = sum(1 for r in results if r.status == "submitted" and r.patch)
    return editing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10, help="pairs per fixture (the paper: 10)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--extra-turns", type=int, default=0, help="script replacements before the edit, per trajectory")
    parser.add_argument("--instances", default="", help="comma-separated fixture ids (default: all)")
    parser.add_argument("--paper-context", type=int, default=74_600,
                        help="tokens of the padded contexts (the paper's average packed context)")
    args = parser.parse_args()

    from codefix.core.datasets import load_dataset

    ds = load_dataset(str(ROOT / "data" / "fixtures.jsonl"))
    wanted = [i for i in args.instances.split(",") if i] or [inst.instance_id for inst in ds]
    print(f"{args.samples} pairs per fixture, {args.workers} at once, {args.extra_turns} extra turn(s); "
          f"{SONNET} prices through the fake provider")
    contexts = {instance_id: packed_context(ds.get(instance_id), ds) for instance_id in wanted}
    ratios = {}
    for label, pad in (("fixture contexts as packed", 0), (f"contexts padded to {args.paper_context} tokens", args.paper_context)):
        print(f"\n{label}")
        runs = {i: (padded(contexts[i][0], pad) if pad else contexts[i]) for i in wanted}
        ratios[label] = table(ds, runs, args)
    print()
    for label, ratio in ratios.items():
        print(f"editing stage, cached vs uncached, {label:32}: {ratio:.3f}x   target <= {TARGET}x   "
              f"{'met' if ratio <= TARGET else 'NOT met'}")


def table(ds, contexts: dict, args) -> float:
    """Run both arms on every fixture, print a row each, return the total ratio."""
    header = f"{'fixture':34} {'context':>8} {'calls':>5} {'uncached $':>11} {'cached $':>9} {'ratio':>6} " \
             f"{'read':>9} {'written':>8} {'warm reads':>10}"
    print(header)
    print("-" * len(header))
    total_on = total_off = 0.0
    for instance_id, (context, tokens) in contexts.items():
        inst = ds.get(instance_id)
        runs = {caching: editing_cost(inst, context, caching=caching, samples=args.samples, workers=args.workers,
                                      extra_turns=args.extra_turns) for caching in (False, True)}
        off, on = runs[False], runs[True]
        total_on, total_off = total_on + on["cost"], total_off + off["cost"]
        ratio = on["cost"] / off["cost"] if off["cost"] else float("nan")
        print(f"{instance_id:34} {tokens:8d} {on['calls']:5d} {off['cost']:11.4f} {on['cost']:9.4f} {ratio:6.2f} "
              f"{on['cache_read_tokens']:9d} {on['cache_write_tokens']:8d} "
              f"{on['first_calls_reading']:4d}/{on['first_calls']:<5d}")
        if on["submitted"] != off["submitted"] or on["calls"] != off["calls"]:
            print(f"  note: the arms differ (calls {on['calls']} vs {off['calls']}, submitted {on['submitted']} vs {off['submitted']})")
    print("-" * len(header))
    ratio = total_on / total_off if total_off else float("nan")
    print(f"{'all fixtures':34} {'':8} {'':5} {total_off:11.4f} {total_on:9.4f} {ratio:6.2f}")
    return ratio

if __name__ == "__main__":
    main()
