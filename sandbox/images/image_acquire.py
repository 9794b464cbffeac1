"""Getting each instance's Docker image, and removing what codefix fetched once it is done.

`ImageAcquirer` is made once per command from its `ImageConfig` and shared by every thread:
`ensure(instance)` returns the local image name, pulling it (at most `max_pulls` at once, with
retries and progress) or building it with the swebench harness when asked; `lease(instance)`
marks an instance's use so its image can go when the last user is done; leaving the acquirer
(`with ImageAcquirer(...) as images:`) removes, per the cache level, what is left. Only images
fetched in this run are ever removed: an image present before the run is left alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from codefix.core.instance import Instance
from sandbox.images.image_config import ImageConfig
from sandbox.images.image_pull import DiskSpaceLow, ImageUnavailable, check_free_disk, pull_with_retries, remote_ref
from sandbox.images.image_records import ImageRecords
from sandbox.images.pull_progress import PullProgress

_REMOVED_AT = {"instance": ("none", "base", "env"), "env": ("none", "base"), "base": ("none",)}


def removes(kind: str, cache_level: str) -> bool:
    """Whether `cache_level` removes a fetched image of `kind` (instance/env/base), as the harness's."""
    return cache_level in _REMOVED_AT.get(kind, ())


@dataclass
class Fetched:
    """An image this run pulled or built."""

    name: str
    how: str
    """pulled or built."""
    kind: str = "instance"
    attempts: int = 0
    seconds: float = 0.0
    layers: str = ""
    """What the pull moved, e.g. `3/7 layers, 120.5/450.0 MB` (layers already present count as done)."""


