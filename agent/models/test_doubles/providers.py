"""The registry of test-double providers: `register_provider(model, answer)` makes
`<provider>/<name>` callable through litellm (idempotent, thread-safe). Each double registers its
own provider when its model is made; this module knows none of them.

Each provider is a `litellm.CustomLLM` whose reply text comes from an answer function
`(model, messages, metadata) -> str`; usage is counted with `litellm.token_counter` and the
models carry small non-zero prices, so ledgers and budgets behave as with a real provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import NamedTuple

from agent.models.litellm_setup import load_litellm
from agent.models.pricing import register_price

TEST_PRICE = {
    "input_per_mtok": 1.0,
    "output_per_mtok": 2.0,
    "cache_read_per_mtok": 0.1,
    "cache_write_per_mtok": 1.25,
    "max_input_tokens": 200_000,
    "max_output_tokens": 8192,
}
"""USD per million tokens of every test double: small, non-zero, so costs show."""

_lock = threading.Lock()


class ProviderReply(NamedTuple):
    """An answer function's reply when it is not a plain, complete text."""

    text: str
    finish_reason: str = "stop"
    """`length` for a reply cut at the output limit, as a real API reports it."""


Answer = Callable[[str, list, dict], "str | ProviderReply"]


def register_provider(model: str, answer: Answer) -> None:
    """Make `model` (`<provider>/<name>`) callable through litellm, answered by `answer`, at
    `TEST_PRICE`; a provider already registered is kept."""
    provider = model.split("/", 1)[0]
    litellm = load_litellm()
    with _lock:
        if provider not in {entry.get("provider") for entry in litellm.custom_provider_map}:
            litellm.custom_provider_map = [*litellm.custom_provider_map,
                                           {"provider": provider, "custom_handler": answering_handler(answer)}]
            litellm.utils.custom_llm_setup()
        register_price(model, **TEST_PRICE)


def answering_handler(answer: Answer):
    """A litellm CustomLLM that replies with `answer(model, messages, metadata)` and realistic usage."""
    litellm = load_litellm()

    class AnsweringHandler(litellm.CustomLLM):
        def completion(self, model, messages, *args, litellm_params=None, model_response=None, optional_params=None,
                       **kwargs):
            metadata = (litellm_params or {}).get("metadata") or {}
            max_tokens = (optional_params or {}).get("max_tokens")
            reply = answer(model, messages, {**metadata, "codefix_max_tokens": max_tokens})
            if isinstance(reply, ProviderReply):
                return fill_response(model_response, model, messages, reply.text, reply.finish_reason)
            return fill_response(model_response, model, messages, reply)

    return AnsweringHandler()


def fill_response(model_response, model: str, messages: list, text: str, finish_reason: str = "stop"):
    """Put `text`, the finish reason and token counts into litellm's response object."""
    litellm = load_litellm()
    prompt = litellm.token_counter(model="gpt-4o", messages=messages)
    output = litellm.token_counter(model="gpt-4o", text=text, count_response_tokens=True) if text else 0
    model_response.choices[0].message.content = text
    model_response.choices[0].finish_reason = finish_reason
    model_response.model = model
    model_response.usage = litellm.Usage(prompt_tokens=prompt, completion_tokens=output, total_tokens=prompt + output)
    return model_response
