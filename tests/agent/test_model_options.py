"""Model options through the fake HTTP provider: unsupported parameters dropped with one notice,
Hugging Face ids on an OpenAI-compatible server, each --api-base for its own model, a warning
for unpriced models, the context-window check before any call, and the capped issue."""

from __future__ import annotations

import pytest

from agent.loop import run_trajectory
from agent.models.factory import make_model
from agent.models.pricing import register_price
from tests.doubles.http_provider import FakeHTTPError, FakeProvider
from agent.testing_machine import TestingTask
from codefix.core.errors import ContextWindowExceeded, InputError, ModelError
from codefix.core.ledger import Ledger
from codefix.stages.wiring import make_models, unpriced_warning
from codefix.stages.run_config import ModelConfig

MESSAGES = [{"role": "system", "content": "You judge files."}, {"role": "user", "content": "Is a.py relevant?"}]


@pytest.mark.parametrize("name", ["openai/o3-mini", "openai/gpt-5"])
def test_a_temperature_the_model_refuses_is_dropped_with_one_notice(name) -> None:
    notes: list[str] = []
    with FakeProvider() as fake:  # like the real API, it answers 400 to these models with a temperature != 1
        model = make_model(name, api_base=fake.openai_base, api_key="sk-fake", temperature=0.5, notice=notes.append)
        for _ in range(2):
            assert model.query(MESSAGES, ledger=Ledger(), stage="relevance").text == "ok"
    assert [r.status for r in fake.requests] == [200, 200]
    assert all("temperature" not in r.body for r in fake.requests)
    assert len(notes) == 1 and name in notes[0] and "temperature" in notes[0] and "dropped" in notes[0]


def test_an_alias_litellm_does_not_know_whose_server_refuses_temperature_is_asked_again_without_it() -> None:
    def refuse_temperature(request):  # a proxy alias of a reasoning model: litellm cannot know it takes no temperature
        if "temperature" in request.body:
            return FakeHTTPError(400, message="Unsupported value: 'temperature' does not support 0.5 with this model. "
                                             "Only the default (1) value is supported.")
        return "ok"

    notes: list[str] = []
    with FakeProvider(refuse_temperature) as fake:
        model = make_model("openai/team-reasoner", api_base=fake.openai_base, api_key="sk-fake", temperature=0.5,
                           notice=notes.append)
        for _ in range(2):
            assert model.query(MESSAGES, ledger=Ledger(), stage="relevance").text == "ok"
    assert [r.status for r in fake.requests] == [400, 200, 200]  # asked again once; later calls go without it
    assert len(notes) == 1 and "team-reasoner" in notes[0] and "temperature" in notes[0]


def test_an_alias_whose_server_refuses_something_else_fails_as_before() -> None:
    with FakeProvider(lambda request: FakeHTTPError(400, message="Unsupported value: 'top_k'.")) as fake:
        model = make_model("openai/team-reasoner", api_base=fake.openai_base, api_key="sk-fake", temperature=0.5)
        with pytest.raises(ModelError):
            model.query(MESSAGES, ledger=Ledger(), stage="relevance")
    assert [r.status for r in fake.requests] == [400]


def test_a_model_that_takes_temperature_keeps_it_and_gets_no_notice() -> None:
    notes: list[str] = []
    with FakeProvider() as fake:
        model = make_model("openai/gpt-4.1", api_base=fake.openai_base, api_key="sk-fake", temperature=0.5, notice=notes.append)
        model.query(MESSAGES, ledger=Ledger(), stage="relevance")
    assert fake.requests[0].body["temperature"] == 0.5 and notes == [] and not model.drop_params


