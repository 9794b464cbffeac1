"""The endpoint limiter through litellm's real HTTP path, against the rate-limited fake endpoint:
many callers share one endpoint at its limit, both API shapes' refusals (429 with and without
retry-after, 529) are taken by the limiter, and `codefix context` against an endpoint refusing
everything past the wait budget stops as an infrastructure failure, then a rerun finishes
without paying twice."""

from __future__ import annotations

import concurrent.futures as cf
import time
from pathlib import Path

import pytest

from agent.models.factory import make_model
from agent.models.limiter import EndpointLimits, no_shared_limiters
from codefix.core.ledger import Ledger
from codefix.core.store import read_json
from tests.doubles.rate_limited_endpoint import RateLimitedEndpoint

ROOT = Path(__file__).resolve().parents[2]
ASK = [{"role": "user", "content": "Is calc.py relevant?"}]


def hammer(model, calls: int, callers: int, ledger: Ledger) -> None:
    with cf.ThreadPoolExecutor(callers) as pool:
        list(pool.map(lambda _: model.query(ASK, ledger=ledger, stage="relevance"), range(calls)))


@pytest.mark.parametrize("limits, requests, window", [(None, 50, 5.0), (EndpointLimits(requests_per_minute=600), 10, 1.0)],
                         ids=["learnt", "known"])
def test_many_callers_share_a_ten_per_second_endpoint_without_starving_it(limits, requests, window) -> None:
    """32 callers, 10 requests/s counted with the refused ones, retry-after in whole seconds:
    without the shared limiter the callers come back together and starve (issue 19: 36 served,
    33,000 refused). Learnt from refusals, the windows are 5 s (a whole-second retry-after over a
    1 s window wastes up to 0.9 s per refusal); paced under a known limit, 1 s. What is asserted
    holds on any machine: every call served once and recorded, refusals fewer than when each
    caller honours retry-after on its own. How much of the limit is used is a rate, which a
    loaded machine lowers (its callers, not the limiter, go slower; 0.84-0.87 learnt and 0.94
    known at a load of 5 on 2 cores): benchmarks/rate_limit_bench.py measures it
    (docs/models.md), and the Docker test of `codefix context` on sympy holds it >= 0.8."""
    with RateLimitedEndpoint(requests=requests, window=window, retry_after="seconds") as endpoint:
        model = make_model("openai/fake-model", api_base=endpoint.base_url + "/v1", api_key="sk-fake", limits=limits)
        ledger = Ledger()
        model.query(ASK, ledger=ledger, stage="warm")  # litellm's first call is slow: not the limiter's figure
        time.sleep(1.0)
        endpoint.served = endpoint.refused = 0
        started = time.monotonic()
        hammer(model, 200, 32, ledger)
        figures = endpoint.figures(started, time.monotonic(), 10)
    assert ledger.by_stage()["relevance"]["calls"] == endpoint.served == 200
    # Callers each honouring retry-after on their own (the old per-call retry) drew 0.52 refused per
    # served here, the shared limiter 0.18-0.19; a loaded machine draws fewer, its callers being slower.
    assert figures["refused_per_served"] <= 0.35, figures
    if limits is not None:  # paced under the known limit
        assert figures["refused_per_served"] <= 0.1, figures


@pytest.mark.parametrize("api, retry_after, status", [
    ("anthropic", "none", 429), ("anthropic", "ms", 529), ("openai", "date", 429), ("openai", "none", 429),
])
def test_refusals_of_both_shapes_are_taken_by_the_limiter_and_recorded(api, retry_after, status) -> None:
    with RateLimitedEndpoint(requests=3, window=1.0, retry_after=retry_after, refusal_status=status) as endpoint:
        name = "anthropic/claude-sonnet-4-5" if api == "anthropic" else "openai/fake-model"
        base = endpoint.base_url if api == "anthropic" else endpoint.base_url + "/v1"
        model = make_model(name, api_base=base, api_key="sk-fake", limits=EndpointLimits(base_pause=0.3))
        ledger = Ledger()
        hammer(model, 12, 6, ledger)
    assert endpoint.refused > 0 and ledger.by_stage()["relevance"]["calls"] == endpoint.served == 12
    refused = sum(c["meta"].get("limiter_refused", 0) for c in ledger.calls)
    assert refused == endpoint.refused == model.limiter.stages["relevance"].refused


def gold_replies(instance):
    """What a strong model answers, from the fixture's gold patch (relevance and ranking prompts)."""
    from agent.models.test_doubles.gold_answers import ranking, relevance

    def respond(messages: list[dict]) -> str:
        last = messages[-1]["content"]
        if "<file path=" in last:
            return relevance.answer(instance, messages, {}, False)
        return ranking.answer(instance, messages, {}, False)

    return respond


