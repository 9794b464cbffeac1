"""`LitellmModel`: the one Model adapter, over `litellm.completion`, for any provider string
(`anthropic/claude-sonnet-4-5`, `openai/gpt-4.1`, `openai/<name>` + api_base for vLLM, Ollama,
llama.cpp, ...). Test doubles are litellm custom providers behind the same class."""

from __future__ import annotations

import time
from collections.abc import Callable

from agent.caching import apply_cache_marks, uses_cache_control
from agent.litellm_setup import load_litellm
from agent.pricing import call_cost, estimate_cost, price_of
from agent.retry import RetryPolicy, call_with_retries
from codefix.errors import InputError
from codefix.protocols import Completion, Usage

DEFAULT_MAX_TOKENS = 4096


class LitellmModel:
    """A chat model reached through litellm, with retries, prompt caching, costs and budget."""

    def __init__(
        self,
        name: str,
        *,
        api_base: str | None = None,
        temperature: float | None = None,
        timeout: float = 300.0,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **litellm_kwargs,
    ):
        if not name or not name.strip():
            raise InputError("a model name is required")
        self.name = name
        """How the user named the model (shown in reports, stored in runs)."""
        self.litellm_model = name
        """The model string handed to litellm (differs for test doubles)."""
        self.api_base = api_base
        self.temperature = temperature
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.litellm_kwargs = litellm_kwargs

    def query(self, messages: list[dict], *, ledger, stage: str, meta: dict | None = None, **kwargs) -> Completion:
        """One completion: budget check, call with retries, usage and cost recorded in `ledger`."""
        litellm = load_litellm()
        params = {"timeout": self.timeout, "max_tokens": self.max_tokens, **self.litellm_kwargs, **kwargs}
        if self.temperature is not None:
            params.setdefault("temperature", self.temperature)
        if self.api_base:
            params["api_base"] = self.api_base
        if params.get("max_tokens") is None:  # the caller asked for the provider's default
            params.pop("max_tokens")
        sent = apply_cache_marks(messages, uses_cache_control(self.litellm_model))
        estimate = self.estimate(sent, params.get("max_tokens")) if ledger.budget is not None else 0.0
        metadata = self.call_metadata(stage, meta or {})

        def call():
            return litellm.completion(model=self.litellm_model, messages=sent, metadata=metadata, num_retries=0, **params)

        with ledger.reserve(estimate):  # raises BudgetExceeded before anything is sent
            response = call_with_retries(call, policy=self.retry, sleep=self.sleep, describe=f"{self.name} ({stage})")
            usage = usage_of(response)
            completion = Completion(text=_text(response), usage=usage, cost=call_cost(self.litellm_model, usage))
            ledger.record(stage, completion, meta)
        return completion

    def estimate(self, messages: list[dict], max_tokens: int | None) -> float:
        """Pessimistic USD of one call: counted prompt tokens and the whole output allowance
        (`max_tokens`, else the model's output limit)."""
        price = price_of(self.litellm_model)
        if price is None:
            raise InputError(
                f"no price known for {self.name}, so a budget cannot be enforced: give --price IN,OUT "
                "(USD per million tokens) or a price file"
            )
        prompt_tokens = load_litellm().token_counter(model=self.litellm_model, messages=messages)
        return estimate_cost(price, prompt_tokens, max_tokens or price.max_output_tokens or DEFAULT_MAX_TOKENS)

    def call_metadata(self, stage: str, meta: dict) -> dict:
        """What travels with the call as litellm `metadata` (test doubles add their state)."""
        return {"codefix_stage": stage, "codefix_meta": dict(meta)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def usage_of(response) -> Usage:
    """Usage from a litellm response; input excludes cache reads and writes."""
    u = getattr(response, "usage", None)
    if u is None:
        return Usage()
    prompt = int(getattr(u, "prompt_tokens", 0) or 0)
    output = int(getattr(u, "completion_tokens", 0) or 0)
    details = getattr(u, "prompt_tokens_details", None)
    cached = int(getattr(details, "cached_tokens", 0) or 0) if details is not None else 0
    read = int(getattr(u, "cache_read_input_tokens", 0) or 0) or cached
    write = int(getattr(u, "cache_creation_input_tokens", 0) or 0)
    return Usage(input_tokens=max(0, prompt - read - write), output_tokens=output,
                 cache_read_tokens=read, cache_write_tokens=write)


def _text(response) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError):
        return ""
    return content or ""