def test_a_hugging_face_id_with_api_base_reaches_an_openai_compatible_server_without_a_key(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeProvider() as fake:
        model = make_model("Qwen/Qwen2.5-Coder-32B-Instruct", api_base=fake.openai_base)
        assert model.query(MESSAGES, ledger=Ledger(), stage="relevance").text == "ok"
    assert model.litellm_model == "openai/Qwen/Qwen2.5-Coder-32B-Instruct"
    assert fake.requests[0].path == "/v1/chat/completions"
    assert fake.requests[0].body["model"] == "Qwen/Qwen2.5-Coder-32B-Instruct"
    assert fake.requests[0].headers["authorization"] == "Bearer EMPTY"
    with pytest.raises(InputError, match="does not know the provider"):
        make_model("Qwen/Qwen2.5-Coder-32B-Instruct")  # no server given: not a provider litellm knows
    assert make_model("anthropic/claude-sonnet-4-5", api_base=fake.base_url).litellm_model == "anthropic/claude-sonnet-4-5"


def test_each_api_base_goes_to_its_own_model(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeProvider() as primary_server, FakeProvider() as relevance_server:
        primary, reader = make_models(None, ModelConfig(name="openai/gpt-4.1", relevance="Qwen/Qwen2.5-Coder-32B-Instruct",
                                                        api_base=primary_server.openai_base,
                                                        relevance_api_base=relevance_server.openai_base))
        primary.query(MESSAGES, ledger=Ledger(), stage="ranking")
        reader.query(MESSAGES, ledger=Ledger(), stage="relevance")
    assert [r.body["model"] for r in primary_server.requests] == ["gpt-4.1"]
    assert [r.body["model"] for r in relevance_server.requests] == ["Qwen/Qwen2.5-Coder-32B-Instruct"]
    primary, reader = make_models(None, ModelConfig(name="openai/gpt-4.1", relevance="deepseek/deepseek-chat",
                                                  api_base="http://127.0.0.1:9/v1"))
    assert primary.api_base == "http://127.0.0.1:9/v1" and reader.api_base is None  # --api-base is not forced onto it
    primary, reader = make_models(None, ModelConfig(name="openai/gpt-4.1", api_base="http://127.0.0.1:9/v1"))
    assert reader is primary
    with pytest.raises(InputError, match="--relevance-api-base goes with --relevance-model"):
        make_models(None, ModelConfig(name="openai/gpt-4.1", relevance_api_base="http://127.0.0.1:9/v1"))


def test_an_unpriced_model_gets_one_clear_warning() -> None:
    local = make_model("Qwen/Qwen2.5-Coder-32B-Instruct", api_base="http://127.0.0.1:9/v1")
    warning = unpriced_warning(local, local, make_model("anthropic/claude-sonnet-4-5"))
    assert warning.startswith("warning: no price known for openai/Qwen/Qwen2.5-Coder-32B-Instruct:")
    assert warning.count("Qwen2.5") == 1 and "--price" in warning and "$0" in warning
    assert unpriced_warning(make_model("anthropic/claude-sonnet-4-5")) is None
    priced = make_model("Qwen/Qwen2.5-Coder-7B-Instruct", api_base="http://127.0.0.1:9/v1", price="0.2,0.6")
    assert unpriced_warning(priced) is None


def test_a_prompt_too_long_for_the_window_is_refused_before_any_request(tmp_path) -> None:
    register_price("anthropic/codefix-test-small-window", input_per_mtok=3, output_per_mtok=15, max_input_tokens=500)
    with FakeProvider() as fake:
        model = make_model("anthropic/codefix-test-small-window", api_base=fake.base_url, api_key="sk-fake")
        ledger = Ledger()
        with pytest.raises(ContextWindowExceeded, match="context window of 500; not sent"):
            model.query([{"role": "user", "content": "word " * 2000}], ledger=ledger, stage="relevance")
        record = run_trajectory(TestingTask("crash " * 2000), model, sandbox=None, ledger=ledger, stage="testing",
                                path=tmp_path / "t.traj.json")
        assert model.query(MESSAGES, ledger=ledger, stage="relevance").text == "ok"  # a short prompt goes through
    assert record.status == "context_window" and "not sent" in record.error and record.calls == 0
    assert len(fake.requests) == 1 and ledger.totals()["calls"] == 1
