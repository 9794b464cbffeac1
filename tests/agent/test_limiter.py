"""The endpoint limiter on a fake clock: a refusal pauses every caller of the endpoint, the
allowance is cut once per round of refusals and grows back, known limits are paced before the
provider refuses, and a call kept out past its wait budget raises RateLimited."""

from __future__ import annotations

import threading

import pytest

from agent.models.limiter import EndpointLimits, endpoint_key, no_shared_limiters, shared_limiter, snapshot_line
from codefix.core.errors import RateLimited
from tests.doubles.fake_clock import fake_time_limiter


class Refused(Exception):
    def __init__(self, retry_after=None):
        self.retry_after = retry_after


def is_refusal(exc):
    return exc.retry_after if isinstance(exc, Refused) else False


def test_a_refusal_pauses_the_whole_endpoint_for_its_retry_after() -> None:
    limiter, clock = fake_time_limiter()
    first = limiter.acquire(stage="relevance")
    second = limiter.acquire(stage="relevance")  # sent before the refusal came back
    limiter.refused(first, 7.0, stage="relevance")
    limiter.answered(second)
    started = clock.now
    limiter.acquire(stage="ranking")  # another stage's call waits too: the endpoint is paused
    assert clock.now - started == pytest.approx(7.0) and clock.slept == [7.0]
    assert limiter.stages["relevance"].refused == 1 and limiter.stages["ranking"].waited == pytest.approx(7.0)


def test_each_waiter_adds_its_own_jitter_to_the_pause_so_callers_do_not_return_together() -> None:
    from agent.models.limiter import EndpointLimiter
    from tests.doubles.fake_clock import FakeClock

    slept = []
    for draw in (0.5, 1.0):  # two callers paused by the same refusal, each with its own draw
        clock = FakeClock()
        limiter = EndpointLimiter(EndpointLimits(jitter=0.2), clock=clock, sleep=clock.sleep, rng=lambda d=draw: d)
        limiter.refused(limiter.acquire(), 10.0)
        limiter.acquire()
        slept += clock.slept
    assert slept == [pytest.approx(11.0), pytest.approx(12.0)]  # the pause plus up to 20% of it


def test_the_allowance_is_cut_once_per_round_and_grows_back_slowly() -> None:
    limiter, clock = fake_time_limiter(max_in_flight=8)
    permits = [limiter.acquire() for _ in range(8)]
    for p in permits:  # eight refusals of calls sent together: one cut, not eight
        limiter.refused(p, 0.0)
    assert limiter.allowed == 4.0 and limiter.in_flight == 0
    later = limiter.acquire()
    limiter.refused(later, 0.0)  # a call sent after the cut: a new round
    assert limiter.allowed == 2.0
    for _ in range(4):
        limiter.answered(limiter.acquire())
    assert 3.0 < limiter.allowed < 4.0  # +1/allowance per answered call


def test_without_retry_after_the_pause_doubles_with_each_round_and_resets_on_an_answer() -> None:
    limiter, clock = fake_time_limiter(base_pause=1.0, max_pause=3.0)
    for expected in (1.0, 2.0, 3.0):
        limiter.refused(limiter.acquire(), None)
        assert limiter.paused_until - clock.now == pytest.approx(expected)
    limiter.answered(limiter.acquire())
    limiter.refused(limiter.acquire(), None)
    assert limiter.paused_until - clock.now == pytest.approx(1.0)


