"""The model layer through litellm's real HTTP path, against the fake provider on 127.0.0.1:
cache marks on editing requests, the warm-up read by later pairs, measured cache tokens in the
ledger and costs, truncation at max_tokens, rate limits and overloads."""

from __future__ import annotations

import itertools

import pytest

from agent.context.packing import render_packed
from agent.generation import GenerationConfig, generate
from agent.loop import run_trajectory
from agent.models.factory import make_model
from agent.models.pricing import call_cost
from agent.models.retry import RetryPolicy
from tests.doubles.http_provider import FakeHTTPError, FakeProvider, FakeReply, default_count
from agent.testing_machine import TestingTask
from codefix.core.errors import ModelError
from codefix.core.ledger import Ledger
from codefix.core.protocols import Usage
from tests.agent.fakes import LocalDirSandbox, local_sandbox_factory, make_repo

SONNET = "anthropic/claude-sonnet-4-5"
SRC = {"calc.py": "def add(a, b):\n    return a - b\n"}
SCRIPT = "import sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n"
FIX = "```python\ncalc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n"
HELPERS = "".join(f"def helper_{i}(x):\n    return x * {i} + {i % 7}\n\n" for i in range(150))
CONTEXT = render_packed([("calc.py", SRC["calc.py"]), ("helpers.py", HELPERS)])  # a few thousand tokens: cacheable


class Inst:
    instance_id = "calc-1"
    problem_statement = "add() subtracts: add(2, 3) gives -1"


def is_editing(request) -> bool:
    return any("<reproduction_script>" in m["content"] for m in request.messages if m["role"] == "user")


def respond(request) -> str:
    """A model that writes a script (each one its own) or the fix, then accepts what it saw run."""
    replied = any(m["role"] == "assistant" for m in request.messages)
    if replied:
        return "The run shows what I expected.\n\nACCEPT"
    if is_editing(request):
        return FIX
    return f"A reproduction:\n<test>\n# attempt {next(ATTEMPTS)}\n{SCRIPT}</test>\n"


ATTEMPTS = itertools.count()


def sonnet(fake: FakeProvider, **kwargs):
    return make_model(SONNET, api_base=fake.base_url, api_key="sk-fake", **kwargs)


def run_pairs(tmp_path, model, samples: int = 3):
    ledger = Ledger()
    results, _ = generate(Inst(), model=model, ledger=ledger, sandbox_factory=local_sandbox_factory(tmp_path, SRC),
                          context=CONTEXT, out_dir=tmp_path / "out",
                          config=GenerationConfig(samples=samples, workers=samples, max_calls=4))
    assert [r.status for r in results] == ["submitted"] * samples and all(r.patch for r in results)
    return ledger


def test_editing_requests_carry_cache_marks_and_parallel_pairs_read_the_warmed_cache(tmp_path) -> None:
    with FakeProvider(respond) as fake:
        ledger = run_pairs(tmp_path, sonnet(fake))
    editing = [r for r in fake.requests if is_editing(r)]
    assert len(editing) == 6  # 3 pairs x (edit, accept)
    for request in editing:
        users = [i for i, m in enumerate(request.body["messages"]) if m["role"] == "user"]
        assert request.cache_marks == ["system[0]"] + [f"messages[{i}]" for i in users[-2:]]
        assert "<code>" in request.messages[0]["content"] and "def helper_149" in request.messages[0]["content"]
    firsts = [r for r in editing if len(r.body["messages"]) == 1]
    system_tokens = default_count(firsts[0].messages[0]["content"])
    assert system_tokens > 1024
    # the warm-up call (first to arrive) writes the shared prefix; every later pair reads it
    assert firsts[0].usage["cache_read_input_tokens"] == 0 and firsts[0].usage["cache_creation_input_tokens"] >= system_tokens
    for request in firsts[1:]:
        assert request.usage["cache_read_input_tokens"] == system_tokens
        assert 0 < request.usage["cache_creation_input_tokens"] < system_tokens  # only the pair's own script
    for request in editing:
        if len(request.body["messages"]) > 1:  # the next turn reads everything up to the previous mark
            assert request.usage["cache_read_input_tokens"] > system_tokens

    # measured cache reads and writes reach the ledger and are priced at Sonnet's cache prices
    stage = ledger.by_stage()["editing"]
    assert stage["calls"] == 6
    assert stage["cache_read_tokens"] == sum(r.usage["cache_read_input_tokens"] for r in editing) > 0
    assert stage["cache_write_tokens"] == sum(r.usage["cache_creation_input_tokens"] for r in editing) > 0
    assert stage["input_tokens"] == sum(r.usage["input_tokens"] for r in editing)
    expected = sum(call_cost(SONNET, Usage(r.usage["input_tokens"], r.usage["output_tokens"], r.usage["cache_read_input_tokens"],
                                           r.usage["cache_creation_input_tokens"])) for r in editing)
    assert stage["cost"] == pytest.approx(expected)
    reads, writes = stage["cache_read_tokens"], stage["cache_write_tokens"]
    assert stage["cost"] == pytest.approx((stage["input_tokens"] * 3 + stage["output_tokens"] * 15 + reads * 0.3 + writes * 3.75) / 1e6)


