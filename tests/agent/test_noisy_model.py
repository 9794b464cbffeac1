"""The `noisy` test double: its options, its determinism, its cut replies through litellm, and
that every shape it produces is read by the real readers as the gold answer it wraps (or, for
the malformed shapes, asked again)."""

from __future__ import annotations

import random

import pytest

from agent.context.relevance import MalformedAnswer
from agent.models.factory import make_model
from agent.reply_parsing import ReplyProblem
from agent.models.test_doubles.gold_answers.editing import patch_to_blocks
from agent.models.test_doubles.noisy import is_malformed, parse_noisy_options, without_reasks
from agent.models.test_doubles.noisy_replies import editing, ranking, relevance, selection, testing
from codefix.core.datasets import Dataset
from codefix.core.errors import InputError
from codefix.core.instance import Instance
from tests.agent.test_reply_variants import (ORDER, SCRIPT, read_editing, read_ranking, read_relevance, read_selection,
                                             read_testing)

SEEDS = range(60)
FIX_PATCH = ("diff --git a/pkg/util.py b/pkg/util.py\n--- a/pkg/util.py\n+++ b/pkg/util.py\n@@ -1,2 +1,2 @@\n"
             " def clamp(x, lo, hi):\n-    return max(lo, min(x, hi))\n+    return min(max(x, lo), hi)\n")
ISSUE = [{"role": "user", "content": "<issue>\nclamp(5, 0, 3) returns 0\n</issue>"}]
CANDIDATES = [{"role": "user", "content": "".join(f'<candidate number="{i}">\nd\n</candidate>\n' for i in (1, 2, 3))}]
CLEAN = {
    "relevance": ["x.\nVERDICT: RELEVANT\nSUMMARY: Defines clamp.", "x.\nVERDICT: NOT RELEVANT"],
    "ranking": ["Most important first:\n```\n" + "\n".join(ORDER) + "\n```\n"],
    "testing": [f"Here is a reproduction script.\n\n<test>\n{SCRIPT}</test>\n", "It exits 2, as it should.\n\nACCEPT"],
    "editing": ["This fixes the issue.\n\n" + patch_to_blocks(FIX_PATCH)],
    "selection": [f"Let me test.\n\n<test>\n{SCRIPT}</test>\n", "Judging by the outputs.\n\nWINNER: 2\n"],
}
READERS = {"relevance": read_relevance, "ranking": read_ranking, "testing": read_testing,
           "editing": read_editing, "selection": read_selection}
MODULES = {"relevance": relevance, "ranking": ranking, "testing": testing, "editing": editing, "selection": selection}
MESSAGES = {"testing": ISSUE, "editing": ISSUE, "selection": CANDIDATES, "relevance": [], "ranking": []}


def test_options_and_names():
    assert parse_noisy_options("wrong=0.5,seed=3,malformed=0.2") == {"wrong": 0.5, "seed": 3, "malformed": 0.2}
    with pytest.raises(InputError, match="unknown noisy option"):
        parse_noisy_options("loud=1")
    ds = Dataset("d", [])
    assert make_model("noisy", dataset=ds).name == "noisy"
    assert make_model("noisy:wrong=0.5", dataset=ds).name == "noisy:wrong=0.5"
    with pytest.raises(InputError, match="between 0 and 1"):
        make_model("noisy:malformed=2", dataset=ds)


def test_malformed_calls_never_follow_each_other_and_their_exchange_is_dropped_for_the_gold_answer():
    key, rate = "0|i|testing|{}", 0.6
    plan = [is_malformed(key, n, rate) for n in range(40)]
    assert any(plan) and not any(a and b for a, b in zip(plan, plan[1:]))
    first = plan.index(True)
    messages = [{"role": "system"}, {"role": "user"}]
    for n in range(first + 1):
        messages += [{"role": "assistant", "content": f"r{n}"}, {"role": "user", "content": f"o{n}"}]
    kept = [m.get("content") for m in without_reasks(messages, key, rate) if m["role"] != "system"]
    assert f"r{first}" not in kept and f"o{first}" not in kept and len(kept) == 1 + 2 * first


@pytest.mark.parametrize("stage", sorted(CLEAN))
def test_every_tolerated_shape_reads_as_the_gold_answer(stage):
    seen = set()
    for clean in CLEAN[stage]:
        expected = READERS[stage](clean)
        for seed in SEEDS:
            text, names = MODULES[stage].tolerated(clean, random.Random(seed), MESSAGES[stage])
            seen.update(names)
            assert READERS[stage](text) == expected, (names, text)
    assert len(seen) >= 6, seen  # the shapes really vary


@pytest.mark.parametrize("stage", sorted(CLEAN))
def test_every_malformed_shape_is_asked_again(stage):
    seen = set()
    for clean in CLEAN[stage]:
        for seed in SEEDS:
            text, names = MODULES[stage].malformed(clean, random.Random(seed), MESSAGES[stage] + [
                {"role": "assistant", "content": clean}])
            seen.update(names)
            if names == ["truncated"]:
                continue  # cut by the provider, below
            with pytest.raises((ReplyProblem, MalformedAnswer)):
                READERS[stage](text)
    assert "truncated" in seen and len(seen) >= 3, seen


def test_a_cut_reply_reports_length_and_fills_max_tokens_through_litellm():
    from agent.models.litellm_setup import load_litellm
    from agent.models.test_doubles.noisy import NoisyModel

    litellm = load_litellm()
    inst = Instance(instance_id="o__r-1", repo="o/r", base_commit="c", problem_statement="clamp(5, 0, 3) returns 0",
                    patch=FIX_PATCH, test_patch="", FAIL_TO_PASS=["t.py::t"])
    model = NoisyModel(Dataset("d", [inst]), malformed=1.0)
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "<issue>\nclamp\n</issue>"}]
    for trajectory in range(40):  # find a trajectory whose first reply is cut (drawn from the seed)
        meta = {"instance_id": inst.instance_id, "trajectory": trajectory, "machine": "testing"}
        response = litellm.completion(model=model.litellm_model, messages=messages, max_tokens=300,
                                      metadata=model.call_metadata("testing", meta))
        if response.choices[0].finish_reason == "length":
            break
    else:
        pytest.fail("no cut reply in 40 trajectories")
    text = response.choices[0].message.content
    assert "</test>" not in text and "<test>" in text
    assert 290 <= response.usage.completion_tokens <= 300
    again = litellm.completion(model=model.litellm_model, messages=messages, max_tokens=300,
                               metadata=model.call_metadata("testing", meta))
    assert again.choices[0].message.content == text  # deterministic