def test_known_limits_pace_requests_and_tokens_before_the_provider_refuses() -> None:
    limiter, clock = fake_time_limiter(requests_per_minute=600, pace=1.0)  # 10/s: one every 0.1 s
    start = clock.now
    for _ in range(21):
        limiter.answered(limiter.acquire())
    assert clock.now - start == pytest.approx(2.0)
    limiter, clock = fake_time_limiter(input_tokens_per_minute=60_000, output_tokens_per_minute=6_000, pace=1.0)
    start = clock.now
    limiter.answered(limiter.acquire(input_tokens=3000, output_tokens=100), output_tokens=100)
    limiter.answered(limiter.acquire(input_tokens=10, output_tokens=100), output_tokens=100)
    # the full bucket (100 input tokens) let 3000 go into debt; 10 more wait for 2910 at 1000/s
    assert clock.now - start == pytest.approx(2.91)
    before = clock.now
    big = limiter.acquire(input_tokens=10, output_tokens=1000)  # reserves its max_tokens
    limiter.answered(big, output_tokens=10)  # used 10: 990 given back
    limiter.answered(limiter.acquire(input_tokens=10, output_tokens=10), output_tokens=10)
    assert clock.now - before < 1.5  # without the 990 back, 1000 output tokens at 100/s: 10 s


def test_callers_woken_late_keep_the_pace_instead_of_losing_their_lateness() -> None:
    # a busy interpreter wakes each paced caller 30 ms after the bucket holds its call
    from agent.models.limiter import EndpointLimiter
    from tests.doubles.fake_clock import FakeClock

    clock = FakeClock()
    limiter = EndpointLimiter(EndpointLimits(requests_per_minute=600, pace=1.0), clock=clock,
                              sleep=lambda s: clock.sleep(s + 0.03), rng=lambda: 0.0)
    start = clock.now
    for _ in range(21):
        limiter.answered(limiter.acquire())
    assert clock.now - start == pytest.approx(2.0, abs=0.05)  # 20 intervals of 0.1 s; 2.6 s lost the 30 ms each


def learnt_in_slow_start(call_seconds: float, calls: int, idle_before: float = 0.0):
    """A limiter told no limits: 10 answers in 1 s, a refusal pausing 1 s (the first pace: 10 answers
    over 2 s, 5/s), then `calls` calls of `call_seconds` each while slow start grows the pace.
    `idle_before`: one call answered that long before, the endpoint idle since."""
    limiter, clock = fake_time_limiter()
    if idle_before:
        limiter.answered(limiter.acquire())
        clock.now += idle_before
    for _ in range(10):
        permit = limiter.acquire()
        clock.now += 0.1
        limiter.answered(permit)
    limiter.refused(limiter.acquire(), 1.0)
    for _ in range(calls):
        permit = limiter.acquire()
        clock.now += call_seconds
        limiter.answered(permit)
    return limiter, clock


def test_a_round_of_refusals_cuts_the_learnt_pace_to_the_rate_served_not_of_the_pace() -> None:
    # calls of 0.2 s: the endpoint serves 5/s while slow start takes the pace to 15/s
    limiter, clock = learnt_in_slow_start(0.2, 40)
    assert limiter.learnt_rate == pytest.approx(15.0)
    limiter.refused(limiter.acquire(), 1.0)
    # 50 answers over the 10 s since the first call; 0.9 x the pace would be 13.5/s, refused again
    assert limiter.learnt_rate == pytest.approx(5.0)


def test_time_the_endpoint_sat_idle_does_not_lower_the_rate_it_served() -> None:
    limiter, clock = learnt_in_slow_start(0.2, 40, idle_before=30.0)  # a warm-up call, then 30 s idle
    limiter.refused(limiter.acquire(), 1.0)
    assert limiter.learnt_rate == pytest.approx(5.0)  # 50 answers over the 10 s busy; 51 over 40 s: 1.3/s


def test_the_learnt_pace_grows_at_a_quarter_of_the_rate_near_the_rate_last_refused() -> None:
    limiter, clock = learnt_in_slow_start(0.2, 40)
    limiter.refused(limiter.acquire(), 1.0)  # cut to 5/s, the rate served when refused
    before = limiter.learnt_rate
    permit = limiter.acquire()
    clock.now += 0.2
    limiter.answered(permit)
    assert limiter.learnt_rate - before == pytest.approx(limiter.limits.rate_growth / 4)


