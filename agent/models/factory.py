"""`make_model(spec)`: the model a user named on the command line.

Specs: any litellm provider string (`anthropic/claude-sonnet-4-5`, `openai/gpt-4.1`,
`deepseek/deepseek-chat`), `gold` / `gold:wrong=0.6` (needs the dataset), `noisy` /
`noisy:wrong=0.5,seed=3,malformed=0.1` (the gold answers in realistic reply shapes; needs the
dataset), `replay:PATH`. With `api_base`, a name whose first part is not a litellm provider
(`qwen2.5-coder`, or a Hugging Face id such as `Qwen/Qwen2.5-Coder-32B-Instruct`) is served by
an OpenAI-compatible server (vLLM, Ollama, llama.cpp); such servers need no key, so a
placeholder is sent when OPENAI_API_KEY is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

from codefix.core.errors import InputError


def make_model(spec: str, *, api_base: str | None = None, dataset=None, temperature: float | None = None,
               price: str | None = None, price_file: str | Path | None = None, **kwargs):
    """A `codefix.core.protocols.Model` for `spec`. `price` "IN,OUT[,CACHE_READ,CACHE_WRITE]" (USD per
    million tokens) registers the model's price with litellm, `price_file` registers every model
    of a JSON/YAML price file (see agent.models.pricing.load_price_file); extra kwargs go to LitellmModel."""
    spec = (spec or "").strip()
    if price_file:
        from agent.models.pricing import load_price_file

        load_price_file(price_file)
    if not spec:
        raise InputError("--model is empty")
    from agent.models.test_doubles.by_name import double_model

    double = double_model(spec, dataset=dataset, temperature=temperature, **kwargs)
    if double is not None:
        return double
    from agent.models.litellm_model import LitellmModel

    name = f"openai/{spec}" if api_base and not _has_provider(spec) else spec
    _check_provider(name)
    if price:
        from agent.models.pricing import parse_price

        parse_price(name, price)
    if api_base and name.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
        kwargs.setdefault("api_key", LOCAL_SERVER_KEY)
    return LitellmModel(name, api_base=api_base, temperature=temperature, **kwargs)


LOCAL_SERVER_KEY = "EMPTY"
"""The key sent to an OpenAI-compatible server when none is configured (vLLM's convention;
without one the OpenAI client refuses to send anything)."""


def _has_provider(spec: str) -> bool:
    """True when `spec` starts with a provider litellm knows (`anthropic/...`), not e.g. `Qwen/...`."""
    from agent.models.litellm_setup import load_litellm

    litellm = load_litellm()
    first = spec.split("/", 1)[0] if "/" in spec else ""
    known = {str(getattr(p, "value", p)) for p in litellm.provider_list}
    return first in known or first in {entry.get("provider") for entry in litellm.custom_provider_map}


def _check_provider(name: str) -> None:
    from agent.models.litellm_setup import load_litellm

    litellm = load_litellm()
    custom = {entry.get("provider") for entry in litellm.custom_provider_map}
    if name.split("/", 1)[0] in custom:
        return
    try:
        litellm.get_llm_provider(name)
    except Exception as exc:
        raise InputError(
            f"litellm does not know the provider of {name!r}: write it as provider/model "
            "(e.g. anthropic/claude-sonnet-4-5, openai/gpt-4.1) or give --api-base for a local server"
        ) from exc