def test_an_endpoint_refusing_past_the_wait_budget_is_an_infrastructure_failure_and_a_rerun_pays_once(
        tmp_path, monkeypatch) -> None:
    from agent.context.config import ContextConfig
    from codefix.core.datasets import load_dataset
    from codefix.core.errors import RateLimited
    from codefix.stages.batch_status import is_infrastructure
    from codefix.stages.run_config import ModelConfig
    from codefix.stages.wiring import checked_out, make_models, run_context

    monkeypatch.setenv("CODEFIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    ds = load_dataset(ROOT / "data/fixtures.jsonl")
    inst, repo = checked_out(ds.get("codefix-fixtures__invoicing-1"))
    out = tmp_path / "context.json"
    answer = gold_replies(inst)
    # After 3 served requests the provider shuts its door for longer than the wait budget (counted
    # under the endpoint's lock: two requests in flight cannot both be served as the third).
    with RateLimitedEndpoint(requests=1000, window=60.0, respond=answer, serve_at_most=3) as endpoint:
        config = ModelConfig(name="fake-model", api_base=endpoint.base_url + "/v1",
                             limits={"max_wait": 2, "base_pause": 0.2})
        primary, reader = make_models(ds, config)
        first = Ledger()
        with pytest.raises(RateLimited, match="wait budget") as info:
            run_context(inst, repo, primary=primary, reader=reader, ledger=first, out_path=out,
                        config=ContextConfig(concurrency=2))
        assert is_infrastructure(info.value)  # batch: infra_error, retried by the next rerun as it is
        stored = read_json(out)
        judged = [p for p, d in stored["relevance"].items() if d["status"] in ("relevant", "not_relevant")]
        assert stored["status"] != "done" and len(judged) == endpoint.served == first.totals()["calls"] == 3
        assert not [d for d in stored["relevance"].values() if d["status"] == "error"]  # no verdict from a refusal

        endpoint.serve_at_most = None  # the provider is back
        with no_shared_limiters():  # a new process
            primary, reader = make_models(ds, config)
            second = Ledger()
            result = run_context(inst, repo, primary=primary, reader=reader, ledger=second, out_path=out,
                                 config=ContextConfig(concurrency=2))
    assert result.status == "done"
    assert first.totals()["calls"] + second.totals()["calls"] == endpoint.served  # none paid twice


def test_the_editing_warm_up_call_still_goes_first_when_the_endpoint_is_throttling() -> None:
    """The first editing call writes the prompt cache its siblings read: under refusals it is
    retried first, and no sibling reaches the provider before it was answered."""
    import threading

    from agent.models.cache_warmup import WarmedModel, WarmupGate

    with RateLimitedEndpoint(retry_after="ms", refuse_all=True) as endpoint:
        def reopen_at_the_second_request(messages: list[dict]) -> str:
            if endpoint.arrivals:  # the first request was refused (retry-after-ms 1000): open the door
                endpoint.refuse_all = False
            return "VERDICT: NOT RELEVANT"

        # Refusing the first request by count, not by filling a 1 s window beforehand: on a loaded
        # machine the warm-up call could arrive after that window had emptied.
        endpoint.respond = reopen_at_the_second_request
        model = make_model("openai/fake-model", api_base=endpoint.base_url + "/v1", api_key="sk-fake",
                           limits=EndpointLimits(base_pause=0.2))
        ledger = Ledger()
        warmed = WarmedModel(model, WarmupGate())
        first_in = threading.Event()

        def editing(pair: int) -> None:
            if pair:
                first_in.wait(5)
            else:
                first_in.set()
            warmed.query([{"role": "user", "content": f"edit, pair {pair}"}], ledger=ledger, stage="editing")

        threads = [threading.Thread(target=editing, args=(pair,)) for pair in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    texts = [text for _, text in endpoint.arrivals]
    answered = next(i for i, (status, _) in enumerate(endpoint.arrivals) if status == 200)
    assert endpoint.arrivals[0][0] == 429 and set(texts[: answered + 1]) == {"edit, pair 0"}, endpoint.arrivals
    assert sorted(set(texts)) == [f"edit, pair {p}" for p in range(4)]


SHARE_CALLER = """
import concurrent.futures as cf, sys
from agent.models.factory import make_model
from agent.models.limiter import EndpointLimits
from codefix.core.ledger import Ledger
limits = EndpointLimits(requests_per_minute=600).share(2)
model = make_model("openai/fake-model", api_base=sys.argv[1], api_key="sk-fake", limits=limits)
ledger = Ledger()
with cf.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda _: model.query([{"role": "user", "content": "x"}], ledger=ledger, stage="relevance"), range(50)))
print(ledger.totals()["calls"])
"""


def test_two_processes_each_taking_half_the_known_limit_share_it_without_refusals() -> None:
    """The approach chosen for a Ray cluster: each node's process paces at its share of the
    known limits (`EndpointLimits.share(N)`); two processes stand in for two nodes."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    with RateLimitedEndpoint(requests=10, window=1.0, retry_after="seconds") as endpoint:
        procs = [subprocess.Popen([sys.executable, "-c", SHARE_CALLER, endpoint.base_url + "/v1"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [o.strip().splitlines()[-1] for o in outs] == ["50", "50"] and endpoint.served == 100
    assert endpoint.refused <= 0.1 * endpoint.served, endpoint.refused  # uncoordinated, each at the full limit: ~half refused
    # How fast they go together is not asserted (performance belongs in benchmarks/, e.g. rate_limit_bench.py): a
    # loaded machine slows the two callers' start-up (importing litellm) far past any fixed rate.
