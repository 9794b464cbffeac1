"""The acquirer's decisions against an in-memory engine: at most max_pulls pulls at once, one
pull per image however many users ask, removal per cache level and never of an image present
before the run, a clear reason naming both ways out when an image cannot be had."""

from __future__ import annotations

import threading

import docker
import pytest

from codefix.core.instance import Instance
from sandbox.images.image_acquire import ImageAcquirer
from sandbox.images.image_config import ImageConfig
from sandbox.images.image_pull import DiskSpaceLow, ImageUnavailable
from sandbox.images.image_records import ImageRecords


class Engine:
    """Images by name; pulls wait on `gate` (when set) so concurrency can be observed."""

    def __init__(self, registry: set[str], present: set[str] = frozenset(), gate: threading.Event | None = None):
        self.registry, self.local, self.gate = set(registry), {n: f"id-{n}" for n in present}, gate
        self.in_flight = self.most = self.pulls = 0
        self.removed: list[str] = []
        self.lock = threading.Lock()
        self.api, self.images = self, self

    def info(self):
        return {"DockerRootDir": "/"}

    def get(self, name):
        if name not in self.local:
            raise docker.errors.ImageNotFound(name)
        return type("Img", (), {"id": self.local[name], "attrs": {"Size": 1}})()

    def remove(self, name):
        self.removed.append(name)
        self.local.pop(name)

    def remove_image(self, name):
        self.local.pop(name)

    def tag(self, ref, repo, tag):
        self.local[f"{repo}:{tag}"] = self.local[ref]

    def pull(self, repo, tag, stream, decode):
        ref = f"{repo}:{tag}"
        with self.lock:
            self.in_flight += 1
            self.pulls += 1
            self.most = max(self.most, self.in_flight)
        try:
            if self.gate is not None:
                self.gate.wait(5)
            if ref not in self.registry:
                yield {"error": f"manifest for {ref} not found: manifest unknown"}
                return
            self.local[ref] = f"id-{ref}"
            yield {"status": "Pull complete", "id": "l1"}
        finally:
            with self.lock:
                self.in_flight -= 1


def inst(n: int) -> Instance:
    return Instance(instance_id=f"psf__requests-{n}", repo="psf/requests", base_commit="abc", problem_statement="x",
                    version="2.27")


def name(n: int, ns: str = "swebench") -> str:
    return f"{ns}/sweb.eval.x86_64.psf_1776_requests-{n}:latest"


def acquirer(engine, tmp_path, **config) -> ImageAcquirer:
    cfg = ImageConfig(**({"min_free_gb": 0, "arch": "x86_64"} | config))
    return ImageAcquirer(cfg, client=engine, records=ImageRecords(tmp_path / "acquired.json"), sleep=lambda s: None)


def test_pulls_at_once_are_bounded_and_each_image_is_pulled_once(tmp_path):
    gate = threading.Event()
    engine = Engine({name(n) for n in range(6)}, gate=gate)
    images = acquirer(engine, tmp_path, max_pulls=2)
    threads = [threading.Thread(target=images.ensure, args=(inst(n % 6),)) for n in range(12)]
    for t in threads:
        t.start()
    while engine.pulls < 2:
        threading.Event().wait(0.01)
    gate.set()
    for t in threads:
        t.join()
    assert engine.most == 2 and engine.pulls == 6
    assert set(images.records.all()) == {name(n) for n in range(6)}


def test_a_mirror_pull_gets_the_local_name_and_the_lease_removes_it_at_cache_level_none(tmp_path):
    engine = Engine({f"mirror:5000/{name(1, 'ns')}"}, present={name(2, "ns")})
    images = acquirer(engine, tmp_path, registry="mirror:5000", namespace="ns", cache_level="none")
    with images.lease(inst(1)) as image:
        assert image == name(1, "ns") and image in engine.local and f"mirror:5000/{image}" not in engine.local
    assert name(1, "ns") not in engine.local and images.records.all() == {}
    with images.lease(inst(2)):  # present before the run: used, never removed
        pass
    images.finish()
    assert name(2, "ns") in engine.local and engine.removed == [name(1, "ns")]


def test_cache_level_env_removes_instance_images_and_instance_keeps_them(tmp_path):
    engine = Engine({name(1), name(2)})
    with acquirer(engine, tmp_path, cache_level="env") as images:
        images.ensure(inst(1))
    assert name(1) not in engine.local
    with acquirer(engine, tmp_path, cache_level="instance") as images:
        images.ensure(inst(2))
    assert name(2) in engine.local and name(2) in images.records.all()


