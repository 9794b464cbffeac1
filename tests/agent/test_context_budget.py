"""The packing budget from the model's window, the ranking prompt's target and the model's say in
how much is packed, and the issue capped with a notice wherever it enters a prompt."""

from __future__ import annotations

from agent.context.budget import CONVERSATION_RESERVE, MAX_BUDGET, budget_for_window, context_budget
from agent.context.ranking import ranking_messages
from agent.models.context_window import count_text, counting_model
from agent.generation import GenerationConfig, generate
from agent.issue_text import MAX_ISSUE_CHARS, cap_notice, prompt_issue
from tests.agent.fakes import ScriptedModel, local_sandbox_factory
from tests.agent.test_context_stage import replay, run, small_instance
from tests.agent.context_repo import make_repo


def test_budget_for_window_leaves_room_for_the_conversation() -> None:
    assert budget_for_window(None, 5000) == MAX_BUDGET  # unknown window: the paper's budget
    assert budget_for_window(200_000, 1000) == MAX_BUDGET  # Sonnet: capped at 128k
    assert budget_for_window(400_000, 2000) == MAX_BUDGET
    assert budget_for_window(150_000, 2000) == 150_000 - 2000 - CONVERSATION_RESERVE
    assert budget_for_window(131_072, 2000) == 131_072 - 2000 - 131_072 // 3  # deepseek-chat: a third kept free
    assert budget_for_window(32_768, 1000) == 32_768 - 1000 - 32_768 // 3  # a small local model
    assert budget_for_window(4000, 9000) == 0


def test_the_budget_counts_the_issue_with_the_models_own_tokenizer() -> None:
    class Named:
        name = litellm_model = "deepseek/deepseek-chat"

    issue = "TypeError in QuerySet.filter() when the lookup spans a GenericRelation\n" * 40
    budget, window = context_budget(Named(), issue)
    assert window == 131_072 and budget == budget_for_window(131_072, count_text("deepseek/deepseek-chat", issue))
    assert counting_model("anthropic/claude-sonnet-4-5") == "claude-sonnet-4-5"  # the bare name picks Claude's tokenizer
    assert count_text("deepseek/deepseek-chat", issue) != count_text("gpt-4o", issue)


def test_the_ranking_prompt_sets_a_target_and_lets_the_model_stop() -> None:
    files = [{"path": "a.py", "tokens": 10, "summary": "s"}]
    system = ranking_messages("issue", files, 0, budget_tokens=85_000, target_tokens=60_000)[0]["content"]
    assert "about 60000 tokens" in system and "at most 85000 tokens" in system and "then stop" in system
    small = ranking_messages("issue", files, 0, budget_tokens=20_000, target_tokens=60_000)[0]["content"]
    assert "about 20000 tokens" in small


def test_only_files_a_ranking_listed_are_packed(tmp_path) -> None:
    files = {f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(4)}
    repo, commit = make_repo(tmp_path / "r", files)
    model = replay(tmp_path, [
        {"stage": "relevance", "match": 'path="pkg/m[012]\\.py"', "reply": "VERDICT: RELEVANT\nSUMMARY: f", "repeat": True},
        {"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True},
        {"stage": "ranking", "reply": "```\npkg/m1.py\n```", "repeat": True},
    ])
    result = run(small_instance(commit), repo, model, tmp_path / "context.json", rankings=2)
    assert result.status == "done" and [f.path for f in result.packed] == ["pkg/m1.py"]
    left = {d["path"]: d["reason"] for d in __import__("json").loads((tmp_path / "context.json").read_text())["left_out"]}
    assert left == {"pkg/m0.py": "no ranking listed it", "pkg/m2.py": "no ranking listed it"}


def test_a_huge_issue_is_capped_with_a_notice_in_every_prompt(tmp_path) -> None:
    huge = "Traceback line\n" * 2_000_000 + "THE LAST LINE"  # 30 MB
    capped = prompt_issue(huge)
    assert len(capped) < MAX_ISSUE_CHARS + 300 and capped.startswith("Traceback line") and capped.endswith("THE LAST LINE")
    assert "characters of the issue cut here" in capped and f"{len(huge):,}" in capped
    assert prompt_issue("short issue") == "short issue" and cap_notice("x", "short") is None
    assert "x: the issue has 30,000,013 characters" in cap_notice("x", huge)

    class Huge:
        instance_id = "calc-1"
        problem_statement = huge

    model = ScriptedModel(replies=["I cannot tell."] * 2)
    generate(Huge(), model=model, ledger=None, sandbox_factory=local_sandbox_factory(tmp_path, {"a.py": "x = 1\n"}),
             context="", out_dir=tmp_path / "out", config=GenerationConfig(samples=1, workers=1, max_calls=2))
    prompt = (tmp_path / "out" / "trajectories" / "0.testing.traj.json").read_text()
    assert len(prompt) < 3 * MAX_ISSUE_CHARS and "characters of the issue cut here" in prompt
