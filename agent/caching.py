"""Anthropic prompt caching: turn a message's `"cache": True` flag into `cache_control`.

Callers mark the last message of the prefix every trajectory shares (system prompt + packed
context). Anthropic-family providers get `cache_control: {"type": "ephemeral"}` on that
message's last content block; every other provider gets the flag stripped (OpenAI and
DeepSeek cache prefixes on their own).
"""

from __future__ import annotations

CACHE_FLAG = "cache"
ANTHROPIC_PROVIDERS = {"anthropic"}
HOSTS_OF_ANTHROPIC = {"bedrock", "bedrock_converse", "vertex_ai", "vertex_ai_beta"}


def uses_cache_control(model: str) -> bool:
    """True for Anthropic models, directly or hosted on Bedrock/Vertex (when litellm says the
    hosted model supports prompt caching)."""
    provider, _, name = model.partition("/")
    if provider in ANTHROPIC_PROVIDERS:
        return True
    if provider in HOSTS_OF_ANTHROPIC and ("claude" in name or "anthropic" in name):
        from agent.litellm_setup import load_litellm

        try:
            return bool(load_litellm().utils.supports_prompt_caching(model))
        except Exception:
            return False
    return False


def apply_cache_marks(messages: list[dict], cache_control: bool) -> list[dict]:
    """New messages without the flag; flagged ones carry `cache_control` when `cache_control`.
    The input is not modified."""
    out = []
    for message in messages:
        flagged = bool(message.get(CACHE_FLAG))
        clean = {k: v for k, v in message.items() if k != CACHE_FLAG}
        if flagged and cache_control:
            clean["content"] = _mark_last_block(clean.get("content"))
        out.append(clean)
    return out


def _mark_last_block(content):
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else [dict(b) for b in content or []]
    if not blocks:
        return content
    blocks[-1]["cache_control"] = {"type": "ephemeral"}
    return blocks
