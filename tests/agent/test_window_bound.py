"""The cheap upper bound that spares counting a prompt's tokens: it may only say "fits" when the
model's own tokenizer agrees, on text of every kind (ASCII code, CJK, emoji, whitespace runs)."""

from __future__ import annotations

import pytest

from agent.models.context_window import count_prompt, surely_fits

TEXTS = {
    "python": "def f(x):\n    return x + 1\n" * 50,
    "cjk": "修复这个错误：列表索引超出范围。" * 40,
    "emoji": "🐛🔧✅" * 100,
    "spaces": " " * 3000,
    "digits": "0123456789" * 200,
    "mixed": "naïve café — ünïcödé «quotes» \t\r\n" * 60,
}
MODELS = ["gpt-4o", "anthropic/claude-sonnet-4-5", "deepseek/deepseek-chat"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_the_bound_never_says_fits_when_the_count_does_not(model, kind) -> None:
    messages = [{"role": "system", "content": "Answer."},
                {"role": "user", "content": [{"type": "text", "text": TEXTS[kind], "cache_control": {"type": "ephemeral"}}]}]
    tokens = count_prompt(model, messages)
    for window in (tokens - 1, tokens // 2, 1):
        assert not surely_fits(messages, window), (kind, model, window, tokens)


def test_the_bound_settles_small_prompts_and_leaves_large_ones_to_the_count() -> None:
    messages = [{"role": "user", "content": "x" * 1000}]
    assert surely_fits(messages, 200_000)
    assert surely_fits(messages, None)  # unknown window: nothing to check
    assert not surely_fits(messages, 1000)  # the bound cannot settle it; the count decides