def test_after_a_pause_the_learnt_pace_resumes_evenly_not_with_the_credit_of_the_pause() -> None:
    limiter, clock = learnt_in_slow_start(0.2, 0)  # the first pace: 5/s
    limiter.refused(limiter.acquire(), 2.0)  # a second round: cut, pause 2 s
    pace = limiter.learnt_rate
    sent = []
    for _ in range(3):
        limiter.answered(limiter.acquire())
        sent.append(clock.now)
    assert sent[1] - sent[0] == pytest.approx(1 / pace, rel=0.05)
    assert sent[2] - sent[1] == pytest.approx(1 / pace, rel=0.05)


def test_a_call_kept_out_past_its_wait_budget_raises_rate_limited() -> None:
    limiter, clock = fake_time_limiter(max_wait=100.0)
    attempts = []

    def refused_call():
        attempts.append(clock.now)
        raise Refused(40.0)

    with pytest.raises(RateLimited, match="wait budget"):
        limiter.call(refused_call, stage="editing", is_refusal=is_refusal)
    assert len(attempts) == 3 and clock.now - attempts[0] <= 100.0  # 0, 40, 80; 120 would pass the budget
    assert limiter.stages["editing"].refused == 3 and limiter.in_flight == 0


def test_call_retries_refusals_after_the_pause_and_passes_other_errors_through() -> None:
    limiter, clock = fake_time_limiter()
    outcomes = [Refused(2.0), Refused(None), "ok"]

    def fn():
        out = outcomes.pop(0)
        if isinstance(out, Exception):
            raise out
        return out

    result, permit = limiter.call(fn, stage="testing", is_refusal=is_refusal)
    assert result == "ok" and permit.refused == 2 and permit.waited == pytest.approx(2.0 + 2.0)
    with pytest.raises(ZeroDivisionError):
        limiter.call(lambda: 1 / 0, is_refusal=is_refusal)
    assert limiter.in_flight == 0


def test_callers_beyond_the_allowance_wait_for_a_place() -> None:
    limiter, clock = fake_time_limiter(max_in_flight=1)
    first = limiter.acquire()
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (limiter.acquire(), got.set()))
    waiter.start()
    assert not got.wait(0.2) and limiter.snapshot()["in_flight"] == 1
    limiter.answered(first)
    assert got.wait(5)
    waiter.join()


def test_one_limiter_per_endpoint_and_the_key_never_holds_the_key() -> None:
    with no_shared_limiters():
        a = shared_limiter(endpoint_key("openai/m", "http://x", "sk-secret"))
        assert a is shared_limiter(endpoint_key("openai/m", "http://x", "sk-secret"))
        assert a is not shared_limiter(endpoint_key("openai/m", "http://x", "sk-other"))
        assert a is not shared_limiter(endpoint_key("openai/m", "http://y", "sk-secret"))
    assert "sk-secret" not in endpoint_key("openai/m", "http://x", "sk-secret")


def test_a_share_of_the_known_limits_for_each_of_n_processes() -> None:
    limits = EndpointLimits(requests_per_minute=600, input_tokens_per_minute=1000, max_in_flight=10)
    half = limits.share(2)
    assert (half.requests_per_minute, half.input_tokens_per_minute, half.output_tokens_per_minute,
            half.max_in_flight) == (300, 500, None, 5)
    assert limits.share(1) is limits


def test_the_live_display_line_shows_in_flight_allowed_pace_refusals_and_waiting() -> None:
    limiter, clock = fake_time_limiter(max_in_flight=8)
    limiter.refused(limiter.acquire(stage="relevance"), 5.0, stage="relevance")
    held = limiter.acquire(stage="relevance")  # waits out the pause
    snap = limiter.snapshot()
    assert (snap["in_flight"], snap["allowed"], snap["refused"], snap["waited"]) == (1, 4, 1, 5.0)
    assert snapshot_line(snap) == "endpoint: in flight 1/4  429s 1  waited 5s"
    limiter.answered(held)
