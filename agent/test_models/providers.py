"""Registration of the test-double providers with litellm (idempotent, thread-safe).

Each provider is a `litellm.CustomLLM` whose reply text comes from an answer function
`(model, messages, metadata) -> str`; usage is counted with `litellm.token_counter` and the
models carry small non-zero prices, so ledgers and budgets behave as with a real provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from agent.litellm_setup import load_litellm
from agent.pricing import register_price

GOLD_PROVIDER = "codefix-gold"
REPLAY_PROVIDER = "codefix-replay"
GOLD_MODEL = f"{GOLD_PROVIDER}/gold"
REPLAY_MODEL = f"{REPLAY_PROVIDER}/script"
TEST_PRICE = {
    "input_per_mtok": 1.0,
    "output_per_mtok": 2.0,
    "cache_read_per_mtok": 0.1,
    "cache_write_per_mtok": 1.25,
    "max_input_tokens": 200_000,
    "max_output_tokens": 8192,
}
"""USD per million tokens of both test doubles: small, non-zero, so costs show."""

_lock = threading.Lock()

Answer = Callable[[str, list, dict], str]


def register_test_providers() -> None:
    """Make `codefix-gold/gold` and `codefix-replay/script` callable through litellm."""
    from agent.test_models.gold import gold_answer
    from agent.test_models.replay import replay_answer

    litellm = load_litellm()
    with _lock:
        present = {entry.get("provider") for entry in litellm.custom_provider_map}
        added = [
            {"provider": name, "custom_handler": answering_handler(fn)}
            for name, fn in ((GOLD_PROVIDER, gold_answer), (REPLAY_PROVIDER, replay_answer))
            if name not in present
        ]
        if added:
            litellm.custom_provider_map = [*litellm.custom_provider_map, *added]
            litellm.utils.custom_llm_setup()
        for model in (GOLD_MODEL, REPLAY_MODEL):
            register_price(model, **TEST_PRICE)


def answering_handler(answer: Answer):
    """A litellm CustomLLM that replies with `answer(model, messages, metadata)` and realistic usage."""
    litellm = load_litellm()

    class AnsweringHandler(litellm.CustomLLM):
        def completion(self, model, messages, *args, litellm_params=None, model_response=None, **kwargs):
            metadata = (litellm_params or {}).get("metadata") or {}
            text = answer(model, messages, metadata)
            return fill_response(model_response, model, messages, text)

    return AnsweringHandler()


def fill_response(model_response, model: str, messages: list, text: str):
    """Put `text` and token counts into litellm's response object."""
    litellm = load_litellm()
    prompt = litellm.token_counter(model="gpt-4o", messages=messages)
    output = litellm.token_counter(model="gpt-4o", text=text, count_response_tokens=True) if text else 0
    model_response.choices[0].message.content = text
    model_response.choices[0].finish_reason = "stop"
    model_response.model = model
    model_response.usage = litellm.Usage(prompt_tokens=prompt, completion_tokens=output, total_tokens=prompt + output)
    return model_response
