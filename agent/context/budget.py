"""How many tokens of packed context a model can take: derived from its context window, with
room left for the rest of the editing conversation.

The paper packs up to 128k tokens for a 200k-token model and asks the ranking model to aim for
about 60k. A smaller window gets a smaller budget: the window, less the issue, less room for
the instructions, the reproduction script and eight turns of replies and script outputs.
`--budget-tokens` overrides all of this.
"""

from __future__ import annotations

MAX_BUDGET = 128_000
"""Most tokens ever packed (the paper's budget)."""
TARGET_TOKENS = 60_000
"""What the ranking prompt asks the model to aim for (the paper's ~60k)."""
CONVERSATION_RESERVE = 48_000
"""Tokens kept free for the editing conversation besides context and issue: system prompt (~1k),
reproduction script (~2k), and 8 turns of a reply (~2k) plus two script outputs (2 x 8,192
characters, ~4k) — what a long trajectory reaches."""
RESERVE_SHARE = 1 / 3
"""For small windows, the reserve is at most this share of the window."""


def budget_for_window(window: int | None, issue_tokens: int) -> int:
    """Packed-context tokens for a model with `window` prompt tokens (None: unknown, the
    paper's budget)."""
    if not window:
        return MAX_BUDGET
    reserve = min(CONVERSATION_RESERVE, int(window * RESERVE_SHARE))
    return max(0, min(MAX_BUDGET, window - reserve - issue_tokens))


def context_budget(model, issue: str) -> tuple[int, int | None]:
    """(budget, window) for `model` (a Model; its `litellm_model` names it to litellm), the
    issue counted with the model's own tokenizer."""
    from agent.models.context_window import context_window, count_text

    name = getattr(model, "litellm_model", None) or model.name
    window = context_window(name)
    return budget_for_window(window, count_text(name, issue) if window else 0), window
