"""Map a function over items on a thread pool, recording each item's exception."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Outcome(Generic[T, R]):
    item: T
    result: R | None = None
    error: BaseException | None = None


def map_isolated(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    on_done: Callable[[Outcome[T, R]], None] | None = None,
) -> list[Outcome[T, R]]:
    """Run `fn` on every item with at most `workers` threads; one failure never stops the rest.

    Results come back in the order of `items`. On KeyboardInterrupt, queued items are
    cancelled and the interrupt is re-raised after running items finish.
    """
    items = list(items)
    outcomes: list[Outcome[T, R]] = [Outcome(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
        for fut in as_completed(futures):
            out = outcomes[futures[fut]]
            try:
                out.result = fut.result()
            except Exception as exc:  # isolate: record and go on
                out.error = exc
            if on_done is not None:
                on_done(out)
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes
