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
def open_run(runs_dir: Path, run_id: str | None, prefix: str, backend=None) -> Iterator[RunStore]:
    """The run's store, held by this process until the block ends (`RunInUse` names the holder
    when another live process has it); `backend` reaps what a killed earlier process of the run
    left on its engine."""
    from sandbox.docker.ownership import RUN_ENV

    store = RunStore(runs_dir, run_name(run_id, prefix))
    with RunLock(store.root, f"run {store.run_id}") as lock:
        if lock.took_over:
            logger.warning(f"run {store.run_id}: taking over from pid {lock.took_over.get('pid', '?')}, which died holding it")
        previous = os.environ.get(RUN_ENV)
        os.environ[RUN_ENV] = store.run_id  # labels this process's containers (and travels to Ray workers)
        try:
            reaped = backend.reap_run(store.run_id) if backend is not None else 0
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
    (`open_session`): the configuration, the held store, the models, the sandbox backend."""

    config: Any
    """The run's `codefix.stages.run_config.RunConfig`."""
    store: RunStore
    """The run's folder, held by this process (the run lock) while the session is open."""
    backend: Any
    """The live sandbox backend (`sandbox.docker_backend.DockerBackend`): the engine's images, the host
    checkout, the sandboxes, clean-up; stages get everything engine-related from it."""
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

    @property
    def images(self):
        """The backend's image acquirer (`lease(instance)`, `ensure`, `present`, ...)."""
        return self.backend.images

    def sandboxes(self, inst, parallel: int):
        """A factory of unopened sandboxes of `inst` on the run's backend (`parallel` at once)."""
        return self.backend.sandboxes(inst, parallel=parallel)[0]


@contextmanager
def open_session(ds, config, *, runs_dir: Path, run_id: str | None, prefix: str, force: bool = False,
                 models: bool = True, record_config: bool = True, sandboxes: bool = True,
                 images_log_file: bool = False) -> Iterator[RunSession]:
    """The run session of one command: the models made from `config.model` (with its price
    settings; `models=False` for a command without one; a `budget` with a model litellm has no
    price for is refused before anything runs), the run held (`open_run`), its
    `config.yaml` recorded (refused when it would change finished results, unless `force`), the
    models litellm has no price for named, and the sandbox backend of `config.sandbox`, whose image
    cache level is applied when the session closes (its messages on stderr, or appended to
    `runs/<run>/images.log` with `images_log_file`). `sandboxes` has the backend install the signal
    handlers that remove live containers on Ctrl-C/SIGTERM (sandboxes start in worker threads)."""
    from codefix.stages.backend import open_backend
    from codefix.stages.run_config import record_run_config
    from codefix.stages.wiring import make_models, refuse_unpriced_budget, unpriced_warning

    backend = open_backend(config.sandbox)
    if sandboxes:
        backend.guard()
    primary, reader = make_models(ds, config.model) if models else (None, None)
    if models:
        refuse_unpriced_budget(config.budget, primary, reader)
    with open_run(runs_dir, run_id, prefix, backend) as store:
        if record_config:
            record_run_config(store.root, config, force=force)
        warning = unpriced_warning(primary, reader) if models else None
        if warning:
            logger.warning(warning)
        if images_log_file:
            from codefix.core.log_file import appending_log

            backend.images.log = appending_log(store.root / layout.IMAGES_LOG)
        with backend:
            yield RunSession(config=config, store=store, backend=backend, primary=primary, reader=reader)