class ImageAcquirer:
    """See the module docstring. `log` receives one-line progress messages. A run gets its
    acquirer from its backend (`sandbox.docker_backend.DockerBackend.images`), on the backend's engine."""

    def __init__(self, config: ImageConfig | None = None, *, client=None, engine: Callable[[], object] | None = None,
                 records: ImageRecords | None = None, log: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, builders=None):
        self.config = config or ImageConfig()
        self._client = client
        self._engine = engine
        """Makes the client of the engine images are acquired on when `client` is not given (its
        backend's; default: the local engine)."""
        self.records = records or default_records()
        self.log = log or (lambda msg: None)
        self._sleep = sleep
        self._builders = builders
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._slots = threading.BoundedSemaphore(self.config.max_pulls)
        self._build_lock = threading.Lock()
        self._users: dict[str, int] = {}
        self.fetched: dict[str, Fetched] = {}
        """Images fetched in this run, by name (removed ones stay listed)."""
        self.removed: list[str] = []

    # naming -----------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            from sandbox.images.images import docker_client

            self._client = (self._engine or docker_client)()
        return self._client

    @property
    def arch(self) -> str:
        from sandbox.evaluation.specs import host_arch

        return self.config.arch or host_arch()

    def image_name(self, instance: Instance) -> str:
        """The local image name the instance's sandboxes start from."""
        if instance.is_swebench:
            from sandbox.evaluation.specs import swebench_image_name

            if instance.image and instance.image != swebench_image_name(instance):
                return instance.image  # a swebench 5 record names its own image
            return swebench_image_name(instance, self.config.namespace, self.arch)
        if instance.image or instance.source is None:
            from sandbox.images.images import image_for

            return image_for(instance)
        from sandbox.images.images import build_local_image

        return build_local_image(instance, client=self.client)[0]  # a local `source`: built (and cached) on this engine

    # acquisition ------------------------------------------------------------------------
    def ensure(self, instance: Instance) -> str:
        """The instance's image name, fetched first when missing; ImageUnavailable otherwise."""
        name = self.image_name(instance)
        if not instance.is_swebench and instance.source is not None:
            return name
        with self._name_lock(name):
            if self.present(name):
                return name
            pulled = ""
            if self.config.pull:
                try:
                    self._pull(name)
                    return name
                except DiskSpaceLow:
                    raise
                except ImageUnavailable as exc:
                    pulled = str(exc)
            if self.config.build_missing and instance.is_swebench:
                try:
                    self._build(instance, name)
                except DiskSpaceLow:
                    raise
                except ImageUnavailable as exc:
                    raise ImageUnavailable(f"{pulled}; {exc}" if pulled else str(exc)) from exc
                return name
            raise ImageUnavailable(self._missing_reason(name, pulled))

    def _missing_reason(self, name: str, pulled: str) -> str:
        """One line naming both ways out: a registry to pull from, or a build."""
        if pulled:
            return (f"{pulled}; pass --registry/--namespace to pull from a mirror, or --build-missing to build "
                    "it with the swebench harness")
        return (f"image {name} is not available locally and pulling is off (--no-pull): pass --pull to pull it "
                f"{'from ' + self.config.registry if self.config.registry else 'from Docker Hub'} "
                "(--registry/--namespace for a mirror) or --build-missing to build it with the swebench harness")

    def _pull(self, name: str) -> None:
        ref = remote_ref(name, self.config.registry)
        with self._slots:
            check_free_disk(self.client, self.config.min_free_gb)
            self.log(f"pulling {ref}")
            start = time.monotonic()
            progress, attempts = pull_with_retries(
                self.client, ref, retries=self.config.retries, backoff=self.config.backoff,
                on_progress=self._progress_logger(ref), sleep=self._sleep,
                on_retry=lambda n, wait, why: self.log(f"pull of {ref} failed (attempt {n}): {why}; retrying in {wait:g} s"),
            )
            if ref != name:
                self._retag(ref, name)
            if not self.present(name):
                raise ImageUnavailable(f"pulled {ref} but no image {name} is there afterwards")
            seconds = time.monotonic() - start
        fetched = Fetched(name, "pulled", attempts=attempts, seconds=round(seconds, 2), layers=progress.line())
        self._note(fetched, source=ref)
        self.log(f"pulled {name} ({progress.line()}, {seconds:.1f} s, {attempts} attempt(s))")

    def _retag(self, ref: str, name: str) -> None:
        from sandbox.images.image_pull import split_ref

        repo, tag = split_ref(name)
        self.client.api.tag(ref, repo, tag)
        self.client.api.remove_image(ref)  # only the tag: `name` still holds the image

    def _build(self, instance: Instance, name: str) -> None:
        from sandbox.images.image_build import build_instance
        from sandbox.images.image_pull import split_ref

        made: list = []
        with self._slots, self._build_lock:
            check_free_disk(self.client, self.config.min_free_gb)
            self.log(f"building the image of {instance.instance_id} with the swebench harness (base → env → instance)")
            start = time.monotonic()
            try:
                built = build_instance(instance, self.client, arch=self.arch, made=made, builders=self._builders)
            finally:
                for image in made:
                    if image.kind != "instance":
                        self._note(Fetched(image.name, "built", kind=image.kind), source="swebench harness")
            if built != name:
                repo, tag = split_ref(name)
                self.client.api.tag(built, repo, tag)
                if any(b.name == built for b in made):
                    self.client.api.remove_image(built)
        self._note(Fetched(name, "built", seconds=round(time.monotonic() - start, 2)), source="swebench harness")
        self.log(f"built {name}")

    def _note(self, fetched: Fetched, *, source: str) -> None:
        with self._lock:
            self.fetched[fetched.name] = fetched
        try:
            image_id = self.client.images.get(fetched.name).id
        except Exception:  # gone already (a concurrent prune): nothing to record
            return
        self.records.add(fetched.name, image_id=image_id, how=fetched.how, kind=fetched.kind, source=source)

    def _progress_logger(self, ref: str) -> Callable[[PullProgress], None]:
        last = {"layers": -1, "at": 0.0}

        def report(progress: PullProgress) -> None:
            now = time.monotonic()
            if progress.layers_done != last["layers"] or now - last["at"] >= 5.0:
                last.update(layers=progress.layers_done, at=now)
                self.log(f"pulling {ref}: {progress.line()}")

        return report

    # use and clean-up -------------------------------------------------------------------
    @contextmanager
    def lease(self, instance: Instance) -> Iterator[str]:
        """The image for the duration of one use of the instance; when the last user of an
        image this run fetched is done, it is removed if the cache level says so."""
        name = self.image_name(instance)
        with self._lock:
            self._users[name] = self._users.get(name, 0) + 1
        try:
            yield self.ensure(instance)
        finally:
            with self._lock:
                self._users[name] -= 1
                last = self._users[name] == 0
            if last:
                self.release(name)

    def release(self, name: str) -> bool:
        """Remove `name` if this run fetched it, nobody uses it and the cache level removes its kind."""
        with self._lock:
            fetched = self.fetched.get(name)
            if fetched is None or name in self.removed or self._users.get(name, 0) > 0:
                return False
            if not removes(fetched.kind, self.config.cache_level):
                return False
            self.removed.append(name)
        return self._remove(name)

    def _remove(self, name: str) -> bool:
        import docker

        from sandbox.docker.pristine import remove_for_image

        try:
            image_id = self.client.images.get(name).id
            self.client.images.remove(name)
        except docker.errors.ImageNotFound:
            image_id = None
        except Exception as exc:  # in use by a container (another run's), or the engine went away: keep it
            why = exc.explanation if isinstance(exc, docker.errors.APIError) and exc.explanation else exc
            self.log(f"kept {name}: {why}")
            with self._lock:
                self.removed.remove(name)
            return False
        if image_id:
            remove_for_image(self.client, image_id)  # its sandboxes' workdir snapshot goes with it
        self.records.drop(name)
        self.log(f"removed {name} (--cache-level {self.config.cache_level})")
        return True

    def finish(self) -> list[str]:
        """Apply the cache level to everything fetched and still here (instances first)."""
        order = {"instance": 0, "env": 1, "base": 2}
        for fetched in sorted(list(self.fetched.values()), key=lambda f: order.get(f.kind, 3)):
            self.release(fetched.name)
        return list(self.removed)

    def __enter__(self) -> ImageAcquirer:
        return self

    def __exit__(self, *exc) -> None:
        self.finish()

    # queries ----------------------------------------------------------------------------
    def present(self, name: str) -> bool:
        import docker

        try:
            self.client.images.get(name)
            return True
        except docker.errors.ImageNotFound:
            return False

    def _name_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._name_locks.setdefault(name, threading.Lock())


def default_records() -> ImageRecords:
    from sandbox.images.images import default_cache_dir

    return ImageRecords(default_cache_dir() / "images" / "acquired.json")
