"""A model's context window and its own token count, through litellm.

`litellm.token_counter` picks a model's tokenizer by the bare model name (a bundled Claude
tokenizer for `claude-sonnet-4-5`, DeepSeek's for `deepseek-chat`, tiktoken otherwise), so the
provider prefix is removed first. Windows come from litellm's map, or from a price file's
`max_input_tokens` for models it does not know.
"""

from __future__ import annotations

from codefix.core.errors import ContextWindowExceeded

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


def surely_fits(messages: list[dict], window: int | None) -> bool:
    """True when `messages` fit `window` without counting: every token of a byte-level tokenizer
    (tiktoken's, Claude's, DeepSeek's, SentencePiece with byte fallback) covers at least one UTF-8
    byte, so the bytes of the text plus a per-message allowance for the chat framing bound the
    count from above. Counting costs milliseconds of CPU per call, most of a relevance call's."""
    if window is None:
        return True
    bound = 8
    for message in messages:
        bound += 8 + _text_bytes(message.get("content"))
        if bound > window:
            return False
    return True


def _text_bytes(content) -> int:
    if isinstance(content, str):
        return len(content.encode("utf-8"))
    if isinstance(content, list):  # content parts (cache marks): their text
        return sum(_text_bytes(part.get("text")) + 8 for part in content if isinstance(part, dict))
    return len(str(content or "").encode("utf-8")) if content else 0


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