def test_with_caching_off_no_request_is_marked_and_nothing_is_cached(tmp_path) -> None:
    with FakeProvider(respond) as fake:
        ledger = run_pairs(tmp_path, sonnet(fake, cache_prompts=False), samples=2)
    assert fake.requests and all(r.cache_marks == [] for r in fake.requests)
    totals = ledger.totals()
    assert totals["cache_read_tokens"] == totals["cache_write_tokens"] == 0 and totals["input_tokens"] > 0


def test_an_openai_compatible_model_gets_no_marks_but_its_automatic_cache_is_counted(tmp_path) -> None:
    with FakeProvider(respond) as fake:
        ledger = run_pairs(tmp_path, make_model("openai/gpt-4.1", api_base=fake.openai_base, api_key="sk-fake"))
    assert all(r.api == "openai" and r.cache_marks == [] for r in fake.requests)
    assert not any("cache_control" in str(r.body) for r in fake.requests)
    cached = sum(r.usage["prompt_tokens_details"]["cached_tokens"] for r in fake.requests)
    assert cached > 0 and ledger.totals()["cache_read_tokens"] == cached and ledger.totals()["cache_write_tokens"] == 0


def test_a_reply_cut_at_max_tokens_is_never_run_and_the_model_is_told_where_it_was_cut(tmp_path) -> None:
    rambling = f"<test>\n{SCRIPT}</test>\nOn second thought, " + "let me reconsider the exit codes. " * 200
    with FakeProvider() as fake:
        fake.queue(FakeReply(rambling), f"<test>\n{SCRIPT.replace('== 5', '== 5 ')}</test>", "ACCEPT")
        box = LocalDirSandbox(make_repo(tmp_path / "repo", SRC))
        record = run_trajectory(TestingTask(Inst.problem_statement), sonnet(fake), box, ledger=Ledger(), stage="testing",
                                path=tmp_path / "t.traj.json", max_calls=4, max_tokens=60)
    assert [r.stop for r in fake.requests] == ["max_tokens", "end_turn", "end_turn"]
    assert record.status == "submitted" and record.truncated == 1 and record.format_errors == 1
    assert record.steps[0] == {"call": 1, "format_error": True, "truncated": 60}
    told = fake.requests[1].messages[-1]["content"]
    assert "cut off at the output limit, after 60 tokens" in told and "none of it was used" in told
    assert len(box.commands) == 1 and "== 5 " in record.result["test"]  # the cut reply's complete block never ran
    assert record.messages[2]["finish_reason"] == "length"


def test_relevance_re_asks_an_answer_cut_at_the_limit_through_the_openai_shape(tmp_path) -> None:
    from agent.context.config import ContextConfig
    from agent.context.files import SourceFile
    from agent.context.relevance import judge_file

    with FakeProvider() as fake:
        fake.queue("Let me think about this file. " * 100, "VERDICT: RELEVANT\nSUMMARY: defines add")
        model = make_model("openai/gpt-4.1", api_base=fake.openai_base, api_key="sk-fake")
        decision = judge_file(model, Inst.problem_statement, SourceFile("calc.py", SRC["calc.py"]), ledger=Ledger(),
                              meta={}, config=ContextConfig(relevance_max_tokens=40))
    assert [r.stop for r in fake.requests] == ["length", "stop"]
    assert decision.status == "relevant" and decision.attempts == 2
    assert "cut off at the output limit, after 40 tokens" in fake.requests[1].messages[-1]["content"]


def test_rate_limits_wait_as_asked_and_overloads_are_retried(tmp_path) -> None:
    from tests.doubles.fake_clock import fake_time_limiter

    waits: list[float] = []
    limiter, clock = fake_time_limiter(base_pause=0.5)
    messages = [{"role": "user", "content": "Is calc.py relevant?"}]
    with FakeProvider() as fake:
        model = sonnet(fake, sleep=waits.append, retry=RetryPolicy(base_delay=0.5, max_attempts=3), limiter=limiter)
        fake.queue(FakeHTTPError(429, retry_after=7), FakeHTTPError(529), "VERDICT: NOT RELEVANT")
        ledger = Ledger()
        assert model.query(messages, ledger=ledger, stage="relevance").text == "VERDICT: NOT RELEVANT"
        # the endpoint paused 7 s as asked, then 0.5 s * 2 for the 529 (the second refusal in a row)
        assert clock.slept == [7.0, 1.0] and waits == [] and len(fake.requests) == 3 and ledger.totals()["calls"] == 1
        fake.queue(*[FakeHTTPError(503)] * 3)
        with pytest.raises(ModelError, match="after 3 attempts"):
            model.query(messages, ledger=ledger, stage="relevance")
    assert len(fake.requests) == 6 and ledger.totals()["calls"] == 1  # failed calls are not billed
