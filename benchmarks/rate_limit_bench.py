"""Throughput against a rate-limited endpoint: the old per-call retry vs the shared endpoint
limiter, side by side in one run.

The endpoint is the tests' rate-limited fake (`tests/doubles/rate_limited_endpoint.py`, OpenAI
shape, reached through litellm's real HTTP path): it counts every request against sliding
windows, refused ones included, and answers 429 with retry-after in whole seconds. For each
limit (requests/s, and one input-tokens/min limit) 32 callers make calls for `--seconds`:

- `per-call retry`: each caller honours retry-after on its own (what codefix did before issue 19);
- `shared, learnt`: one EndpointLimiter for all callers, told nothing (it learns from refusals);
- `shared, known`: the same, told the limit (model.limits in the config).

Printed per row: served/s, utilisation of the limit (served/s over the limit; a token limit's
in requests/s at the endpoint's count of the prompt's tokens) and refused per served, over the
whole run and over its second half (the steady state). The windows are 5 s
long (limit x 5 requests per 5 s), a scaled-down provider minute.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WINDOW = 5.0
PROMPT = [{"role": "user", "content": "Is this file relevant?" + " abc" * 400}]  # ~400 tokens both ways counted


def old_per_call_retry(endpoint, model_name: str, base: str, stop: float, count) -> None:
    """One caller of the old way: retry-after honoured on its own, backoff without it."""
    from agent.models.litellm_setup import load_litellm
    from agent.models.retry import retry_after

    litellm = load_litellm()
    failures = 0
    while time.monotonic() < stop:
        try:
            litellm.completion(model=model_name, api_base=base, api_key="sk-bench", messages=PROMPT, num_retries=0,
                               max_tokens=64, timeout=30)
            count()
            failures = 0
        except litellm.RateLimitError as exc:
            failures += 1
            delay = retry_after(exc)
            delay = delay if delay is not None else min(60.0, 2 ** (failures - 1)) * (0.5 + random.random() / 2)
            time.sleep(max(0.0, min(delay, stop - time.monotonic())))


def shared_limiter(model, stop: float, count) -> None:
    from codefix.core.errors import RateLimited
    from codefix.core.ledger import Ledger

    ledger = Ledger()
    while time.monotonic() < stop:
        try:
            model.query(PROMPT, ledger=ledger, stage="relevance", max_tokens=64)
            count()
        except RateLimited:
            return


def scenario(mode: str, per_second: float | None, tokens_per_minute: float | None, seconds: float, callers: int) -> dict:
    from agent.models.factory import make_model
    from agent.models.limiter import EndpointLimits, no_shared_limiters
    from codefix.core.ledger import Ledger
    from tests.doubles.rate_limited_endpoint import RateLimitedEndpoint, input_tokens_of

    requests = int(per_second * WINDOW) if per_second else None
    input_tokens = int(tokens_per_minute / 60 * WINDOW) if tokens_per_minute else None
    with no_shared_limiters(), RateLimitedEndpoint(requests=requests, input_tokens=input_tokens, window=WINDOW,
                                                   respond=lambda m: "VERDICT: NOT RELEVANT") as endpoint:
        base = endpoint.base_url + "/v1"
        known = EndpointLimits(requests_per_minute=per_second * 60 if per_second else None,
                               input_tokens_per_minute=tokens_per_minute, max_wait=seconds * 2)
        limits = known if mode == "shared, known" else EndpointLimits(max_wait=seconds * 2)
        model = make_model("openai/bench-model", api_base=base, api_key="sk-bench", limits=limits)
        model.query(PROMPT, ledger=Ledger(), stage="warm", max_tokens=64)
        time.sleep(WINDOW)  # the warm call's window passes
        endpoint.served = endpoint.refused = 0
        endpoint.served_times.clear()
        endpoint.refused_times.clear()
        lock = threading.Lock()
        done = [0]

        def count():
            with lock:
                done[0] += 1

        started = time.monotonic()
        stop = started + seconds
        with cf.ThreadPoolExecutor(callers) as pool:
            if mode == "per-call retry":
                futures = [pool.submit(old_per_call_retry, endpoint, "openai/bench-model", base, stop, count)
                           for _ in range(callers)]
            else:
                futures = [pool.submit(shared_limiter, model, stop, count) for _ in range(callers)]
            for f in futures:
                f.result()
        ended = time.monotonic()
        refused_total = endpoint.refused
        half = started + seconds / 2
        late = [t for t in endpoint.served_times if t >= half]
        late_refused = sum(1 for t in endpoint.refused_times if t >= half)
    # requests/s the limit allows, counted as the endpoint counts them (a token limit: its tokens per prompt)
    limit_rate = per_second or (tokens_per_minute / 60 / input_tokens_of(PROMPT))
    whole = len(endpoint.served_times) / (ended - started)
    steady = len(late) / max(1e-9, ended - half)
    return {"mode": mode, "limit": f"{per_second:g} req/s" if per_second else f"{tokens_per_minute:g} input tok/min",
            "served": len(endpoint.served_times), "refused": refused_total,
            "utilisation": round(whole / limit_rate, 3), "utilisation_steady": round(steady / limit_rate, 3),
            "refused_per_served": round(refused_total / max(1, len(endpoint.served_times)), 3),
            "refused_per_served_steady": round(late_refused / max(1, len(late)), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each scenario")
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--limits", default="5,10,50", help="requests/s limits, comma-separated")
    parser.add_argument("--tokens-per-minute", type=float, default=240_000, help="an input-token limit (0: none)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    cases = [(float(x), None) for x in args.limits.split(",") if x] + (
        [(None, args.tokens_per_minute)] if args.tokens_per_minute else [])
    for per_second, tpm in cases:
        for mode in ("per-call retry", "shared, learnt", "shared, known"):
            row = scenario(mode, per_second, tpm, args.seconds, args.callers)
            rows.append(row)
            print(f"{row['limit']:>22}  {mode:<15} served {row['served']:>5}  refused {row['refused']:>6}  "
                  f"utilisation {row['utilisation']:.2f} (steady {row['utilisation_steady']:.2f})  "
                  f"refused/served {row['refused_per_served']:.2f} (steady {row['refused_per_served_steady']:.2f})",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
