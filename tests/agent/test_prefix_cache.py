"""The fake provider's prompt-cache accounting (pure, with literal token counts), the caching
policy of the trajectory loop, and the warm-up gate."""

from __future__ import annotations

import threading

from agent.models.cache_warmup import WarmedModel, WarmupGate
from agent.models.caching import flag_for_caching
from tests.doubles.prefix_cache import CacheUsage, PrefixCache, Segment


def seg(text: str, tokens: int, mark: bool = False) -> Segment:
    return Segment(text, tokens, mark)


def test_explicit_marks_write_their_prefix_once_and_later_requests_read_it() -> None:
    cache = PrefixCache(min_tokens=1024)
    system = seg("system: rules + issue + context", 5000, mark=True)
    first = [system, seg("user: test of pair 0", 800, mark=True)]
    assert cache.explicit(first) == CacheUsage(0, 0, 5800)  # nothing cached yet: both marks written
    second_pair = [system, seg("user: test of pair 1", 700, mark=True)]
    assert cache.explicit(second_pair) == CacheUsage(0, 5000, 700)  # the shared system prefix is read
    next_turn = [*first, seg("assistant: edit", 300), seg("user: outputs", 900, mark=True)]
    assert cache.explicit(next_turn) == CacheUsage(0, 5800, 1200)  # the previous turn's mark is read


def test_unmarked_tails_are_plain_input_and_short_prefixes_are_never_cached() -> None:
    cache = PrefixCache(min_tokens=1024)
    assert cache.explicit([seg("s", 2000, mark=True), seg("u", 50)]) == CacheUsage(50, 0, 2000)
    assert cache.explicit([seg("s", 2000, mark=True), seg("u", 50)]) == CacheUsage(50, 2000, 0)
    short = [seg("tiny", 300, mark=True), seg("q", 20)]
    assert cache.explicit(short) == CacheUsage(320, 0, 0) and cache.explicit(short) == CacheUsage(320, 0, 0)
    assert cache.explicit([seg("no marks", 5000)]) == CacheUsage(5000)


def test_prefixes_differ_by_scope_and_by_any_earlier_block() -> None:
    cache = PrefixCache(min_tokens=0)
    cache.explicit([seg("a", 10), seg("b", 10, mark=True)], scope="model-1")
    assert cache.explicit([seg("a", 10), seg("b", 10, mark=True)], scope="model-2").cache_read_tokens == 0
    assert cache.explicit([seg("A", 10), seg("b", 10, mark=True)], scope="model-1").cache_read_tokens == 0
    assert cache.explicit([seg("a", 10), seg("b", 10, mark=True)], scope="model-1").cache_read_tokens == 20


def test_automatic_caching_reads_the_longest_seen_prefix_in_steps_of_128() -> None:
    cache = PrefixCache(min_tokens=1024)
    turn = [seg("system", 1500), seg("user", 200)]
    assert cache.automatic(turn) == CacheUsage(1700, 0, 0)
    assert cache.automatic([*turn, seg("assistant", 100), seg("user2", 50)]) == CacheUsage(1850 - 1664, 1664, 0)
    assert cache.automatic([seg("other", 3000)]).cache_read_tokens == 0


def test_the_loop_flags_the_system_message_and_the_last_two_user_messages() -> None:
    messages = [
        {"role": "system", "content": "rules"},
        {"role": "user", "content": "u1"},
        {"role": "assistant", "content": "a1", "finish_reason": "length", "output_tokens": 9},
        {"role": "user", "content": "u2"},
        {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "u3"},
    ]
    flagged = flag_for_caching(messages)
    assert [i for i, m in enumerate(flagged) if m.get("cache")] == [0, 3, 5]
    assert flagged[2] == {"role": "assistant", "content": "a1"}  # bookkeeping keys never go out
    assert "cache" not in messages[0]  # input untouched
    assert [i for i, m in enumerate(flag_for_caching(messages[1:2])) if m.get("cache")] == [0]  # no system message


def test_the_first_call_through_the_gate_finishes_before_any_other_starts() -> None:
    events: list[str] = []
    lock = threading.Lock()
    leader_in = threading.Event()
    release = threading.Event()

    class Recording:
        name = "recording"

        def query(self, messages, **kwargs):
            with lock:
                events.append(f"start {messages}")
                first = len(events) == 1
            if first:
                leader_in.set()
                release.wait(10)
            with lock:
                events.append(f"end {messages}")
            return messages

    model = WarmedModel(Recording(), WarmupGate())
    threads = [threading.Thread(target=model.query, args=(i,)) for i in range(4)]
    threads[0].start()
    assert leader_in.wait(10)
    for t in threads[1:]:
        t.start()
    assert not model.gate.warm
    release.set()
    for t in threads:
        t.join(10)
    assert events[:2] == ["start 0", "end 0"] and len(events) == 8 and model.gate.warm


def test_the_gate_opens_when_the_first_call_fails() -> None:
    class Failing:
        name = "failing"
        max_tokens = 77

        def query(self, messages, **kwargs):
            raise RuntimeError("down")

    model = WarmedModel(Failing())
    try:
        model.query([])
    except RuntimeError:
        pass
    assert model.gate.warm and model.max_tokens == 77


def test_the_cost_tables_cache_line_gives_the_share_read_from_the_cache() -> None:
    from codefix.core.ledger import cache_summary

    line = cache_summary({"input_tokens": 1000, "cache_read_tokens": 8000, "cache_write_tokens": 1000})
    assert line == "prompt cache: 80% of 10000 prompt tokens read from it (8000 read, 1000 written)"
    assert cache_summary({"input_tokens": 1000, "cache_read_tokens": 0, "cache_write_tokens": 0}) is None
