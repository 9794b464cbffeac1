"""Parallel pairs on the local-directory sandbox double: pool reuse, isolation, resume, sharing."""

import pytest

from codefix.core.run_layout import CANDIDATES
from codefix.core.store import read_json, read_jsonl

from agent.generation import GenerationConfig, generate, trajectory_path
from tests.agent.fakes import ScriptedModel, local_sandbox_factory

SRC = {"calc.py": "def add(a, b):\n    return a - b\n"}
SCRIPT = "import sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n"
FIX = "```python\ncalc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n"


class Inst:
    instance_id = "calc-1"
    problem_statement = "add subtracts"


def answer(messages, stage, meta):
    """A model that iterates: write, then accept after seeing a run; pair 1 writes nonsense."""
    seen = sum(m["role"] == "assistant" for m in messages)
    if meta["trajectory"] == 1:
        return "I am not sure."
    if stage == "testing":
        return f"<test>\n{SCRIPT}</test>" if seen == 0 else "ACCEPT"
    return FIX if seen == 0 else "ACCEPT"


@pytest.fixture
def factory(tmp_path):
    return local_sandbox_factory(tmp_path, SRC)


def test_pairs_share_a_bounded_pool_and_failures_stay_isolated(tmp_path, factory):
    model = ScriptedModel(answer=answer)
    config = GenerationConfig(samples=5, workers=2, max_calls=3)
    results, figures = generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="ctx",
                                out_dir=tmp_path / "out", config=config)
    assert figures["sandboxes_started"] <= 2 and len(factory.made) <= 2
    assert sum(box.resets for box in factory.made) >= 4 * 3
    by_pair = {r.pair: r for r in results}
    assert by_pair[1].status == "max_calls" and by_pair[1].patch == "" and by_pair[1].calls == 3
    for pair in (0, 2, 3, 4):
        assert by_pair[pair].status == "submitted" and (by_pair[pair].before, by_pair[pair].after) == (2, 0)
    cands = read_jsonl(tmp_path / "out" / CANDIDATES)
    assert [c["pair"] for c in cands] == [0, 2, 3, 4] and "+    return a + b" in cands[0]["patch"]
    assert all(c["test"] == SCRIPT for c in cands)
    assert {c["temperature"] for c in model.calls} == {0.5}
    rec = read_json(trajectory_path(tmp_path / "out", 0, "editing"))
    assert rec["meta"] == {"instance_id": "calc-1", "trajectory": 0, "machine": "editing"}


def test_a_crashing_pair_does_not_stop_the_others(tmp_path, factory):
    def flaky(messages, stage, meta):
        if meta["trajectory"] == 0 and stage == "editing":
            raise RuntimeError("bug in a handler")
        return answer(messages, stage, meta)

    results, _ = generate(Inst(), model=ScriptedModel(answer=flaky), ledger=None, sandbox_factory=factory,
                          context="c", out_dir=tmp_path / "out", config=GenerationConfig(samples=3, workers=2))
    assert results[0].status == "error" and "bug in a handler" in results[0].error
    assert results[2].status == "submitted" and results[2].patch


def test_rerun_resumes_unfinished_and_skips_finished(tmp_path, factory):
    def dies(messages, stage, meta):
        if meta["trajectory"] == 1 and stage == "editing":
            raise KeyboardInterrupt
        return answer(messages, stage, meta) if meta["trajectory"] != 1 else (
            f"<test>\n{SCRIPT}</test>" if stage == "testing" and len(messages) == 2 else "ACCEPT")

    config = GenerationConfig(samples=2, workers=1)
    with pytest.raises(KeyboardInterrupt):
        generate(Inst(), model=ScriptedModel(answer=dies), ledger=None, sandbox_factory=factory, context="c",
                 out_dir=tmp_path / "out", config=config)
    assert read_json(trajectory_path(tmp_path / "out", 1, "testing"))["status"] == "submitted"
    model = ScriptedModel(replies=[FIX, "ACCEPT"])
    results, _ = generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="c",
                          out_dir=tmp_path / "out", config=config)
    assert [c["stage"] for c in model.calls] == ["editing", "editing"]
    assert [r.status for r in results] == ["submitted", "submitted"]
    again = ScriptedModel(replies=[])
    generate(Inst(), model=again, ledger=None, sandbox_factory=factory, context="c", out_dir=tmp_path / "out", config=config)
    assert again.calls == []


