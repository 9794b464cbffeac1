"""Which instances of a dataset a command works on: ids, a regex on the id, or a slice."""

from __future__ import annotations

import re

from codefix.core.errors import InputError


def select_instances(ds, *, ids: str | None = None, pattern: str | None = None, slice_: str | None = None) -> list:
    """The dataset's instances picked by comma-separated ids, a regex on the id, or `A:B` (in order)."""
    if sum(x is not None for x in (ids, pattern, slice_)) > 1:
        raise InputError("give at most one of --instances, --filter, --slice")
    items = list(ds)
    if ids is not None:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if not wanted:
            raise InputError("--instances is empty")
        items = [ds.get(i) for i in dict.fromkeys(wanted)]
    elif pattern is not None:
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise InputError(f"--filter {pattern!r} is not a valid regex: {exc}") from None
        items = [i for i in items if rx.search(i.instance_id)]
    elif slice_ is not None:
        m = re.fullmatch(r"\s*(-?\d*)\s*:\s*(-?\d*)\s*", slice_)
        if not m:
            raise InputError(f"--slice {slice_!r}: expected A:B, e.g. 0:50")
        a, b = (int(x) if x else None for x in m.groups())
        items = items[a:b]
    if not items:
        raise InputError(f"{ds.name}: no instance selected")
    return items
