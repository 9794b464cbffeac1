"""Opening a run for writing: a checked run id, one writer (the run lock), containers labelled
with the run, and the orphaned containers a killed earlier process of this run left reaped."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codefix.run_lock import RunLock
from codefix.store import RunStore

logger = logging.getLogger(__name__)


def run_name(run_id: str | None, prefix: str) -> str:
    """The given run id, or `<prefix>-<timestamp>`."""
    return run_id or time.strftime(f"{prefix}-%Y%m%d-%H%M%S")


@contextmanager
def open_run(runs_dir: Path, run_id: str | None, prefix: str) -> Iterator[RunStore]:
    """The run's store, held by this process until the block ends (`RunInUse` names the holder
    when another live process has it)."""
    from sandbox.orphans import reap_run
    from sandbox.ownership import RUN_ENV

    store = RunStore(runs_dir, run_name(run_id, prefix))
    with RunLock(store.root, f"run {store.run_id}") as lock:
        if lock.took_over:
            logger.warning(f"run {store.run_id}: taking over from pid {lock.took_over.get('pid', '?')}, which died holding it")
        previous = os.environ.get(RUN_ENV)
        os.environ[RUN_ENV] = store.run_id  # labels this process's containers (and travels to Ray workers)
        try:
            reaped = reap_run(store.run_id)
            if reaped:
                logger.warning(f"run {store.run_id}: removed {reaped} container(s) left behind by a killed earlier process")
            yield store
        finally:
            if previous is None:
                os.environ.pop(RUN_ENV, None)
            else:
                os.environ[RUN_ENV] = previous
