"""Which engine of a pool an instance goes to: the one with the most free capacity (its
capacity less the instances it runs now), engines that stopped answering left out."""

from __future__ import annotations

from collections.abc import Sequence


def pick_engine(capacity: Sequence[int], active: Sequence[int], dead: set[int] | frozenset[int] = frozenset()) -> int | None:
    """The index of the live engine with the most free capacity (of equals, the one running fewer
    instances, then the first), or None
    when every engine is dead. An engine at or over its capacity may still be picked when all are:
    the run's own concurrency bounds how many instances there are."""
    alive = [i for i in range(len(capacity)) if i not in dead]
    if not alive:
        return None
    return max(alive, key=lambda i: (capacity[i] - active[i], -active[i], -i))
