"""A bounded pool of reusable sandboxes shared by the pairs of one generation stage."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from codefix.core.errors import SandboxError


class SandboxPool:
    """At most `size` sandboxes from `factory`, opened on first need, reused after `reset`, and
    replaced when one dies. `started` counts sandboxes opened, `peak` the most open at once."""

    def __init__(self, factory: Callable[[], object], size: int):
        self.factory, self.size = factory, size
        self.idle: queue.Queue = queue.Queue()
        self.slots = threading.Semaphore(size)
        self.lock = threading.Lock()
        self.open: list = []
        self.started = 0
        self.peak = 0
        self._retired: set[int] = set()

    @contextmanager
    def lease(self, *, check: bool = False, broken_by: tuple[type[BaseException], ...] = (SandboxError,),
              spared: tuple[type[BaseException], ...] = ()) -> Iterator:
        """`with pool.lease() as box:` a borrowed sandbox, given back for reuse on exit; closed
        instead when an exception of `broken_by` (but not of `spared`) leaves the block or
        `retire(box)` was called in it."""
        box = self.borrow(check=check)
        broken = False
        try:
            yield box
        except spared:
            raise
        except broken_by:
            broken = True
            raise
        finally:
            with self.lock:
                retired = id(box) in self._retired
                self._retired.discard(id(box))
            self.give_back(box, broken=broken or retired)

    def retire(self, box) -> None:
        """Close `box` when its lease ends instead of reusing it (it answered, but is not sound)."""
        with self.lock:
            self._retired.add(id(box))

    def borrow(self, *, check: bool = False):
        """A sandbox for one pair; with `check`, idle ones that no longer answer are replaced."""
        self.slots.acquire()
        while True:
            try:
                box = self.idle.get_nowait()
            except queue.Empty:
                break
            if not check or _answers(box):
                return box
            self._close(box)
        try:
            box = self.factory()
            box = box.__enter__() or box
        except BaseException:
            self.slots.release()
            raise
        with self.lock:
            self.open.append(box)
            self.started += 1
            self.peak = max(self.peak, len(self.open))
        return box

    def give_back(self, box, *, broken: bool = False) -> None:
        if broken:
            self._close(box)
        else:
            self.idle.put(box)
        self.slots.release()

    def _close(self, box) -> None:
        with self.lock:
            if box in self.open:
                self.open.remove(box)
        try:
            box.__exit__(None, None, None)
        except Exception:
            pass

    def close(self) -> None:
        for box in list(self.open):
            self._close(box)


def _answers(box) -> bool:
    try:
        return box.run("true", timeout=30).exit_code == 0
    except SandboxError:
        return False
