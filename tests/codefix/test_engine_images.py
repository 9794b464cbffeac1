"""`codefix images` over a pool of engines (no Docker needed): each engine acts with its own
acquirer, an engine that does not answer is one line naming it while the others still act, and
the command exits 1 for it; one engine is reached before any work, as before."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from codefix.cli import main
from codefix.core.errors import EngineUnreachable
from codefix.core.instance import Instance
from codefix.stages.engine_images import engines_of, on_each_engine, prefetch_missing
from tests.realbench import VERIFIED
from tests.sandbox.local_registry import free_port


def inst(n: int) -> Instance:
    return Instance(instance_id=f"repo__x-{n}", repo="o/r", base_commit="0" * 40, problem_statement="p")


class AcquirerDouble:
    """An image acquirer on one engine holding the images `held`; `ensure` records what it fetched."""

    def __init__(self, held: set[str], max_pulls: int = 2):
        self.held, self.fetched = set(held), []
        self.config = SimpleNamespace(max_pulls=max_pulls)
        self._lock = threading.Lock()

    def image_name(self, instance: Instance) -> str:
        return f"img-{instance.instance_id}"

    def present(self, name: str) -> bool:
        return name in self.held

    def ensure(self, instance: Instance) -> str:
        name = self.image_name(instance)
        if instance.instance_id.endswith("-9"):
            raise RuntimeError("manifest unknown")
        with self._lock:
            self.fetched.append(name)
            self.held.add(name)
        return name


class EngineDouble:
    """One engine of a pool: answers or not, with its own acquirer."""

    def __init__(self, engine: str, images: AcquirerDouble, answers: bool = True):
        self.engine, self.images, self.answers, self.checks = engine, images, answers, 0

    def check(self) -> None:
        self.checks += 1
        if not self.answers:
            raise EngineUnreachable(f"cannot reach the Docker engine at {self.engine} (connection refused): start it")


class PoolDouble:
    def __init__(self, *members: EngineDouble):
        self.members = list(members)


def test_prefetch_fills_each_engine_with_what_it_misses_and_a_dead_engine_is_its_own_line():
    a = EngineDouble("tcp://a:1", AcquirerDouble({"img-repo__x-1"}))
    b = EngineDouble("tcp://b:1", AcquirerDouble({"img-repo__x-2"}))
    dead = EngineDouble("tcp://dead:1", AcquirerDouble(set()), answers=False)
    members = engines_of(PoolDouble(a, dead, b))
    assert members == [a, dead, b] and a.checks == 0  # a pool is not reached as a whole
    said = []
    reports = on_each_engine(lambda m: prefetch_missing(m.images, [inst(1), inst(2), inst(9)],
                                                        lambda line: said.append((m.engine, line))), members)
    assert [r.engine for r in reports] == ["tcp://a:1", "tcp://dead:1", "tcp://b:1"]
    assert reports[1].result is None and reports[1].unreachable.startswith("cannot reach the Docker engine at tcp://dead:1")
    assert reports[0].result == (2, {"repo__x-9": "manifest unknown"}) and a.images.fetched == ["img-repo__x-2"]
    assert reports[2].result == (2, {"repo__x-9": "manifest unknown"}) and b.images.fetched == ["img-repo__x-1"]
    assert sorted(said) == [("tcp://a:1", "1/3 present; fetching 2"), ("tcp://b:1", "1/3 present; fetching 2")]


def test_one_engine_is_reached_before_any_work_and_another_error_is_not_taken_for_a_dead_engine():
    lone = EngineDouble("tcp://lone:1", AcquirerDouble(set()), answers=False)
    with pytest.raises(EngineUnreachable):
        engines_of(lone)

    def broken(member):
        raise ValueError("a bug, not an engine that is down")

    with pytest.raises(ValueError):
        on_each_engine(broken, [EngineDouble("tcp://a:1", AcquirerDouble(set()))])


@pytest.mark.parametrize("sub", ["status", "prefetch", "prune"])
def test_a_pool_of_engines_that_do_not_answer_names_each_in_one_line_and_exits_1(sub, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CODEFIX_CACHE", str(tmp_path))
    urls = [f"tcp://127.0.0.1:{free_port()}" for _ in range(2)]
    with pytest.raises(SystemExit) as stop:  # `python -m codefix` exits with it
        main(["images", sub, "-d", str(VERIFIED), "--instances", "psf__requests-6028",
              "--docker-host", urls[0], "--docker-host", urls[1]])
    out, err = capsys.readouterr()
    assert stop.value.code == 1, err
    lines = err.splitlines()
    assert [line.split(" (")[0] for line in lines if line.startswith("cannot reach")] == \
        [f"cannot reach the Docker engine at {url}" for url in urls], err
    assert "present" not in out and "removed" not in out and "fetched" not in out
