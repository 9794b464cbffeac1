"""How many output tokens a call may use when the stage does not say: room for the answer, plus
room for hidden reasoning when the model spends its output budget on it, within the model's
known output limit (litellm's model info).

OpenAI's o-series and gpt-5 and DeepSeek-R1 always reason, and their reasoning tokens count
against `max_tokens`: at the answer's 4,096 a long deliberation is cut on every call and the
trajectory produces nothing. Anthropic models reason only when `thinking` is asked for, and then
within its `budget_tokens`.
"""

from __future__ import annotations

from agent.models.litellm_setup import load_litellm

ANSWER_TOKENS = 4096
"""Output tokens of an answer itself (a script, SEARCH/REPLACE blocks, a verdict)."""
REASONING_TOKENS = 28672
"""Output tokens allowed for hidden reasoning of a model that always reasons (or was given a
`reasoning_effort`), so answer and reasoning together get 32k."""


def default_max_tokens(model: str, litellm_kwargs: dict | None = None) -> int:
    """`max_tokens` for `model` when the stage gives none: the answer's tokens, plus the thinking
    budget given (`thinking={"budget_tokens": N}`) or, for a model that reasons in its output
    budget, `REASONING_TOKENS`; at most the model's max_output_tokens when litellm knows it."""
    kwargs = litellm_kwargs or {}
    info = _model_info(model)
    thinking = kwargs.get("thinking")
    if isinstance(thinking, dict) and thinking.get("budget_tokens"):
        reasoning = int(thinking["budget_tokens"])
    elif kwargs.get("reasoning_effort") or (info.get("supports_reasoning") and not _reasons_on_request(model)):
        reasoning = REASONING_TOKENS
    else:
        reasoning = 0
    limit = int(info.get("max_output_tokens") or 0)
    want = ANSWER_TOKENS + reasoning
    return min(want, limit) if limit else want


def _reasons_on_request(model: str) -> bool:
    """Providers whose models reason only when asked to (Anthropic's `thinking`)."""
    return model.split("/", 1)[0] in ("anthropic", "bedrock", "vertex_ai") or "claude" in model


def _model_info(model: str) -> dict:
    try:
        return dict(load_litellm().get_model_info(model))
    except Exception:  # litellm raises several types for models it does not know
        return {}


def stage_output_limit(max_tokens: int | None) -> dict:
    """The `max_tokens` query argument a stage's config sets; none when it leaves it to the model."""
    return {} if max_tokens is None else {"max_tokens": max_tokens}
