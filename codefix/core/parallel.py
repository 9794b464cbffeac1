"""Map a function over items on a thread pool, recording each item's exception."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Outcome(Generic[T, R]):
    item: T
    result: R | None = None
    error: BaseException | None = None
    skipped: bool = False
    """True when `should_launch` declined the item: `fn` never ran on it."""


def map_isolated(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    on_done: Callable[[Outcome[T, R]], None] | None = None,
    should_launch: Callable[[T], bool] | None = None,
) -> list[Outcome[T, R]]:
    """Run `fn` on every item with at most `workers` threads; one failure never stops the rest.

    Items are launched lazily, in order, as threads free up; `should_launch(item)`, when given,
    is asked in this thread just before each launch (so it sees every `on_done` of items already
    finished) and a False leaves the item `skipped` (`on_done` is called for it too). Results
    come back in the order of `items`. On KeyboardInterrupt no further item is launched and the
    interrupt is re-raised after running items finish.
    """
    items = list(items)
    outcomes: list[Outcome[T, R]] = [Outcome(item) for item in items]
    limit = max(1, workers)
    queue = iter(range(len(items)))
    running: dict[Future, int] = {}
    pool = ThreadPoolExecutor(max_workers=limit)

    def launch() -> None:
        while len(running) < limit:
            i = next(queue, None)
            if i is None:
                return
            if should_launch is not None and not should_launch(items[i]):
                outcomes[i].skipped = True
                if on_done is not None:
                    on_done(outcomes[i])
                continue
            running[pool.submit(fn, items[i])] = i

    try:
        launch()
        while running:
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                out = outcomes[running.pop(fut)]
                try:
                    out.result = fut.result()
                except Exception as exc:  # isolate: record and go on
                    out.error = exc
                if on_done is not None:
                    on_done(out)
            launch()
    except BaseException:  # Ctrl-C, or a callback that failed: let running items finish
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes
