"""Reading relevance and ranking answers, and merging rankings (pure functions, literals)."""

from __future__ import annotations

import pytest

from agent.context.ranking import listing, merge_rankings, parse_ranking
from agent.context.relevance import MalformedAnswer, parse_relevance


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("VERDICT: RELEVANT\nSUMMARY: Defines Foo.bar, which the issue says crashes.", (True, "Defines Foo.bar, which the issue says crashes.")),
        ("Thinking...\n**Verdict:** Not Relevant", (False, "")),
        ("verdict: not-relevant.", (False, "")),
        ("The file is relevant.\nVERDICT: relevant\nSummary: parses dates", (True, "parses dates")),
        ("<think>VERDICT: NOT RELEVANT</think>\nVERDICT: RELEVANT\nSUMMARY: x", (True, "x")),
    ],
)
def test_relevance_answers_are_read(reply: str, expected: tuple[bool, str]) -> None:
    assert parse_relevance(reply) == expected


@pytest.mark.parametrize(
    "reply, problem",
    [
        ("Relevant: yes", "no 'VERDICT:' line"),
        ("VERDICT: maybe", "neither RELEVANT nor NOT RELEVANT"),
        ("VERDICT: RELEVANT", "needs a 'SUMMARY:' line"),
        ("VERDICT: RELEVANT\nSUMMARY:   ", "needs a 'SUMMARY:' line"),
        ("", "no 'VERDICT:' line"),
        ("VERDICT: NOT RELEVANT\n...on second thought\nVERDICT: RELEVANT\nSUMMARY: x", "both verdicts"),
    ],
)
def test_malformed_relevance_answers_say_what_is_wrong(reply: str, problem: str) -> None:
    with pytest.raises(MalformedAnswer, match=problem):
        parse_relevance(reply)


def test_ranking_reads_a_fenced_list_with_reasons_and_prefixes_and_drops_invented_paths() -> None:
    known = {"a/x.py", "a/y.py", "b/z.py"}
    reply = (
        "Final:\n```text\n1. `a/y.py`\n- a/x.py (120 tokens): parser\n"
        "a/invented.py\na/y.py\n./b/z.py\n```\n"
    )
    assert parse_ranking(reply, known) == (["a/y.py", "a/x.py", "b/z.py"], ["a/invented.py"])


def test_two_different_rankings_in_one_reply_are_malformed() -> None:
    with pytest.raises(MalformedAnswer, match="2 different rankings"):
        parse_ranking("Draft:\n```\nb/z.py\n```\nFinal:\n```\na/y.py\nb/z.py\n```\n", {"a/y.py", "b/z.py"})


def test_a_ranking_without_any_known_path_is_malformed() -> None:
    with pytest.raises(MalformedAnswer, match="no entry of your ranking is a path from the list"):
        parse_ranking("```\nnope.py\n```", {"a.py"})
    with pytest.raises(MalformedAnswer, match="no ranking found"):
        parse_ranking("I cannot rank these.", {"a.py"})


def test_merge_uses_mean_relative_rank_with_missing_as_one() -> None:
    rankings = [["a", "b", "c", "d"], ["b", "a", "c"], ["a", "c"]]
    # a: (0 + 1/3 + 0)/3 = .111; b: (.25 + 0 + 1)/3 = .417; c: (.5 + .667 + .5)/3 = .556; d: (.75+1+1)/3
    assert merge_rankings(rankings, ["d", "c", "b", "a", "e"]) == ["a", "b", "c", "d", "e"]


def test_merge_breaks_ties_by_best_rank_then_path() -> None:
    # x and y tie on mean (0.25); y has the better single rank (0.0).
    assert merge_rankings([["y", "x"], ["z", "x"]], ["x", "y"]) == ["y", "x"]
    # p and q are missing everywhere: mean 1.0, best 1.0, so by path.
    assert merge_rankings([["a"]], ["q", "p", "a"]) == ["a", "p", "q"]


def test_repeated_rankings_see_the_files_in_different_fixed_orders() -> None:
    files = [{"path": f"m{i}.py", "tokens": i, "summary": "s"} for i in range(8)]
    first, second = listing(files, 0), listing(files, 1)
    assert first.splitlines()[0].startswith("- `m0.py` (0 tokens)")
    assert sorted(first.splitlines()) == sorted(second.splitlines()) and first != second
    assert listing(files, 1) == second


def test_the_file_window_shrinks_to_what_a_small_model_leaves() -> None:
    from agent.context.config import ContextConfig
    from agent.context.relevance import file_window

    class Named:
        def __init__(self, name: str):
            self.litellm_model = self.name = name

    config = ContextConfig(relevance_window_tokens=100_000, relevance_max_tokens=512)
    from agent.models.context_window import count_text

    issue = "issue " * 100
    assert file_window(Named("gpt-4-0613"), issue, config) == 8192 - count_text("gpt-4o", issue) - 512 - 1000
    assert file_window(Named("anthropic/claude-sonnet-4-5"), "issue", config) == 100_000
    assert file_window(Named("openai/some-local-model"), "issue", config) == 100_000  # unknown window