def test_an_image_in_use_by_another_lease_stays_until_the_last_user_is_done(tmp_path):
    engine = Engine({name(1)})
    images = acquirer(engine, tmp_path, cache_level="none")
    with images.lease(inst(1)):
        with images.lease(inst(1)):
            pass
        assert name(1) in engine.local
    assert name(1) not in engine.local


def test_an_image_that_cannot_be_had_names_both_ways_out(tmp_path):
    images = acquirer(Engine(set()), tmp_path, retries=0)
    with pytest.raises(ImageUnavailable) as info:
        images.ensure(inst(1))
    message = str(info.value)
    assert "manifest unknown" in message and "--build-missing" in message and "--registry" in message
    assert "\n" not in message
    with pytest.raises(ImageUnavailable, match="pulling is off.*--pull.*--build-missing"):
        acquirer(Engine({name(1)}), tmp_path, pull=False).ensure(inst(1))


def test_too_little_disk_stops_before_the_pull(tmp_path):
    engine = Engine({name(1)})
    with pytest.raises(DiskSpaceLow, match="min-free-gb 1e"):
        acquirer(engine, tmp_path, min_free_gb=1e9).ensure(inst(1))
    assert engine.pulls == 0


class Builders:
    """The harness's three steps, recorded; each 'build' makes the image appear in the engine."""

    def __init__(self, engine, fail_env=False):
        self.engine, self.fail_env, self.steps = engine, fail_env, []

    def make_test_spec(self, record, namespace, arch):
        iid = record["instance_id"]
        return type("Spec", (), {"base_image_key": "sweb.base.py.x86_64:latest", "env_image_key": "sweb.env.py.x86_64.e:latest",
                                 "instance_image_key": f"sweb.eval.x86_64.{iid}:latest"})()

    def build_env_images(self, client, specs, force, workers):
        spec = specs[0]
        for key, kind in ((spec.base_image_key, "base"), (spec.env_image_key, "env")):
            if key not in self.engine.local and not (kind == "env" and self.fail_env):
                self.steps.append(kind)
                self.engine.local[key] = f"id-{key}"
        return ([], [spec.env_image_key]) if self.fail_env else ([spec.env_image_key], [])

    def build_instance_image(self, spec, client, logger, nocache):
        self.steps.append("instance")
        self.engine.local[spec.instance_image_key] = "id-inst"

    log_dir = "logs/build_images"


def test_build_missing_runs_base_env_instance_and_cache_levels_apply_to_each(tmp_path):
    engine = Engine(set())
    builders = Builders(engine)
    images = ImageAcquirer(ImageConfig(min_free_gb=0, arch="x86_64", build_missing=True, retries=0, cache_level="env"),
                           client=engine, records=ImageRecords(tmp_path / "a.json"), builders=builders)
    with images:
        assert images.ensure(inst(1)) == name(1)
        assert builders.steps == ["base", "env", "instance"]
        assert "sweb.eval.x86_64.psf__requests-1:latest" not in engine.local  # renamed to the usual name
        images.ensure(inst(2))
        assert builders.steps == ["base", "env", "instance", "instance"]  # base and env reused
    assert {"sweb.base.py.x86_64:latest", "sweb.env.py.x86_64.e:latest"} <= set(engine.local)
    assert name(1) not in engine.local and name(2) not in engine.local
    with ImageAcquirer(ImageConfig(min_free_gb=0, build_missing=True, pull=False, cache_level="none"), client=engine,
                       records=ImageRecords(tmp_path / "a.json"), builders=builders) as images:
        images.ensure(inst(3))
    assert "sweb.env.py.x86_64.e:latest" in engine.local  # built by an earlier run: not this run's to remove


def test_a_failed_build_says_which_step_and_keeps_what_it_made_removable(tmp_path):
    engine = Engine(set())
    images = ImageAcquirer(ImageConfig(min_free_gb=0, build_missing=True, retries=0, cache_level="none"), client=engine,
                           records=ImageRecords(tmp_path / "a.json"), builders=Builders(engine, fail_env=True))
    with pytest.raises(ImageUnavailable, match="manifest unknown.*building the base/env image") as info:
        images.ensure(inst(1))
    assert "\n" not in str(info.value)
    images.finish()
    assert "sweb.base.py.x86_64:latest" not in engine.local
