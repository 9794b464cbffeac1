"""Model-layer overhead: what LitellmModel (budget estimate, litellm.completion, usage, cost,
ledger) adds per call, measured with the offline replay provider (which answers instantly).

Prints the per-call overhead sequentially and the throughput with N threads in flight, with
and without a budget (a budget adds the pessimistic estimate: a token count per call).
The relevance stage makes one call per file (thousands per instance), so the overhead per
call bounds how close a scan can get to files x delay / concurrency.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--prompt-tokens", type=int, default=2000, help="rough size of each prompt")
    args = parser.parse_args()

    from agent.models.factory import make_model
    from codefix.core.ledger import Ledger

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.json"
        script.write_text(json.dumps([{"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True}]))
        model = make_model(f"replay:{script}")
        body = "def f(x):\n    return x + 1\n" * (args.prompt_tokens // 12)
        messages = [{"role": "system", "content": "Judge the file."}, {"role": "user", "content": body}]
        model.query(messages, ledger=Ledger(), stage="relevance")  # warm-up (imports, first-call setup)

        for budget in (None, 1e6):
            ledger = Ledger(budget_usd=budget)
            t0 = time.perf_counter()
            for _ in range(args.calls // 4):
                model.query(messages, ledger=ledger, stage="relevance")
            seq = (time.perf_counter() - t0) / (args.calls // 4)
            ledger = Ledger(budget_usd=budget)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(lambda _: model.query(messages, ledger=ledger, stage="relevance"), range(args.calls)))
            wall = time.perf_counter() - t0
            totals = ledger.totals()
            label = "with budget" if budget else "no budget  "
            print(f"{label}: {seq * 1000:.1f} ms/call sequential; {args.calls} calls on {args.threads} threads in "
                  f"{wall:.2f} s = {args.calls / wall:.0f} calls/s; ledger {totals['calls']} calls, "
                  f"{totals['input_tokens']:,} input tokens, ${totals['cost']:.4f}")


if __name__ == "__main__":
    main()