def test_a_rate_limited_pair_ends_the_instance_as_infrastructure_and_a_rerun_finishes_it(tmp_path, factory):
    """Issue 19: a call the endpoint's limiter could not send within its wait budget makes no empty
    candidate and no verdict; the other pairs finish, generation raises RateLimited (the instance
    is an infrastructure failure, retried by the next rerun), the refused pair's sandbox is kept,
    and the rerun asks only the refused pair's missing calls."""
    from codefix.core.errors import RateLimited

    def works(messages, stage, meta):
        seen = sum(m["role"] == "assistant" for m in messages)
        if stage == "testing":
            return f"<test>\n{SCRIPT}</test>" if seen == 0 else "ACCEPT"
        return FIX if seen == 0 else "ACCEPT"

    def refuses_pair_1_editing(messages, stage, meta):
        if meta["trajectory"] == 1 and stage == "editing":
            raise RateLimited("editing: fake-model still refused after 900 s of waiting")
        return works(messages, stage, meta)

    config = GenerationConfig(samples=3, workers=1)
    with pytest.raises(RateLimited):
        generate(Inst(), model=ScriptedModel(answer=refuses_pair_1_editing), ledger=None, sandbox_factory=factory,
                 context="c", out_dir=tmp_path / "out", config=config)
    assert [c["pair"] for c in read_jsonl(tmp_path / "out" / CANDIDATES)] == [0, 2]  # no candidate, empty or not, for pair 1
    assert read_json(trajectory_path(tmp_path / "out", 1, "editing"))["status"] == "running"
    assert len(factory.made) == 1  # the refusal did not count as a broken sandbox
    model = ScriptedModel(answer=works)
    results, _ = generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="c",
                          out_dir=tmp_path / "out", config=config)
    assert [(c["stage"], c["meta"]["trajectory"]) for c in model.calls] == [("editing", 1)] * 2
    assert [r.status for r in results] == ["submitted"] * 3
    assert [c["pair"] for c in read_jsonl(tmp_path / "out" / CANDIDATES)] == [0, 1, 2]


def test_share_attempts_shows_earlier_patches_to_later_pairs(tmp_path, factory):
    prompts = []

    def spy(messages, stage, meta):
        if stage == "editing" and len(messages) == 2:
            prompts.append(messages[0]["content"])  # the system message carries issue and context
        return answer(messages, stage, meta)

    config = GenerationConfig(samples=2, workers=1, share_attempts=True)
    generate(Inst(), model=ScriptedModel(answer=spy), ledger=None, sandbox_factory=factory, context="CTX",
             out_dir=tmp_path / "out", config=config)
    assert "Other attempts" not in prompts[0]
    assert len(prompts) == 1  # pair 1 never gets a script, so never edits
    config = GenerationConfig(samples=3, workers=1, share_attempts=True)
    prompts.clear()
    generate(Inst(), model=ScriptedModel(answer=spy), ledger=None, sandbox_factory=factory, context="CTX",
             out_dir=tmp_path / "out2", config=config)
    assert "Other attempts" in prompts[1] and "+    return a + b" in prompts[1]


def test_a_lease_gives_the_sandbox_back_unless_it_broke_or_was_retired(factory):
    from codefix.core.errors import SandboxError

    from agent.sandbox_pool import SandboxPool

    pool = SandboxPool(factory, size=1)
    with pool.lease() as box:
        pass
    with pool.lease() as again:
        assert again is box  # given back, reused
    with pytest.raises(SandboxError), pool.lease() as dead:
        raise SandboxError("container died")
    assert dead not in pool.open and pool.started == 1
    with pool.lease() as retired:
        pool.retire(retired)
    assert retired is not box and retired not in pool.open
    with pytest.raises(ValueError), pool.lease() as kept:
        raise ValueError("not the sandbox's fault")
    with pool.lease(broken_by=(Exception,)) as fresh:
        assert fresh is kept
    assert pool.started == 3 and pool.open == [fresh]
    with pytest.raises(ValueError), pool.lease(broken_by=(Exception,)):
        raise ValueError("counts as broken here")
    assert pool.open == []
    pool.close()


def test_pool_replaces_idle_sandboxes_that_no_longer_answer_when_asked(tmp_path, factory):
    from codefix.core.errors import SandboxError

    from agent.sandbox_pool import SandboxPool

    pool = SandboxPool(factory, size=1)
    box = pool.borrow()
    pool.give_back(box)
    box.run = lambda command, timeout=None: (_ for _ in ()).throw(SandboxError("gone"))
    assert pool.borrow() is box  # no check: reused as is
    pool.give_back(box)
    fresh = pool.borrow(check=True)
    assert fresh is not box and pool.started == 2 and pool.open == [fresh]
    pool.give_back(fresh)
    pool.close()
