"""Snapshot volumes belong to the session that made them: `clean --pristine` removes only its
own (all with --all), and a snapshot that failed to populate leaves no half-made volume.
Against a scripted engine (volumes and one helper container)."""

from __future__ import annotations

import docker
import pytest

from codefix.core.errors import SandboxError
from sandbox.docker.pristine import PRISTINE_LABEL, READY_SUFFIX, populate, remove_unused


class ScriptedVolume:
    """TEST DOUBLE of a docker-py volume; `in_use` makes remove() refuse as the engine does."""

    def __init__(self, engine, name: str, labels: dict, in_use: bool = False):
        self.engine, self.name, self.attrs, self.in_use = engine, name, {"Labels": labels}, in_use

    def remove(self):
        if self.in_use:
            raise docker.errors.APIError("volume is in use")
        self.engine.volumes_by_name.pop(self.name, None)


class ScriptedHelper:
    """TEST DOUBLE of the populate helper container: exits with `status`, printing `out`."""

    id = "helper0"

    def __init__(self, status: int, out: str):
        self.status, self.out = status, out

    def start(self):
        pass

    def wait(self, timeout=None):
        return {"StatusCode": self.status}

    def logs(self, **kwargs):
        return self.out.encode()

    def remove(self, force=False):
        pass


class ScriptedEngine:
    """TEST DOUBLE of docker-py's client: volumes by name, and a populate helper."""

    def __init__(self, helper: ScriptedHelper | None = None):
        self.volumes_by_name: dict[str, ScriptedVolume] = {}
        self.helper = helper

    @property
    def volumes(self):
        return self

    @property
    def containers(self):
        return self

    def add(self, name: str, labels: dict, in_use: bool = False) -> None:
        self.volumes_by_name[name] = ScriptedVolume(self, name, labels, in_use)

    def list(self, filters=None):
        key = filters["label"]
        return [v for v in self.volumes_by_name.values() if key in v.attrs["Labels"]]

    def get(self, name):
        if name not in self.volumes_by_name:
            raise docker.errors.NotFound(f"no such volume: {name}")
        return self.volumes_by_name[name]

    def create(self, name=None, labels=None, **kwargs):
        if "command" in kwargs:  # containers.create: the helper
            return self.helper
        self.volumes_by_name.setdefault(name, ScriptedVolume(self, name, dict(labels or {})))
        return self.volumes_by_name[name]


def test_clean_pristine_removes_only_this_sessions_unused_snapshots():
    engine = ScriptedEngine()
    engine.add("codefix-pristine-aaa-v3", {PRISTINE_LABEL: "1", "codefix.sandbox": "mine"})
    engine.add("codefix-pristine-bbb-v3", {PRISTINE_LABEL: "1", "codefix.sandbox": "theirs"})
    engine.add("codefix-pristine-ccc-v3", {PRISTINE_LABEL: "1", "codefix.sandbox": "mine"}, in_use=True)
    engine.add("codefix-pristine-old-v3", {PRISTINE_LABEL: "1"})  # made before sessions were recorded
    assert remove_unused(engine, "mine") == (1, 1)
    assert sorted(engine.volumes_by_name) == ["codefix-pristine-bbb-v3", "codefix-pristine-ccc-v3",
                                              "codefix-pristine-old-v3"]
    assert remove_unused(engine, None) == (2, 1)
    assert sorted(engine.volumes_by_name) == ["codefix-pristine-ccc-v3"]


def test_a_failed_snapshot_leaves_no_half_made_volume(monkeypatch):
    monkeypatch.setenv("CODEFIX_SANDBOX_SESSION", "mine")
    engine = ScriptedEngine(ScriptedHelper(128, "fatal: not a git repository\n"))
    with pytest.raises(SandboxError, match="not a usable git checkout"):
        populate(engine, "img", "codefix-pristine-aaa-v3", "/testbed", {})
    assert engine.volumes_by_name == {}


def test_a_failed_snapshot_keeps_a_volume_another_process_completed_or_uses(monkeypatch):
    engine = ScriptedEngine(ScriptedHelper(1, "boom\n"))
    engine.add("codefix-pristine-aaa-v3" + READY_SUFFIX, {PRISTINE_LABEL: "img"})
    with pytest.raises(SandboxError):
        populate(engine, "img", "codefix-pristine-aaa-v3", "/testbed", {})
    assert "codefix-pristine-aaa-v3" in engine.volumes_by_name
    engine = ScriptedEngine(ScriptedHelper(1, "boom\n"))
    engine.add("codefix-pristine-bbb-v3", {PRISTINE_LABEL: "1"}, in_use=True)
    with pytest.raises(SandboxError):
        populate(engine, "img", "codefix-pristine-bbb-v3", "/testbed", {})
    assert "codefix-pristine-bbb-v3" in engine.volumes_by_name


def test_a_snapshot_records_the_session_that_made_it(monkeypatch):
    monkeypatch.setenv("CODEFIX_SANDBOX_SESSION", "mine")
    engine = ScriptedEngine(ScriptedHelper(0, "12 4\n"))
    assert populate(engine, "img", "codefix-pristine-aaa-v3", "/testbed", {}) == (12, 4)
    assert engine.volumes_by_name["codefix-pristine-aaa-v3"].attrs["Labels"]["codefix.sandbox"] == "mine"
