"""The output limit of testing, editing and selection calls (issue 21, item 4): configurable per
stage, and by default room for the answer plus, for a model that spends its output budget on
hidden reasoning, room for that reasoning, within the model's known output limit."""

from __future__ import annotations

import pytest

from agent.generation import GenerationConfig, generate
from agent.models.factory import make_model
from agent.models.output_limit import ANSWER_TOKENS, REASONING_TOKENS, default_max_tokens
from agent.models.pricing import register_price
from selection.stage import SelectionConfig
from tests.agent.fakes import ScriptedModel, local_sandbox_factory
from tests.agent.test_generation import SRC, Inst, answer


@pytest.mark.parametrize("model, kwargs, expected", [
    ("openai/gpt-5", {}, ANSWER_TOKENS + REASONING_TOKENS),  # reasons always, in its output budget
    ("openai/o3-mini", {}, ANSWER_TOKENS + REASONING_TOKENS),
    ("deepseek/deepseek-reasoner", {}, ANSWER_TOKENS + REASONING_TOKENS),
    ("openai/gpt-4.1", {}, ANSWER_TOKENS),  # no hidden reasoning
    ("anthropic/claude-sonnet-4-5", {}, ANSWER_TOKENS),  # reasons only when thinking is asked for
    ("anthropic/claude-sonnet-4-5", {"thinking": {"type": "enabled", "budget_tokens": 16000}}, ANSWER_TOKENS + 16000),
    ("openai/gpt-4.1", {"reasoning_effort": "high"}, 32768),  # gpt-4.1's own output limit caps it
    ("openai/codefix-unknown-alias", {}, ANSWER_TOKENS),  # unknown: set max_tokens in the stage's config
])
def test_the_default_output_limit_leaves_room_for_hidden_reasoning(model, kwargs, expected):
    assert default_max_tokens(model, kwargs) == expected


def test_the_default_never_exceeds_the_models_known_output_limit():
    register_price("openai/codefix-test-small-reasoner", input_per_mtok=1, output_per_mtok=2, max_output_tokens=8192)
    assert default_max_tokens("openai/codefix-test-small-reasoner", {"reasoning_effort": "low"}) == 8192


def test_a_reasoning_model_is_not_cut_at_4096_tokens_by_default():
    assert make_model("openai/gpt-5").max_tokens == ANSWER_TOKENS + REASONING_TOKENS
    assert make_model("openai/gpt-5", max_tokens=2048).max_tokens == 2048


def test_the_generation_config_sets_the_output_limit_of_testing_and_editing_calls(tmp_path):
    model = ScriptedModel(answer=answer)
    generate(Inst(), model=model, ledger=None, sandbox_factory=local_sandbox_factory(tmp_path, SRC), context="ctx",
             out_dir=tmp_path / "out", config=GenerationConfig(samples=1, workers=1, max_tokens=20000))
    assert {c["stage"] for c in model.calls} == {"testing", "editing"}
    assert {c["max_tokens"] for c in model.calls} == {20000}
    default = ScriptedModel(answer=answer)
    generate(Inst(), model=default, ledger=None, sandbox_factory=local_sandbox_factory(tmp_path / "d", SRC), context="ctx",
             out_dir=tmp_path / "out2", config=GenerationConfig(samples=1, workers=1))
    assert all("max_tokens" not in c for c in default.calls)  # left to the model's own default


def test_the_selection_config_sets_the_output_limit_of_selection_calls(tmp_path):
    from codefix.core.ledger import Ledger
    from codefix.stages.solve import select
    from tests.codefix.test_run_config import config_of
    from tests.codefix.test_run_config_reach import INST, MACHINE_REPLIES, SLOW_FIX_CHECK, Sandboxes, candidates

    config = config_of("solve", ["--vote-workers", "4"]).selection.model_copy(update={"max_tokens": 20000})
    replies = iter(MACHINE_REPLIES)
    model = ScriptedModel(answer=lambda messages, stage, meta: next(replies))
    result = select(INST, candidates((SLOW_FIX_CHECK,)), model=model, ledger=Ledger(), sandbox_factory=Sandboxes(tmp_path),
                    out_dir=tmp_path / "selection", config=config)
    assert result.method == "selection_machine" and len(model.calls) == 2
    assert {c["max_tokens"] for c in model.calls} == {20000}
    with pytest.raises(ValueError):
        SelectionConfig(max_tokens=10)
