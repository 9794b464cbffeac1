"""A model's context window and its own token count, through litellm.

`litellm.token_counter` picks a model's tokenizer by the bare model name (a bundled Claude
tokenizer for `claude-sonnet-4-5`, DeepSeek's for `deepseek-chat`, tiktoken otherwise), so the
provider prefix is removed first. Windows come from litellm's map, or from a price file's
`max_input_tokens` for models it does not know.
"""

from __future__ import annotations

from codefix.errors import ContextWindowExceeded

from agent.models.litellm_setup import load_litellm


def counting_model(model: str) -> str:
    """The name under which litellm counts `model`'s tokens with its own tokenizer."""
    litellm = load_litellm()
    try:
        bare, _provider, _key, _base = litellm.get_llm_provider(model)
    except Exception:  # custom providers (test doubles) and names litellm cannot place
        return model
    return bare or model


def context_window(model: str) -> int | None:
    """Prompt tokens `model` accepts (litellm's max_input_tokens), or None when unknown."""
    litellm = load_litellm()
    try:
        return int(litellm.get_model_info(model).get("max_input_tokens") or 0) or None
    except Exception:  # litellm raises several types for unknown models
        return None


def count_prompt(model: str, messages: list[dict]) -> int:
    """Tokens of `messages` by `model`'s own tokenizer."""
    return int(load_litellm().token_counter(model=counting_model(model), messages=messages))


def count_text(model: str, text: str) -> int:
    """Tokens of `text` by `model`'s own tokenizer."""
    return int(load_litellm().token_counter(model=counting_model(model), text=text)) if text else 0


def check_fits(name: str, prompt_tokens: int, window: int | None) -> None:
    """Raise ContextWindowExceeded when a prompt of `prompt_tokens` cannot fit `window` (nothing
    is checked when the window is unknown)."""
    if window is not None and prompt_tokens > window:
        raise ContextWindowExceeded(
            f"{name}: the prompt has {prompt_tokens} tokens, more than the model's context window of "
            f"{window}; not sent"
        )
