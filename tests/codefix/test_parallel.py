"""map_isolated: order, isolation, bounded lazy launching, the launch predicate, Ctrl-C."""

import threading
import time

import pytest

from codefix.core.parallel import map_isolated


def test_results_in_item_order_and_a_failure_is_recorded_not_raised():
    def fn(x):
        time.sleep(0.01 * (5 - x))
        if x == 2:
            raise ValueError("two")
        return x * 10

    outs = map_isolated(fn, range(5), workers=3)
    assert [o.item for o in outs] == [0, 1, 2, 3, 4]
    assert [o.result for o in outs] == [0, 10, None, 30, 40]
    assert isinstance(outs[2].error, ValueError) and not any(o.skipped for o in outs)


def test_never_more_than_workers_in_flight():
    lock, running, peak = threading.Lock(), [0], [0]
    both = threading.Event()  # the first items wait until two run at once: load cannot hide the width

    def fn(x):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] == 2:
                both.set()
        both.wait(timeout=60)
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    map_isolated(fn, range(9), workers=2)
    assert peak[0] == 2


def test_should_launch_sees_finished_items_and_declined_items_never_run():
    ran, done_before_ask = [], {}
    finished: list[int] = []

    def fn(x):
        ran.append(x)
        return x

    def should_launch(x):
        done_before_ask[x] = list(finished)
        return len(finished) < 2  # stop once two items are done

    def on_done(out):
        if not out.skipped:
            finished.append(out.item)

    outs = map_isolated(fn, range(6), workers=1, on_done=on_done, should_launch=should_launch)
    assert sorted(ran) == [0, 1]
    assert [o.skipped for o in outs] == [False, False, True, True, True, True]
    assert done_before_ask[1] == [0] and done_before_ask[2] == [0, 1]
    assert all(o.result is None and o.error is None for o in outs[2:])


def test_on_done_is_called_for_skipped_items():
    seen = []
    map_isolated(lambda x: x, range(3), workers=2, on_done=lambda o: seen.append((o.item, o.skipped)),
                 should_launch=lambda x: x != 1)
    assert sorted(seen) == [(0, False), (1, True), (2, False)]


def test_keyboard_interrupt_launches_nothing_more_and_lets_running_items_finish():
    ran, finished = [], []

    def fn(x):
        ran.append(x)
        if x == 1:
            raise KeyboardInterrupt
        time.sleep(0.05)
        finished.append(x)

    with pytest.raises(KeyboardInterrupt):
        map_isolated(fn, range(10), workers=2)
    assert 0 in finished and max(ran) <= 3
