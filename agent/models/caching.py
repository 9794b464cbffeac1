"""Prompt caching: which messages to flag, and a message's `"cache": True` flag turned into
`cache_control`.

`flag_for_caching` is the policy of the trajectory loop, as the paper's: the system message
(which carries the prefix every trajectory of an instance shares, e.g. the editing machine's
instructions, issue and packed context) and the last two user messages (the previous turn's mark
is read, the new turn's written). Anthropic-family providers get `cache_control: {"type":
"ephemeral"}` on a flagged message's last content block; every other provider gets the flag
stripped (OpenAI and DeepSeek cache prefixes on their own).
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
        from agent.models.litellm_setup import load_litellm

        try:
            return bool(load_litellm().utils.supports_prompt_caching(model))
        except Exception:
            return False
    return False


CACHED_USER_MESSAGES = 2
"""The last this many user messages are flagged (with the system message, 3 of Anthropic's 4 marks)."""


def flag_for_caching(messages: list[dict]) -> list[dict]:
    """Copies of `messages` holding role and content only, the system message and the last
    `CACHED_USER_MESSAGES` user messages flagged `"cache": True`."""
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"][-CACHED_USER_MESSAGES:]
    out = []
    for i, message in enumerate(messages):
        copy = {"role": message["role"], "content": message["content"]}
        if i in users or (i == 0 and message["role"] == "system"):
            copy[CACHE_FLAG] = True
        out.append(copy)
    return out


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
