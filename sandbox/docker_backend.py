"""The Docker backend: everything a run does with one Docker engine (the local one or
`docker_host`) goes through one `DockerBackend`, made from its `DockerBackendConfig`:

- `images`: the image acquirer (pull, build, cache level, prune) talking to THAT engine, its
  records of what it fetched kept per engine;
- `checkout(instance)`: the host checkout of the repository for the context stage, exported from
  that engine's image;
- `sandboxes(instance, **settings)`: a factory of unopened sandboxes on that engine;
- `apply_patch`: how a patch goes into one of its sandboxes;
- `guard()`, `reap_run(run_id)`, `remove_live()`, `clean(...)`: signal clean-up, orphans of a
  resumed run, Ctrl-C, and `codefix clean`, all on that engine.

Leaving it (`with config.open() as backend:`) applies the cache level to the images it fetched."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codefix.core.errors import SandboxError
from codefix.core.instance import Instance


@dataclass(frozen=True)
class Cleaned:
    """What `codefix clean` removed on one engine."""

    containers: int
    """Containers removed."""
    kept_live: int
    """Containers kept: their owner process is alive (or on another host)."""
    volumes: int = 0
    """Workdir snapshot volumes removed (with `pristine`)."""
    volumes_in_use: int = 0
    """Snapshot volumes kept because a sandbox uses them."""


class DockerBackend:
    """See the module docstring. `log` receives the image acquirer's one-line messages."""

    def __init__(self, config, *, log: Callable[[str], None] | None = None):
        from sandbox.images.image_acquire import ImageAcquirer
        from sandbox.images.image_records import ImageRecords

        self.config = config
        self._client = None
        self._lock = threading.Lock()
        self.images = ImageAcquirer(config.images, engine=lambda: self.client,
                                    records=ImageRecords(records_path(config.docker_host)), log=log)
        """The `sandbox.images.image_acquire.ImageAcquirer` of this engine."""

    @property
    def engine(self) -> str:
        """The engine's URL, as messages name it."""
        from sandbox.docker.engine import engine_name

        return engine_name(self.config.docker_host)

    @property
    def where(self) -> str:
        """Where its images are, for messages: "locally" or "on <URL>"."""
        return "locally" if not self.config.docker_host else f"on {self.engine}"

    @property
    def client(self):
        """The docker-py client of this engine shared by images, checkout and clean-up
        (EngineUnreachable when it does not answer)."""
        with self._lock:
            if self._client is None:
                self._client = self.connect()
            return self._client

    def check(self) -> None:
        """Reach the engine now: EngineUnreachable, one line naming it, when it does not answer."""
        self.client

    def connect(self):
        """A new client of this engine that has answered (each sandbox gets its own)."""
        from sandbox.docker.engine import connect

        return connect(self.config.docker_host)

    # one instance ---------------------------------------------------------------------------
    def checkout(self, instance: Instance) -> tuple[Instance, Path]:
        """(instance, repo_dir): a host checkout at the base commit (a local `source` gets its
        real commit); a SWE-bench image is fetched onto this engine first and exported from it."""
        from sandbox.images.host_checkout import checkout

        repo_dir, commit = checkout(instance, self.images, client=lambda: self.client)
        if commit and commit != instance.base_commit:
            instance = instance.model_copy(update={"base_commit": commit})
        return instance, repo_dir

    def sandboxes(self, instance: Instance, **settings) -> tuple[Callable[[], object], Instance]:
        """`(factory, instance)`: a factory of unopened sandboxes of `instance` on this engine, and
        the instance with the base commit of the image they start from. A local `source` is built
        into an image here; a missing SWE-bench image is fetched here; `settings` go to
        `SandboxConfig` (network, output_limit, writable_root, parallel, ...)."""
        from sandbox.docker.docker_sandbox import DockerSandbox
        from sandbox.images.images import build_local_image, sandbox_config_for

        built = instance
        if instance.source is not None and instance.image is None:
            tag, commit = build_local_image(instance, client=self.client)
            built = instance.model_copy(update={"base_commit": commit, "image": tag})
        if built.is_swebench:
            settings = {"image": self.images.ensure(built)} | settings
        config = sandbox_config_for(built, **settings)
        return (lambda: DockerSandbox(config, client=self.connect())), built

    def moved(self, instance: Instance) -> bool:
        """Whether an instance that failed for the infrastructure was moved to another engine (to
        be retried there): never, with one engine."""
        return False

    @staticmethod
    def apply_patch(sandbox, patch: str):
        """Apply `patch` in one of this backend's sandboxes (`sandbox.docker.patching.apply_patch`)."""
        from sandbox.docker.patching import apply_patch

        return apply_patch(sandbox, patch)

    # the run's containers -------------------------------------------------------------------
    def guard(self) -> None:
        """Remove this process's containers on this engine on Ctrl-C/SIGTERM and at exit (call
        from the main thread once, before sandboxes start in worker threads)."""
        from sandbox.docker import live_sandboxes

        live_sandboxes.watch_engine(self.connect)
        live_sandboxes.install_signal_handlers()

    def reap_run(self, run_id: str) -> int:
        """Remove the containers a killed earlier process of `run_id` left on this engine; how
        many (0 when the engine does not answer: nothing of ours can run there)."""
        from sandbox.docker.orphans import reap_run

        try:
            return reap_run(run_id, client=self.client)
        except SandboxError:
            return 0

    def remove_live(self) -> int:
        """Force-remove every container this process has running (an interrupted batch)."""
        from sandbox.docker.live_sandboxes import remove_all

        return remove_all()

    def clean(self, *, everything: bool = False, pristine: bool = False) -> Cleaned:
        """`codefix clean` on this engine: orphaned containers (with `everything`, all of this
        session's), and with `pristine` the workdir snapshot volumes no sandbox uses."""
        from sandbox.docker.orphans import sweep

        swept = sweep(everything=everything, client=self.client)
        if not pristine:
            return Cleaned(swept.removed, swept.kept_live)
        from sandbox.docker.ownership import label_value
        from sandbox.docker.pristine import remove_unused

        removed, in_use = remove_unused(self.client, None if everything else label_value())
        return Cleaned(swept.removed, swept.kept_live, removed, in_use)

    def __enter__(self) -> DockerBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.images.finish()


def records_path(docker_host: str | None) -> Path:
    """Where the images codefix fetched onto an engine are recorded: `images/acquired.json` for
    the local engine, `images/acquired-<hash of the URL>.json` for another one."""
    from sandbox.images.images import default_cache_dir

    folder = default_cache_dir() / "images"
    if not docker_host:
        return folder / "acquired.json"
    return folder / f"acquired-{hashlib.sha256(docker_host.encode()).hexdigest()[:12]}.json"
