"""Token counting through litellm (plain tiktoken needs the network for its files)."""

from __future__ import annotations


def count_tokens(text: str, model: str = "gpt-4o") -> int:
    """Tokens of `text` for `model`'s tokenizer as litellm counts them."""
    if not text:
        return 0
    import litellm

    return int(litellm.token_counter(model=model, text=text))
