import json

import pytest

from codefix.core.errors import BudgetExceeded, ContextWindowExceeded, ModelError, RateLimited
from codefix.core.store import read_json

from agent.loop import run_trajectory
from agent.task import Step
from tests.agent.fakes import ScriptedModel


class CountingTask:
    """Finishes when the reply says 'done'; 'junk' is a format error."""

    def __init__(self):
        self.seen: list[str] = []

    def start(self):
        return [{"role": "user", "content": "go"}]

    def observe(self, reply, sandbox):
        if reply == "junk":
            return Step(message="again", format_error=True)
        self.seen.append(reply)
        if reply == "done":
            return Step(finished=True, result={"seen": list(self.seen)})
        return Step(message=f"ok {reply}", outputs={"n": len(self.seen)})

    def result_so_far(self):
        return {"seen": list(self.seen)}

    def state(self):
        return {"seen": list(self.seen)}

    def restore(self, state):
        self.seen = list(state["seen"])


def run(model, path, **kw):
    return run_trajectory(CountingTask(), model, None, ledger=None, stage="testing", path=path, **kw)


def test_finishes_and_saves_usage_and_steps(tmp_path):
    model = ScriptedModel(["a", "junk", "done"])
    rec = run(model, tmp_path / "t.json", meta={"trajectory": 3}, temperature=0.5)
    assert rec.status == "submitted" and rec.result == {"seen": ["a", "done"]}
    assert rec.calls == 3 and rec.format_errors == 1
    assert rec.usage.input_tokens == 300 and rec.cost == pytest.approx(0.003)
    assert model.calls[0]["meta"] == {"trajectory": 3} and model.calls[0]["temperature"] == 0.5
    assert read_json(tmp_path / "t.json") == rec.to_json()


def test_the_trajectory_file_keeps_the_shape_older_runs_and_the_viewer_read(tmp_path):
    # Guards the file format: `codefix view` and `codefix report` read these keys as plain JSON.
    run(ScriptedModel(["a", "done"]), tmp_path / "t.json")
    saved = read_json(tmp_path / "t.json")
    assert list(saved) == ["stage", "meta", "status", "error", "calls", "format_errors", "truncated", "messages",
                           "steps", "task_state", "result", "usage", "cost", "model_seconds", "sandbox_seconds"]
    assert saved["usage"] == {"input_tokens": 200, "output_tokens": 20, "cache_read_tokens": 0, "cache_write_tokens": 0}
    assert saved["steps"] == [{"call": 1, "format_error": False, "n": 1}, {"call": 2, "format_error": False}]


def test_a_trajectory_saved_by_an_older_version_resumes_and_keeps_unknown_keys(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({
        "stage": "testing", "meta": {}, "status": "running", "error": "", "calls": 1, "format_errors": 0,
        "messages": [{"role": "user", "content": "go"}, {"role": "assistant", "content": "a"}],
        "steps": [], "task_state": {"seen": []}, "result": None, "cost": 0.001, "from_the_future": [1],
        "usage": {"input_tokens": 100, "output_tokens": 10, "cache_read_tokens": 0, "cache_write_tokens": 0},
    }))  # no truncated, model_seconds, sandbox_seconds: written before they existed
    rec = run(ScriptedModel(["done"]), path)
    assert rec.status == "submitted" and rec.result == {"seen": ["a", "done"]} and rec.calls == 2
    saved = read_json(path)
    assert saved["from_the_future"] == [1] and saved["truncated"] == 0 and saved["usage"]["input_tokens"] == 200


def test_format_fix_reprompts_count_toward_the_limit(tmp_path):
    rec = run(ScriptedModel(["junk"] * 5), tmp_path / "t.json", max_calls=3)
    assert rec.status == "max_calls" and rec.calls == 3


@pytest.mark.parametrize(
    "error,status",
    [
        (ContextWindowExceeded("too long"), "context_window"),
        (BudgetExceeded("no money"), "budget_exceeded"),
        (ModelError("auth"), "model_error"),
    ],
)
def test_model_failures_end_with_their_own_status(tmp_path, error, status):
    rec = run(ScriptedModel(["a", error]), tmp_path / "t.json")
    assert rec.status == status and rec.calls == 1
    assert rec.result == {"seen": ["a"]}


def test_a_rate_limit_is_raised_not_a_verdict_and_the_trajectory_resumes(tmp_path):
    """A call the endpoint's limiter could not send within its wait budget is infrastructure (issue
    19): the trajectory is not ended as model_error, it stays resumable and the rerun goes on
    from the last answered call."""
    path = tmp_path / "t.json"
    with pytest.raises(RateLimited):
        run(ScriptedModel(["a", RateLimited("still refused after 900 s")]), path)
    saved = read_json(path)
    assert saved["status"] == "running" and saved["calls"] == 1 and saved["error"].startswith("RateLimited")
    second = ScriptedModel(["done"])
    rec = run(second, path)
    assert rec.status == "submitted" and rec.result == {"seen": ["a", "done"]}
    assert len(second.calls) == 1 and rec.calls == 2


def test_crash_resumes_without_repeating_calls_and_finished_is_skipped(tmp_path):
    path = tmp_path / "t.json"
    with pytest.raises(KeyboardInterrupt):
        run(ScriptedModel(["a", "b", KeyboardInterrupt()]), path)
    saved = read_json(path)
    assert saved["status"] == "running" and saved["calls"] == 2
    second = ScriptedModel(["done"])
    rec = run(second, path)
    assert rec.status == "submitted" and rec.result == {"seen": ["a", "b", "done"]}
    assert len(second.calls) == 1 and rec.calls == 3
    third = ScriptedModel([])
    assert run(third, path) == rec and third.calls == []


def test_reply_saved_before_observe_is_not_asked_again(tmp_path):
    path = tmp_path / "t.json"

    class Boom(CountingTask):
        def observe(self, reply, sandbox):
            if reply == "b":
                raise RuntimeError("host crashed while observing")
            return super().observe(reply, sandbox)

    with pytest.raises(RuntimeError):
        run_trajectory(Boom(), ScriptedModel(["a", "b"]), None, ledger=None, stage="testing", path=path)
    model = ScriptedModel(["done"])
    rec = run(model, path)
    assert rec.result == {"seen": ["a", "b", "done"]} and len(model.calls) == 1
