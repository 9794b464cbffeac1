"""The context stage end to end through the real model layer (litellm custom providers):
gold on every bundled fixture, replay scripts for the failure cases, resume and reruns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.context.config import ContextConfig
from agent.context.result import ContextResult
from agent.context.stage import run_context_stage
from codefix.core.datasets import load_dataset
from codefix.core.instance import Instance
from codefix.core.store import read_json
from tests.agent.context_repo import make_repo

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"


class CountingModel:
    """Test wrapper around a real Model that counts the calls made through it."""

    def __init__(self, model):
        self.model = model
        self.name = getattr(model, "name", "counted")
        self.calls: list[str] = []

    def query(self, messages, *, ledger, stage, meta=None, **kwargs):
        self.calls.append(stage)
        return self.model.query(messages, ledger=ledger, stage=stage, meta=meta, **kwargs)


def packed_files(result: ContextResult) -> list[tuple[str, str]]:
    return [(f.path, f.text) for f in result.packed]


def replay(tmp_path: Path, entries: list[dict]) -> CountingModel:
    from agent.models.factory import make_model
    from agent.models.retry import RetryPolicy

    script = tmp_path / f"script{len(list(tmp_path.glob('script*.json')))}.json"
    script.write_text(json.dumps(entries))
    return CountingModel(make_model(f"replay:{script}", retry=RetryPolicy(base_delay=0.01)))


def run(inst, repo, model, out, ledger=None, **config):
    from codefix.core.ledger import Ledger

    return run_context_stage(
        inst, repo, relevance_model=model, ranking_model=model, ledger=ledger or Ledger(),
        out_path=out, config=ContextConfig(**{"concurrency": 4, **config}),
    )


def small_instance(base_commit: str, issue: str = "f() returns the wrong value", patch: str = "") -> Instance:
    return Instance(instance_id="t__small-1", repo="t/small", base_commit=base_commit,
                    problem_statement=issue, patch=patch)


REPO_FILES = {
    "pkg/a.py": "def f():\n    return 1\n",
    "pkg/b.py": "def g():\n    return 2\n",
    "pkg/tests/test_a.py": "def test_f(): pass\n",
}


@pytest.mark.parametrize("fixture_id", [i.instance_id for i in load_dataset(FIXTURES)] if FIXTURES.exists() else [])
def test_gold_model_packs_the_gold_files_of_every_fixture(tmp_path, fixture_id) -> None:
    from agent.models.factory import make_model
    from sandbox.images.source_repo import prepare_source_repo

    ds = load_dataset(FIXTURES)
    inst = ds.get(fixture_id)
    repo, commit = prepare_source_repo(inst, tmp_path / "cache")
    inst = inst.model_copy(update={"base_commit": commit})
    model = CountingModel(make_model("gold", dataset=ds))
    out = tmp_path / "context.json"
    result = run(inst, repo, model, out)
    record = read_json(out)
    assert result.status == "done", result.message
    gold = record["recall"]["gold_files"]
    assert gold and set(gold) <= {path for path, _ in packed_files(result)}
    assert result.recall == 1.0 and result.ranking[: len(gold)] == gold
    assert model.calls.count("ranking") == 3 and model.calls.count("relevance") == record["files"]["read"]
    assert "usage" in record and record["packed_tokens"] == result.packed_tokens > 0

    again = CountingModel(make_model("gold", dataset=ds))
    second = run(inst, repo, again, out, concurrency=32)
    assert again.calls == [] and packed_files(second) == packed_files(result)
    assert read_json(out) == record  # nothing rewritten

    repacked = run(inst, repo, again, out, budget_tokens=1000)  # same decisions, new budget
    assert again.calls == [] and repacked.packed_tokens <= 1000
    assert read_json(out)["earlier_usage"][0]["totals"]["calls"] == len(model.calls)
    assert ContextResult.from_record(read_json(out), out).render() == repacked.render()


def test_malformed_relevance_answers_are_reasked_then_recorded_and_invented_paths_dropped(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "r", REPO_FILES)
    model = replay(tmp_path, [
        {"stage": "relevance", "match": 'path="pkg/a\\.py"', "reply": "It is relevant, I think."},
        {"stage": "relevance", "match": "could not be read", "reply": "VERDICT: RELEVANT\nSUMMARY: defines f"},
        {"stage": "relevance", "match": 'path="pkg/b\\.py"', "reply": "VERDICT: perhaps"},
        {"stage": "relevance", "match": "could not be read", "reply": "no idea", "repeat": True},
        {"stage": "ranking", "reply": "```\npkg/invented.py\npkg/a.py\n```", "repeat": True},
    ])
    out = tmp_path / "context.json"
    result = run(small_instance(commit), repo, model, out, concurrency=1)
    record = read_json(out)
    a, b = record["relevance"]["pkg/a.py"], record["relevance"]["pkg/b.py"]
    assert (a["status"], a["attempts"], a["summary"]) == ("relevant", 2, "defines f")
    assert (b["status"], b["attempts"]) == ("failed", 3) and "malformed" in b["error"]
    assert result.status == "done" and result.ranking == ["pkg/a.py"]
    assert [r["dropped"] for r in record["rankings"]] == [["pkg/invented.py"]] * 3
    assert "pkg/tests/test_a.py" not in record["relevance"]
    assert model.calls.count("relevance") == 5


def test_rate_limit_and_timeout_are_retried_by_the_model_layer_and_the_stage_completes(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "r", {"pkg/a.py": "def f():\n    return 1\n"})
    model = replay(tmp_path, [
        {"stage": "relevance", "error": "rate_limit", "retry_after": 0.2},
        {"stage": "relevance", "error": "timeout"},
        {"stage": "relevance", "reply": "VERDICT: RELEVANT\nSUMMARY: defines f"},
        {"stage": "ranking", "error": "rate_limit", "retry_after": 0.1},
        {"stage": "ranking", "reply": "```\npkg/a.py\n```", "repeat": True},
    ])
    out = tmp_path / "context.json"
    result = run(small_instance(commit), repo, model, out)
    assert result.status == "done" and packed_files(result)[0][0] == "pkg/a.py"
    assert read_json(out)["relevance"]["pkg/a.py"]["attempts"] == 1  # retries are the model layer's


def test_budget_stops_cleanly_keeps_what_was_done_and_a_rerun_resumes(tmp_path) -> None:
    from codefix.core.ledger import Ledger

    files = {f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(6)}
    repo, commit = make_repo(tmp_path / "r", files)
    script = [
        {"stage": "relevance", "match": 'path="pkg/m0\\.py"', "reply": "VERDICT: RELEVANT\nSUMMARY: f0", "repeat": True},
        {"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True},
        {"stage": "ranking", "reply": "```\npkg/m0.py\n```", "repeat": True},
    ]
    model = replay(tmp_path, script)
    out = tmp_path / "context.json"
    ledger = Ledger(budget_usd=0.002)  # a few relevance calls' worth at the test-double price, 512-token answers
    result = run(small_instance(commit), repo, model, out, ledger=ledger, concurrency=1, relevance_max_tokens=512)
    record = read_json(out)
    assert result.status == "budget_exceeded" and "rerun to resume" in result.message
    judged = len(record["relevance"])
    assert 0 < judged < 6 and record["status"] == "budget_exceeded"
    assert record["usage"]["totals"]["cost"] <= 0.002

    again = replay(tmp_path, script)
    result = run(small_instance(commit), repo, again, out)
    assert result.status == "done" and result.ranking == ["pkg/m0.py"]
    assert again.calls.count("relevance") == 6 - judged and again.calls.count("ranking") == 3


def test_empty_issue_empty_repo_and_no_relevant_file_are_clear_outcomes(tmp_path) -> None:
    import git

    model = replay(tmp_path, [{"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True}])
    repo, commit = make_repo(tmp_path / "r", REPO_FILES)
    with pytest.raises(ValueError, match="problem_statement is empty"):  # refused before any stage runs
        small_instance(commit, issue="  \n")

    git.Repo.init(tmp_path / "empty")
    result = run(small_instance(""), tmp_path / "empty", model, tmp_path / "c2.json")
    assert result.status == "empty_repo" and packed_files(result) == []

    result = run(small_instance(commit), repo, model, tmp_path / "c3.json")
    assert result.status == "no_relevant_files" and result.render() == "" and len(model.calls) == 2


def test_files_too_long_for_the_relevance_window_are_shown_as_skeletons(tmp_path) -> None:
    body = "def long_function(a, b):\n    '''Adds.'''\n" + "    a += 1\n" * 300
    repo, commit = make_repo(tmp_path / "r", {"pkg/long.py": body, "pkg/a.py": "x = 1\n"})
    model = replay(tmp_path, [
        {"stage": "relevance", "match": 'form="skeleton"[^>]*>\\s*def long_function\\(a, b\\):', "reply": "VERDICT: RELEVANT\nSUMMARY: adds"},
        {"stage": "relevance", "match": 'path="pkg/a\\.py" form="full"', "reply": "VERDICT: NOT RELEVANT"},
        {"stage": "ranking", "reply": "```\npkg/long.py\n```", "repeat": True},
    ])
    out = tmp_path / "context.json"
    result = run(small_instance(commit), repo, model, out, relevance_window_tokens=200)
    assert read_json(out)["relevance"]["pkg/long.py"]["shown"] == "skeleton"
    assert packed_files(result) == [("pkg/long.py", body)]  # packing still takes the whole file


def test_a_context_window_error_is_answered_by_showing_the_skeleton(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "r", {"pkg/a.py": "def f(x):\n    '''Doc.'''\n    return x\n"})
    model = replay(tmp_path, [
        {"stage": "relevance", "match": 'form="full"', "error": "context_window"},
        {"stage": "relevance", "match": 'form="skeleton"', "reply": "VERDICT: RELEVANT\nSUMMARY: f"},
        {"stage": "ranking", "reply": "```\npkg/a.py\n```", "repeat": True},
    ])
    out = tmp_path / "context.json"
    result = run(small_instance(commit), repo, model, out)
    decision = read_json(out)["relevance"]["pkg/a.py"]
    assert (decision["status"], decision["shown"], decision["attempts"]) == ("relevant", "skeleton", 2)
    assert result.status == "done"


def test_model_errors_in_a_row_stop_the_scan_and_a_rerun_retries_those_files(tmp_path) -> None:
    files = {f"pkg/m{i:02}.py": f"X = {i}\n" for i in range(40)}
    repo, commit = make_repo(tmp_path / "r", files)
    model = replay(tmp_path, [{"stage": "relevance", "error": "auth", "repeat": True}])
    out = tmp_path / "context.json"
    result = run(small_instance(commit), repo, model, out, concurrency=1)
    assert result.status == "model_errors" and "AuthenticationError" in result.message
    assert 16 <= len(model.calls) < 30  # stopped (a few may already be under way), not 40 doomed calls
    assert {d["status"] for d in read_json(out)["relevance"].values()} == {"error"}

    again = replay(tmp_path, [
        {"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True},
    ])
    result = run(small_instance(commit), repo, again, out)
    assert result.status == "no_relevant_files" and len(again.calls) == 40
