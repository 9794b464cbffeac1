"""The replay provider through the real litellm path: matching, repeats, exhaustion, and
injected provider errors handled by the model layer exactly like real ones."""

from __future__ import annotations

import json
import threading

import pytest

from agent.models.retry import RetryPolicy
from agent.models.test_doubles.replay import ReplayExhausted, ReplayModel, ReplayScript
from codefix.core.errors import ContextWindowExceeded, InputError, ModelError
from codefix.core.ledger import Ledger


def script(tmp_path, entries, name="script.json"):
    path = tmp_path / name
    path.write_text(json.dumps(entries) if name.endswith(".json") else entries)
    return path


def model(tmp_path, entries, **kwargs):
    slept: list[float] = []
    m = ReplayModel(script(tmp_path, entries), sleep=slept.append, **kwargs)
    return m, slept


def ask(m, text="hello", stage="relevance", ledger=None):
    return m.query([{"role": "system", "content": "sys"}, {"role": "user", "content": text}],
                   ledger=ledger or Ledger(), stage=stage).text


def test_entries_are_taken_in_order_by_stage_and_match_and_repeats_never_run_out(tmp_path) -> None:
    m, _ = model(tmp_path, [
        {"stage": "ranking", "reply": "R"},
        {"stage": "relevance", "match": r"file b\.py", "reply": "B"},
        {"stage": "relevance", "reply": "first"},
        {"stage": "relevance", "reply": "always", "repeat": True},
    ])
    assert ask(m, "look at file b.py") == "B"
    assert ask(m, "look at file b.py") == "first"
    assert [ask(m) for _ in range(3)] == ["always"] * 3
    assert ask(m, stage="ranking") == "R"
    with pytest.raises(ReplayExhausted, match=r"stage 'ranking'.*'second prompt'"):
        ask(m, "second prompt\nmore", stage="ranking")


def test_exhaustion_is_not_retried_and_keeps_its_type_through_litellm(tmp_path) -> None:
    m, slept = model(tmp_path, [])
    with pytest.raises(ReplayExhausted):
        ask(m)
    assert slept == []


def test_yaml_scripts_load_and_bad_scripts_are_input_errors(tmp_path) -> None:
    path = script(tmp_path, "- stage: testing\n  reply: |\n    exit 2\n", name="s.yaml")
    assert ReplayScript.load(path).entries[0].reply == "exit 2\n"
    for bad in ([{"stage": "x"}], [{"stage": "x", "reply": "a", "error": "timeout"}],
                [{"stage": "x", "reply": "a", "extra": 1}], {"stage": "x"}, [{"stage": "x", "error": "teapot"}],
                [{"stage": "x", "match": "(", "reply": "a"}]):
        with pytest.raises(InputError, match="bad replay script"):
            ReplayScript.load(script(tmp_path, bad))
    with pytest.raises(InputError, match="cannot read"):
        ReplayScript.load(tmp_path / "missing.json")


def test_rate_limit_with_retry_after_reaches_the_limiter_as_a_real_429(tmp_path) -> None:
    from tests.doubles.fake_clock import fake_time_limiter

    limiter, clock = fake_time_limiter()
    m, slept = model(tmp_path, [
        {"stage": "relevance", "error": "rate_limit", "retry_after": 2.5},
        {"stage": "relevance", "error": "rate_limit", "retry_after": 4},
        {"stage": "relevance", "reply": "fine"},
    ], retry=RetryPolicy(max_attempts=1), limiter=limiter)
    ledger = Ledger()
    assert ask(m, ledger=ledger) == "fine"
    assert clock.slept == [2.5, 4.0] and slept == [] and ledger.totals()["calls"] == 1
    assert ledger.calls[0]["meta"]["limiter_refused"] == 2 and limiter.stages["relevance"].refused == 2


def test_timeouts_and_server_errors_are_retried_then_succeed(tmp_path) -> None:
    m, slept = model(tmp_path, [
        {"stage": "relevance", "error": "timeout"},
        {"stage": "relevance", "error": "server_error"},
        {"stage": "relevance", "reply": "fine"},
    ], retry=RetryPolicy(max_attempts=3, base_delay=1.0))
    assert ask(m) == "fine" and len(slept) == 2 and 0.5 <= slept[0] <= 1.0 and 1.0 <= slept[1] <= 2.0


def test_auth_is_not_retried_and_context_window_raises_context_window_exceeded(tmp_path) -> None:
    m, slept = model(tmp_path, [{"stage": "relevance", "error": "auth"}, {"stage": "relevance", "reply": "unused"}])
    with pytest.raises(ModelError, match="AuthenticationError"):
        ask(m)
    assert slept == [] and m.script.used == [True, False]
    m, slept = model(tmp_path, [{"stage": "relevance", "error": "context_window"}, {"stage": "relevance", "reply": "unused"}])
    with pytest.raises(ContextWindowExceeded):
        ask(m)
    assert slept == [] and m.script.used == [True, False]


def test_concurrent_calls_each_take_a_different_entry(tmp_path) -> None:
    m, _ = model(tmp_path, [{"stage": "relevance", "reply": str(i)} for i in range(12)])
    replies: list[str] = []
    lock = threading.Lock()

    def work():
        text = ask(m)
        with lock:
            replies.append(text)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(replies, key=int) == [str(i) for i in range(12)]


def test_a_recorded_script_replays_the_same_replies_for_the_same_prompts_in_any_order(tmp_path) -> None:
    from tests.doubles.recording import RecordingModel

    source, _ = model(tmp_path, [{"stage": "relevance", "reply": "A (x+1)?"}, {"stage": "relevance", "reply": "B"},
                                 {"stage": "ranking", "reply": "R"}])
    recorder = RecordingModel(source, tmp_path / "recorded.jsonl")
    prompts = ["file a.py: def f(x): return (x+1)*2", "file b.py [1]", "rank these"]
    assert [ask(recorder, prompts[0]), ask(recorder, prompts[1]), ask(recorder, prompts[2], stage="ranking")] == ["A (x+1)?", "B", "R"]
    replayed = ReplayModel(tmp_path / "recorded.jsonl")
    assert ask(replayed, prompts[1]) == "B" and ask(replayed, prompts[0]) == "A (x+1)?"
    assert ask(replayed, prompts[2], stage="ranking") == "R"
    with pytest.raises(ReplayExhausted):
        ask(replayed, prompts[0])
    with pytest.raises(InputError, match="JSONL"):
        RecordingModel(source, tmp_path / "recorded.json")
