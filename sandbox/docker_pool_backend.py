"""A pool of Docker engines for one machine's run (`kind: docker_pool`, or `--docker-host`
given more than once): each instance goes to one engine, the one with the most free capacity
when it starts (`sandbox.engine_placement.pick_engine`), and everything of that instance (its
image, its checkout, its sandboxes) happens there, through that engine's own `DockerBackend`.
An engine that stops answering is left out of later placements, and an instance whose engine
died is moved to another one (`moved`), so a batch retries it there; reaping, signal clean-up
and `clean` sweep every engine."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from codefix.core.errors import EngineUnreachable, SandboxError
from codefix.core.instance import Instance
from sandbox.docker_backend import Cleaned, DockerBackend
from sandbox.engine_placement import pick_engine


class DockerPool:
    """See the module docstring; the members of `sandbox.docker_backend.DockerBackend`, over engines."""

    def __init__(self, config, *, log: Callable[[str], None] | None = None):
        from sandbox.backend_config import DockerBackendConfig

        self.config = config
        self.members = [DockerBackend(DockerBackendConfig(docker_host=e.docker_host, images=config.images), log=log)
                        for e in config.engines]
        self._capacity = [e.capacity for e in config.engines]
        self._active = [0] * len(self.members)
        self._placed: dict[str, int] = {}
        self._holds: dict[str, int] = {}
        self._last: dict[str, int] = {}
        """The engine each instance was last placed on (what `moved` asks about once it is done)."""
        self._dead: set[int] = set()
        self._lock = threading.Lock()
        self.images = PoolImages(self)
        """The image acquirers of the engines, each instance's on its own engine."""

    @property
    def engine(self) -> str:
        return ", ".join(m.engine for m in self.members)

    @property
    def where(self) -> str:
        """Where images are, for messages."""
        return f"on the pool of {len(self.members)} engines ({self.engine})"

    # placement -------------------------------------------------------------------------------
    def place(self, instance: Instance, *, hold: bool = False) -> DockerBackend:
        """The engine of `instance`, chosen now (and counted as busy) when it has none yet; `hold`
        (an image lease) keeps it there until the matching `unplace`."""
        iid = instance.instance_id
        with self._lock:
            if hold:
                self._holds[iid] = self._holds.get(iid, 0) + 1
            if iid not in self._placed:
                index = pick_engine(self._capacity, self._active, self._dead)
                if index is None:
                    raise EngineUnreachable(f"no engine of the pool answers ({self.engine}): start one of them")
                self._placed[iid] = self._last[iid] = index
                self._active[index] += 1
            return self.members[self._placed[iid]]

    def unplace(self, instance: Instance) -> None:
        """One lease of `instance` ended; after the last one it no longer counts on its engine."""
        iid = instance.instance_id
        with self._lock:
            self._holds[iid] = self._holds.get(iid, 1) - 1
            if self._holds[iid] > 0:
                return
            del self._holds[iid]
            index = self._placed.pop(iid, None)
            if index is not None:
                self._active[index] -= 1

    def moved(self, instance: Instance) -> bool:
        """After an infrastructure failure of `instance`: when its engine no longer answers, leave
        that engine out from now on and send the instance elsewhere next time; True when it was
        (another engine answers), so the caller retries it."""
        with self._lock:
            index = self._placed.get(instance.instance_id, self._last.get(instance.instance_id))
        if index is None:
            return False
        try:
            self.members[index].connect()
            return False  # the engine answers: the failure was the instance's own
        except SandboxError:
            pass
        with self._lock:
            self._dead.add(index)
            if self._placed.get(instance.instance_id) == index:
                del self._placed[instance.instance_id]
                self._active[index] -= 1
            return len(self._dead) < len(self.members)

    # one instance: on its engine ---------------------------------------------------------------
    def checkout(self, instance: Instance) -> tuple[Instance, Path]:
        return self.place(instance).checkout(instance)

    def sandboxes(self, instance: Instance, **settings):
        return self.place(instance).sandboxes(instance, **settings)

    apply_patch = staticmethod(DockerBackend.apply_patch)

    # every engine ----------------------------------------------------------------------------
    def check(self) -> None:
        """EngineUnreachable when no engine of the pool answers."""
        errors = []
        for member in self.members:
            try:
                member.check()
                return
            except SandboxError as exc:
                errors.append(str(exc))
        raise EngineUnreachable(f"no engine of the pool answers: {'; '.join(errors)}")

    def guard(self) -> None:
        for member in self.members:
            member.guard()

    def reap_run(self, run_id: str) -> int:
        return sum(member.reap_run(run_id) for member in self.members)

    def remove_live(self) -> int:
        return self.members[0].remove_live()  # the process's registry holds the containers of every engine

    def clean(self, *, everything: bool = False, pristine: bool = False) -> Cleaned:
        done = [m.clean(everything=everything, pristine=pristine) for m in self.members]
        return Cleaned(*(sum(getattr(c, f) for c in done) for f in ("containers", "kept_live", "volumes", "volumes_in_use")))

    def __enter__(self) -> DockerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.images.finish()


class PoolImages:
    """The pool's image acquisition, shaped as one acquirer: an instance's lease places it on an
    engine and holds that engine's image for it; names and settings are the same on every engine."""

    def __init__(self, pool: DockerPool):
        self._pool = pool
        self.config = pool.config.images

    @property
    def log(self):
        return self._pool.members[0].images.log

    @log.setter
    def log(self, sink) -> None:
        for member in self._pool.members:
            member.images.log = sink

    def image_name(self, instance: Instance) -> str:
        return self._pool.members[0].images.image_name(instance)

    def present(self, name: str) -> bool:
        """Whether some engine of the pool that answers has `name`."""
        for member in self._pool.members:
            try:
                if member.images.present(name):
                    return True
            except SandboxError:
                continue
        return False

    def ensure(self, instance: Instance) -> str:
        return self._pool.place(instance).images.ensure(instance)

    @contextmanager
    def lease(self, instance: Instance) -> Iterator[str]:
        member = self._pool.place(instance, hold=True)
        try:
            with member.images.lease(instance) as name:
                yield name
        finally:
            self._pool.unplace(instance)

    def finish(self) -> list[str]:
        removed: list[str] = []
        for member in self._pool.members:
            try:
                removed += member.images.finish()
            except SandboxError:  # a dead engine: what it held is gone with it
                continue
        return removed
