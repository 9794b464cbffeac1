"""The gold provider through real litellm: dispatch by stage to answer modules, the instance
and meta it receives, the deterministic wrong-trajectory decision, and its clear errors."""

from __future__ import annotations

import pytest

from agent.models.factory import make_model
from agent.models.retry import RetryPolicy
from agent.models.test_doubles.gold import GoldAnswerMissing, GoldModel, is_wrong
from codefix.core.datasets import Dataset
from codefix.core.errors import InputError, ModelError
from codefix.core.instance import Instance
from codefix.core.ledger import Ledger

PATCH = "diff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1,2 +1,2 @@ def f():\n-    return 1\n+    return 2\n"
DATASET = Dataset("t", [Instance(instance_id="t__gold-1", repo="t/gold", base_commit="abc",
                                 problem_statement="f() returns 1", patch=PATCH)])
MESSAGES = [{"role": "user", "content": "question"}]


def test_wrong_trajectories_are_an_exact_evenly_spread_fraction() -> None:
    assert [is_wrong(t, 0.6) for t in range(5)] == [False, True, False, True, True]
    for fraction in (0.0, 0.1, 0.25, 0.6, 1.0):
        assert sum(is_wrong(t, fraction) for t in range(100)) == int(100 * fraction + 1e-9)
    assert is_wrong(None, 1.0) is False  # calls outside a trajectory (context stage) are never wrong


def test_dispatch_reaches_a_registered_answer_with_instance_meta_and_wrong_flag() -> None:
    seen = []

    def fake_answer(instance, messages, meta, wrong):
        seen.append((instance.instance_id, messages[-1]["content"], meta, wrong))
        return f"{'wrong' if wrong else 'right'} for {instance.instance_id}"

    model = make_model("gold:wrong=0.5", dataset=DATASET)
    assert model.name == "gold:wrong=0.5" and model.wrong == 0.5
    model.answers["fake-stage"] = fake_answer
    ledger = Ledger()
    texts = [model.query(MESSAGES, ledger=ledger, stage="fake-stage", meta={"instance_id": "t__gold-1", "trajectory": t}).text
             for t in range(4)]
    assert texts == ["right for t__gold-1", "wrong for t__gold-1", "right for t__gold-1", "wrong for t__gold-1"]
    assert seen[1] == ("t__gold-1", "question", {"instance_id": "t__gold-1", "trajectory": 1}, True)
    assert ledger.by_stage()["fake-stage"]["calls"] == 4 and ledger.spent > 0


def test_dispatch_reaches_the_relevance_answer_module() -> None:
    model = GoldModel(DATASET)
    meta = {"instance_id": "t__gold-1", "path": "pkg/a.py"}
    text = model.query(MESSAGES, ledger=Ledger(), stage="relevance", meta=meta).text
    assert "VERDICT: RELEVANT" in text
    text = model.query(MESSAGES, ledger=Ledger(), stage="relevance", meta={**meta, "path": "pkg/b.py"}).text
    assert "NOT RELEVANT" in text


def test_a_stage_without_an_answer_module_is_a_clear_error_and_not_retried() -> None:
    slept: list[float] = []
    model = GoldModel(DATASET, sleep=slept.append)
    with pytest.raises(GoldAnswerMissing, match="no answer for stage 'no-such-stage'"):
        model.query(MESSAGES, ledger=Ledger(), stage="no-such-stage", meta={"instance_id": "t__gold-1"})
    assert slept == []


def test_an_answer_that_fails_is_a_model_error_not_retried() -> None:
    slept: list[float] = []

    def broken(instance, messages, meta, wrong):
        raise ValueError("cannot read the prompt")

    model = GoldModel(DATASET, answers={"testing": broken}, sleep=slept.append, retry=RetryPolicy(max_attempts=5))
    with pytest.raises(ModelError, match="cannot read the prompt"):
        model.query(MESSAGES, ledger=Ledger(), stage="testing", meta={"instance_id": "t__gold-1"})
    assert slept == []


def test_missing_or_unknown_instance_ids_are_refused_before_the_call() -> None:
    model = GoldModel(DATASET)
    with pytest.raises(ModelError, match="instance_id"):
        model.query(MESSAGES, ledger=Ledger(), stage="relevance", meta={})
    with pytest.raises(InputError):
        model.query(MESSAGES, ledger=Ledger(), stage="relevance", meta={"instance_id": "t__other-9"})
    with pytest.raises(InputError):
        GoldModel(DATASET, wrong=1.5)


def test_concurrent_calls_cannot_together_pass_the_budget() -> None:
    """16 threads at once under a budget of 3.5 worst cases: never more than 3 calls in flight
    (the others wait for room, or are refused when even a settled spend leaves none), and the
    spend stays within the budget."""
    import threading
    import time

    from codefix.core.errors import BudgetExceeded

    def slow(instance, messages, meta, wrong):
        # the first admitted calls stay in flight until three are at once (10 s at most), so the
        # test sees the budget hold calls back whatever the threads' timing
        with lock:
            flight[0] += 1
            flight[1] = max(flight[1], flight[0])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                if flight[1] >= 3:
                    break
            time.sleep(0.01)
        with lock:
            flight[0] -= 1
        return "ok"

    model = GoldModel(DATASET, answers={"testing": slow}, max_tokens=50)
    one = model.estimate(MESSAGES, 50)
    ledger = Ledger(budget_usd=one * 3.5)
    outcomes: list[str] = []
    flight = [0, 0]  # calls in flight now, and at most
    lock = threading.Lock()

    def work():
        try:
            model.query(MESSAGES, ledger=ledger, stage="testing", meta={"instance_id": "t__gold-1"})
            result = "ok"
        except BudgetExceeded:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert flight[1] == 3 and len(outcomes) == 16
    assert ledger.spent <= ledger.budget and ledger.totals()["calls"] == outcomes.count("ok") >= 3


def test_gold_options_read_wrong_and_latency_and_refuse_the_rest() -> None:
    from agent.models.test_doubles.gold import _options

    assert _options("") == {}
    assert _options("wrong=0.5,latency=2") == {"wrong": 0.5, "latency": 2.0}
    for bad, message in [("latency=soon", "wants a number"), ("wrong=0.5,wrong=0.6", "unknown gold option"),
                         ("delay=1", "unknown gold option"), ("latency=", "unknown gold option")]:
        with pytest.raises(InputError, match=message):
            _options(bad)


def test_a_gold_reply_with_latency_takes_at_least_that_long() -> None:
    import time

    from agent.models.test_doubles.gold import gold_answer

    request = {"instance": None, "stage": "any", "meta": {}, "wrong_fraction": 0.0,
               "answers": {"any": lambda instance, messages, meta, wrong: "ok"}}
    started = time.monotonic()
    assert gold_answer("m", [], {"codefix_gold": {**request, "latency": 0.3}}) == "ok"
    assert time.monotonic() - started >= 0.3
