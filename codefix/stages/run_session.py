"""Opening a run for writing: a checked run id, one writer (the run lock), containers labelled
with the run, and the orphaned containers a killed earlier process of this run left reaped; and
the run session every command's stages share (config, store, models, images), opened in one place."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codefix.core import run_layout as layout
from codefix.core.run_lock import RunLock
from codefix.core.store import RunStore

logger = logging.getLogger(__name__)


def run_name(run_id: str | None, prefix: str) -> str:
    """The given run id, or `<prefix>-<timestamp>`."""
    return run_id or time.strftime(f"{prefix}-%Y%m%d-%H%M%S")


@contextmanager
def open_run(runs_dir: Path, run_id: str | None, prefix: str) -> Iterator[RunStore]:
    """The run's store, held by this process until the block ends (`RunInUse` names the holder
    when another live process has it)."""
    from sandbox.docker.orphans import reap_run
    from sandbox.docker.ownership import RUN_ENV

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


@dataclass
class RunSession:
    """Everything a command's stages share for one run, opened and closed in one place
    (`open_session`): the configuration, the held store, the models, the image acquirer."""

    config: Any
    """The run's `codefix.stages.run_config.RunConfig`."""
    store: RunStore
    """The run's folder, held by this process (the run lock) while the session is open."""
    images: Any
    """The `sandbox.images.image_acquire.ImageAcquirer` fetching (and, by the cache level, removing) images."""
    primary: Any = None
    """The primary model (None when the session was opened without models)."""
    reader: Any = None
    """The model reading every file in the context stage (default: the primary)."""

    @property
    def predictions(self) -> Path:
        """`runs/<run>/preds.jsonl`."""
        return self.store.root / layout.PREDICTIONS

    def ledger(self, instance_id: str):
        """The instance's ledger, every earlier run's calls counted (`codefix.stages.solve.load_ledger`)."""
        from codefix.stages.solve import load_ledger

        return load_ledger(self.store.instance_dir(instance_id), self.config.budget)

    def sandboxes(self, inst, parallel: int):
        """A factory of unopened sandboxes of `inst` on the run's backend (`parallel` at once)."""
        from sandbox.backend_config import sandbox_factory

        return sandbox_factory(inst, self.config.sandbox, images=self.images, parallel=parallel)[0]


@contextmanager
def open_session(ds, config, *, runs_dir: Path, run_id: str | None, prefix: str, force: bool = False,
                 models: bool = True, record_config: bool = True, sandboxes: bool = True,
                 images_log_file: bool = False) -> Iterator[RunSession]:
    """The run session of one command: the models made from `config.model` (with its price
    settings; `models=False` for a command without one; a `budget` with a model litellm has no
    price for is refused before anything runs), the run held (`open_run`), its
    `config.yaml` recorded (refused when it would change finished results, unless `force`), the
    models litellm has no price for named, and an image acquirer whose cache level is applied when
    the session closes (its messages on stderr, or appended to `runs/<run>/images.log` with
    `images_log_file`). `sandboxes` installs the signal handlers that remove live containers on
    Ctrl-C/SIGTERM (sandboxes start in worker threads)."""
    from codefix.stages.images import make_acquirer
    from codefix.stages.run_config import record_run_config
    from codefix.stages.wiring import make_models, refuse_unpriced_budget, unpriced_warning

    if sandboxes:
        from sandbox.docker.live_sandboxes import install_signal_handlers

        install_signal_handlers()
    primary, reader = make_models(ds, config.model) if models else (None, None)
    if models:
        refuse_unpriced_budget(config.budget, primary, reader)
    with open_run(runs_dir, run_id, prefix) as store:
        if record_config:
            record_run_config(store.root, config, force=force)
        warning = unpriced_warning(primary, reader) if models else None
        if warning:
            logger.warning(warning)
        images_log = None
        if images_log_file:
            from codefix.core.log_file import appending_log

            images_log = appending_log(store.root / layout.IMAGES_LOG)
        with make_acquirer(config.images, log=images_log) as images:
            yield RunSession(config=config, store=store, images=images, primary=primary, reader=reader)
