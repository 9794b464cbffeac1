"""Retries around one model call: backoff with jitter on transient failures.

Transient failures (timeouts, connection errors, 5xx) consume attempts. Rate limits (429) and
overloads (529) are not retried here: the endpoint's shared limiter (`agent.models.limiter`)
takes them, pausing every call of the endpoint, and `refusal` reads what the provider asked.
Authentication, bad requests, context-window overflows and budget errors are never retried.
The sleep function is injectable so tests never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from agent.models.litellm_setup import load_litellm
from codefix.core.errors import CodefixError, ContextWindowExceeded, ModelError, RateLimited

T = TypeVar("T")


class RetryPolicy(BaseModel):
    """How long to keep trying one model call."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(4, ge=1)
    """Attempts in total when calls fail transiently (rate limits are the limiter's, not counted here)."""
    base_delay: float = Field(1.0, ge=0)
    """Seconds before the first retry; doubled after each further failure."""
    max_delay: float = Field(60.0, ge=0)
    """Cap on one backoff delay."""


def classify(exc: BaseException) -> str:
    """"rate_limit", "transient", "context_window", "deliberate" (a codefix error raised inside
    a provider handler and wrapped by litellm) or "fatal"."""
    if deliberate_error(exc) is not None:
        return "deliberate"
    litellm = load_litellm()

    if isinstance(exc, litellm.ContextWindowExceededError):
        return "context_window"
    if isinstance(exc, litellm.RateLimitError) or _overloaded(exc):
        return "rate_limit"
    transient = (litellm.Timeout, litellm.APIConnectionError, litellm.InternalServerError,
                 litellm.ServiceUnavailableError, litellm.BadGatewayError)
    if isinstance(exc, transient):
        return "transient"
    if isinstance(exc, litellm.APIError) and (getattr(exc, "status_code", 0) or 0) >= 500:
        return "transient"
    return "fatal"


def refusal(exc: BaseException) -> float | None | bool:
    """For the limiter: False unless `exc` is a 429 or 529; then the seconds the provider asked
    to wait, or None when it did not say."""
    if deliberate_error(exc) is not None or classify(exc) != "rate_limit":
        return False
    return retry_after(exc)


def _overloaded(exc: BaseException) -> bool:
    """A 529 (Anthropic's overloaded), which litellm reports as a 500 whose body names it."""
    codes = (getattr(exc, "status_code", None), getattr(getattr(exc, "response", None), "status_code", None))
    return 529 in codes or "overloaded_error" in str(exc)


def deliberate_error(exc: BaseException) -> CodefixError | None:
    """The codefix error behind `exc` (itself, or a cause litellm wrapped), if any."""
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CodefixError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def retry_after(exc: BaseException, now: datetime | None = None) -> float | None:
    """Seconds the provider asked us to wait (`retry-after-ms`, `retry-after` in seconds or as
    an HTTP date), from the exception's response headers; None when absent or unreadable."""
    for headers in (getattr(getattr(exc, "response", None), "headers", None), getattr(exc, "litellm_response_headers", None)):
        if not headers:
            continue
        lower = {str(k).lower(): str(v) for k, v in dict(headers).items()}
        if "retry-after-ms" in lower:
            try:
                return max(0.0, float(lower["retry-after-ms"]) / 1000)
            except ValueError:
                pass
        value = lower.get("retry-after")
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
    return None


def backoff(policy: RetryPolicy, failures: int, rng: Callable[[], float] = random.random) -> float:
    """Delay after the `failures`-th failure: exponential, capped, with jitter in [d/2, d]."""
    delay = min(policy.max_delay, policy.base_delay * 2 ** max(0, failures - 1))
    return delay / 2 + rng() * delay / 2


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    describe: str = "model call",
) -> T:
    """Run `fn` until it succeeds or fails for good.

    Raises ContextWindowExceeded (never retried), the codefix error a handler raised (the
    limiter's RateLimited among them), RateLimited for a 429/529 that reaches it, or ModelError (chained to the provider's exception) for fatal or exhausted failures.
    """
    failures = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            kind = classify(exc)
            if kind == "deliberate":
                raise deliberate_error(exc) from exc
            if kind == "context_window":
                raise ContextWindowExceeded(f"{describe}: prompt too long for the model: {_short(exc)}") from exc
            if kind == "fatal":
                raise ModelError(f"{describe} failed ({type(exc).__name__}, not retried): {_short(exc)}") from exc
            if kind == "rate_limit":  # the limiter retries refusals; one reaching here is its verdict
                raise RateLimited(f"{describe}: refused by the provider's rate limits: {_short(exc)}") from exc
            failures += 1
            if failures >= policy.max_attempts:
                raise ModelError(f"{describe} failed after {failures} attempts ({type(exc).__name__}): {_short(exc)}") from exc
            sleep(backoff(policy, failures, rng))


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."
