"""`LitellmModel`: the one Model adapter, over `litellm.completion`, for any provider string
(`anthropic/claude-sonnet-4-5`, `openai/gpt-4.1`, `openai/<name>` + api_base for vLLM, Ollama,
llama.cpp, ...). Test doubles are litellm custom providers behind the same class."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from agent.models.caching import apply_cache_marks, uses_cache_control
from agent.models.context_window import check_fits, context_window, count_prompt, surely_fits
from agent.models.limiter import EndpointLimiter, EndpointLimits, endpoint_key, shared_limiter
from agent.models.litellm_setup import load_litellm
from agent.models.output_limit import default_max_tokens
from agent.models.pricing import call_cost, estimate_cost, price_of
from agent.models.retry import RetryPolicy, call_with_retries, refusal
from codefix.core.errors import InputError
from codefix.core.protocols import Completion, Usage

DEFAULT_MAX_TOKENS = 4096


class LitellmModel:
    """A chat model reached through litellm, with retries, prompt caching, costs and budget; its
    calls wait on the endpoint's limiter (shared by every model of the process on that endpoint)."""

    def __init__(
        self,
        name: str,
        *,
        api_base: str | None = None,
        temperature: float | None = None,
        timeout: float = 300.0,
        max_tokens: int | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cache_prompts: bool = True,
        limits: EndpointLimits | None = None,
        limiter: EndpointLimiter | None = None,
        notice: Callable[[str], None] | None = None,
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
        self.max_tokens = max_tokens or default_max_tokens(name, litellm_kwargs)
        """Output tokens per call unless the stage says (default: `agent.models.output_limit`)."""
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.cache_prompts = cache_prompts
        """Send the callers' cache flags as `cache_control` marks (providers with explicit marks)."""
        self.notice = notice or _to_stderr
        """Where the one-time notices go (parameters dropped)."""
        self.litellm_kwargs = litellm_kwargs
        self.limits = limits
        """Known limits of the endpoint, for its shared limiter (the first model asking sets them)."""
        self._limiter = limiter
        self.drop_params = False
        """Set once the provider refused a parameter: from then on litellm drops unsupported ones."""
        self.drop_temperature = False
        """Set once the server refused the temperature of a model litellm does not know."""
        self._lock = threading.Lock()
        self._window: int | None | bool = False  # False: not looked up yet

    @property
    def window(self) -> int | None:
        """Prompt tokens the model accepts (litellm's map or a price file), None when unknown."""
        if self._window is False:
            self._window = context_window(self.litellm_model)
        return self._window

    @property
    def limiter(self) -> EndpointLimiter:
        """The limiter every call of this endpoint (model, api base, key) waits on."""
        if self._limiter is None:
            key = endpoint_key(self.litellm_model, self.api_base, self.litellm_kwargs.get("api_key"))
            self._limiter = shared_limiter(key, self.limits)
        return self._limiter

    def query(self, messages: list[dict], *, ledger, stage: str, meta: dict | None = None, **kwargs) -> Completion:
        """One completion: window and budget checks, call with retries, usage and cost recorded in
        `ledger`. A prompt that cannot fit the window raises ContextWindowExceeded unsent."""
        litellm = load_litellm()
        params = {"timeout": self.timeout, "max_tokens": self.max_tokens, **self.litellm_kwargs, **kwargs}
        if self.temperature is not None:
            params.setdefault("temperature", self.temperature)
        if self.api_base:
            params["api_base"] = self.api_base
        if params.get("max_tokens") is None:  # the caller asked for the provider's default
            params.pop("max_tokens")
        sent = apply_cache_marks(messages, self.cache_prompts and uses_cache_control(self.litellm_model))
        budgeted = ledger.budget is not None
        # counted for the budget's estimate, or for the window check when the cheap bound cannot settle it
        limiter = self.limiter
        counted = budgeted or bool(limiter.limits.input_tokens_per_minute) or not surely_fits(sent, self.window)
        prompt_tokens = count_prompt(self.litellm_model, sent) if counted else 0
        check_fits(self.name, prompt_tokens, self.window)
        estimate = self.estimate_tokens(prompt_tokens, params.get("max_tokens")) if budgeted else 0.0
        metadata = self.call_metadata(stage, meta or {})

        describe = f"{self.name} ({stage})"
        waits = {"waited": 0.0, "refused": 0}

        def call():
            response, permit = limiter.call(
                lambda: self._completion(litellm, model=self.litellm_model, messages=sent, metadata=metadata,
                                         num_retries=0, **params),
                stage=stage, input_tokens=prompt_tokens, output_tokens=int(params.get("max_tokens") or 0),
                is_refusal=refusal, output_of=lambda r: usage_of(r).output_tokens, describe=describe)
            waits["waited"] += permit.waited
            waits["refused"] += permit.refused
            return response

        with ledger.reserve(estimate):  # raises BudgetExceeded before anything is sent
            response = call_with_retries(call, policy=self.retry, sleep=self.sleep, describe=describe)
            usage = usage_of(response)
            completion = Completion(text=_text(response), usage=usage, cost=call_cost(self.litellm_model, usage),
                                    finish_reason=_finish_reason(response))
            ledger.record(stage, completion, with_waits(meta, waits))
        return completion

    def _completion(self, litellm, **request):
        """litellm.completion; a parameter the model refuses (o-series and gpt-5 take no temperature)
        makes this and every later call drop unsupported parameters, with one notice. A model litellm
        does not know (an alias) whose server refuses the temperature is asked again once without it,
        and so are its later calls."""
        if self.drop_temperature:
            request.pop("temperature", None)
        if self.drop_params:
            return litellm.completion(drop_params=True, **request)
        try:
            return litellm.completion(**request)
        except litellm.UnsupportedParamsError as exc:
            with self._lock:
                first, self.drop_params = not self.drop_params, True
            if first:
                reason = " ".join(str(exc).split())[:200]
                self.notice(f"{self.name} does not accept every parameter codefix sends; unsupported ones are "
                            f"dropped from its calls from now on ({reason})")
            return litellm.completion(drop_params=True, **request)
        except litellm.BadRequestError as exc:
            if "temperature" not in request or not _refuses_temperature(exc) or self.drop_temperature:
                raise
            with self._lock:
                first, self.drop_temperature = not self.drop_temperature, True
            if first:
                self.notice(f"{self.name} refused the temperature codefix sends; it is dropped from its calls from now on "
                            f"({' '.join(str(exc).split())[:200]})")
            request.pop("temperature")
            return litellm.completion(**request)

    def estimate(self, messages: list[dict], max_tokens: int | None) -> float:
        """Pessimistic USD of one call: counted prompt tokens and the whole output allowance
        (`max_tokens`, else the model's output limit)."""
        return self.estimate_tokens(count_prompt(self.litellm_model, messages), max_tokens)

    def estimate_tokens(self, prompt_tokens: int, max_tokens: int | None) -> float:
        """`estimate` for a prompt already counted."""
        price = price_of(self.litellm_model)
        if price is None:
            raise InputError(
                f"no price known for {self.name}, so a budget cannot be enforced: give --price IN,OUT "
                "(USD per million tokens) or a price file"
            )
        return estimate_cost(price, prompt_tokens, max_tokens or price.max_output_tokens or DEFAULT_MAX_TOKENS)

    def call_metadata(self, stage: str, meta: dict) -> dict:
        """What travels with the call as litellm `metadata` (test doubles add their state)."""
        return {"codefix_stage": stage, "codefix_meta": dict(meta)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def with_waits(meta: dict | None, waits: dict) -> dict | None:
    """The call's meta for the ledger, with `limiter_waited` (seconds) and `limiter_refused`
    (429s/529s answered) when it waited on limits (`codefix report` sums them per stage)."""
    if waits["refused"] == 0 and waits["waited"] < 0.001:
        return meta
    return {**(meta or {}), "limiter_waited": round(waits["waited"], 3), "limiter_refused": waits["refused"]}


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


def _finish_reason(response) -> str:
    try:
        return str(response.choices[0].finish_reason or "")
    except (AttributeError, IndexError):
        return ""


def _refuses_temperature(exc: BaseException) -> bool:
    """True when a provider's 400 is about the temperature parameter."""
    text = str(exc).lower()
    return "temperature" in text and any(w in text for w in ("unsupported", "not support", "does not support", "only the default"))


def _to_stderr(message: str) -> None:
    print(f"notice: {message}", file=sys.stderr)


def _text(response) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError):
        return ""
    return content or ""
