"""Retry decisions on litellm's own exception types, with an injected sleep (no waiting)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from agent.models.litellm_setup import load_litellm
from agent.models.retry import RetryPolicy, backoff, call_with_retries, classify, retry_after, refusal
from codefix.core.errors import BudgetExceeded, ContextWindowExceeded, ModelError, RateLimited

litellm = load_litellm()
REQUEST = httpx.Request("POST", "https://provider.invalid/v1/chat/completions")


def rate_limit(headers: dict | None = None) -> Exception:
    response = httpx.Response(429, headers=headers or {}, request=REQUEST)
    return litellm.RateLimitError("slow down", llm_provider="openai", model="gpt-4.1", response=response)


class Scripted:
    """Raises the given exceptions in order, then returns "ok"; counts calls."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run(fn, policy=None):
    slept: list[float] = []
    result = call_with_retries(fn, policy=policy or RetryPolicy(), sleep=slept.append, rng=lambda: 1.0)
    return result, slept


def test_retry_after_in_seconds_milliseconds_and_http_date() -> None:
    assert retry_after(rate_limit({"retry-after": "7"})) == 7.0
    assert retry_after(rate_limit({"retry-after-ms": "1500"})) == 1.5
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after(rate_limit({"retry-after": "Thu, 01 Jan 2026 12:00:30 GMT"}), now=now) == 30.0
    assert retry_after(rate_limit({"retry-after": "Thu, 01 Jan 2026 11:00:00 GMT"}), now=now) == 0.0
    assert retry_after(rate_limit({"retry-after": "soon"})) is None and retry_after(rate_limit()) is None
    exc = litellm.Timeout("t", model="m", llm_provider="openai")
    exc.litellm_response_headers = {"Retry-After": "4"}
    assert retry_after(exc) == 4.0


def test_a_refusal_is_not_retried_here_but_read_for_the_limiter() -> None:
    """429s and 529s belong to the endpoint's limiter: the per-call retry neither sleeps on
    them nor retries them on its own, and `refusal` reads what the provider asked."""
    fn = Scripted(rate_limit({"retry-after": "7"}))
    slept: list[float] = []
    with pytest.raises(RateLimited):
        call_with_retries(fn, policy=RetryPolicy(), sleep=slept.append)
    assert fn.calls == 1 and slept == []
    assert refusal(rate_limit({"retry-after": "7"})) == 7.0 and refusal(rate_limit()) is None
    overloaded = litellm.InternalServerError("overloaded", llm_provider="anthropic", model="m")
    overloaded.status_code = 529
    assert classify(overloaded) == "rate_limit" and refusal(overloaded) is None
    assert refusal(litellm.Timeout("t", model="m", llm_provider="openai")) is False


def test_transient_errors_are_retried_with_exponential_backoff_until_attempts_run_out() -> None:
    timeout = litellm.Timeout("timed out", model="m", llm_provider="openai")
    server = litellm.InternalServerError("boom", llm_provider="openai", model="m")
    conn = litellm.APIConnectionError("reset", llm_provider="openai", model="m")
    result, slept = run(Scripted(timeout, server, conn), RetryPolicy(max_attempts=4, base_delay=2.0))
    assert result == "ok" and slept == [2.0, 4.0, 8.0]
    fn = Scripted(*[litellm.Timeout("timed out", model="m", llm_provider="openai") for _ in range(5)])
    with pytest.raises(ModelError, match="after 3 attempts") as info:
        run(fn, RetryPolicy(max_attempts=3))
    assert fn.calls == 3 and isinstance(info.value.__cause__, litellm.Timeout)


@pytest.mark.parametrize("error, expected", [
    (litellm.AuthenticationError("bad key", llm_provider="openai", model="m"), ModelError),
    (litellm.BadRequestError("bad", model="m", llm_provider="openai"), ModelError),
    (litellm.ContextWindowExceededError("too long", model="m", llm_provider="openai"), ContextWindowExceeded),
    (BudgetExceeded("over", 1.0, 1.0), BudgetExceeded),
])
def test_auth_bad_request_context_window_and_budget_are_never_retried(error, expected) -> None:
    fn = Scripted(error)
    slept: list[float] = []
    with pytest.raises(expected):
        call_with_retries(fn, policy=RetryPolicy(), sleep=slept.append)
    assert fn.calls == 1 and slept == []


def test_a_codefix_error_wrapped_by_litellm_surfaces_as_itself() -> None:
    inner = BudgetExceeded("over", 1.0, 1.0)
    try:
        try:
            raise inner
        except BudgetExceeded as exc:
            raise litellm.APIConnectionError("wrapped", llm_provider="x", model="m") from exc
    except litellm.APIConnectionError as wrapped:
        assert classify(wrapped) == "deliberate"
        with pytest.raises(BudgetExceeded) as info:
            run(Scripted(wrapped))
    assert info.value is inner


def test_backoff_is_capped_and_jittered_between_half_and_full_delay() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0)
    assert backoff(policy, 1, lambda: 0.0) == 0.5 and backoff(policy, 1, lambda: 1.0) == 1.0
    assert backoff(policy, 3, lambda: 1.0) == 4.0 and backoff(policy, 30, lambda: 1.0) == 10.0
