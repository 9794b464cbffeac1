"""Pull bookkeeping as pure functions, and the pull retry loop against a scripted engine."""

from __future__ import annotations

import pytest

from codefix.core.errors import SandboxError
from sandbox.images.image_acquire import removes
from sandbox.images.image_pull import (ImageUnavailable, backoff_delays, is_permanent, pull_with_retries, remote_ref,
                                split_ref)
from sandbox.images.pull_progress import PullProgress

EVENTS = [
    {"status": "Pulling from swebench/sweb.eval.x86_64.psf_1776_requests-6028", "id": "latest"},
    {"status": "Already exists", "id": "aaa"},
    {"status": "Pulling fs layer", "id": "bbb"},
    {"status": "Pulling fs layer", "id": "ccc"},
    {"status": "Downloading", "progressDetail": {"current": 500_000, "total": 2_000_000}, "id": "bbb"},
    {"status": "Downloading", "progressDetail": {"current": 1_000_000, "total": 1_000_000}, "id": "ccc"},
    {"status": "Download complete", "id": "bbb"},
    {"status": "Pull complete", "id": "bbb"},
    {"status": "Digest: sha256:abc"},
]


def test_progress_counts_layers_and_bytes():
    p = PullProgress("img")
    for event in EVENTS[:5]:
        p.update(event)
    assert (p.layers_done, len(p.layers)) == (1, 3)
    assert p.line() == "1/3 layers, 0.5/2.0 MB"
    for event in EVENTS[5:]:
        p.update(event)
    assert p.line() == "2/3 layers, 3.0/3.0 MB" and p.digest == "sha256:abc" and not p.error


def test_an_error_event_is_kept():
    p = PullProgress("img")
    p.update({"errorDetail": {"message": "manifest unknown"}, "error": "manifest unknown"})
    assert p.error == "manifest unknown"


def test_refs_of_a_mirror_and_tags():
    name = "swebench/sweb.eval.x86_64.psf_1776_requests-6028:latest"
    assert remote_ref(name, None) == name
    assert remote_ref(name, "127.0.0.1:5000") == "127.0.0.1:5000/" + name
    assert remote_ref(name, "https://mirror.example/") == "mirror.example/" + name
    assert remote_ref(name, "docker.io") == name
    assert split_ref("127.0.0.1:5000/ns/img:v1") == ("127.0.0.1:5000/ns/img", "v1")
    assert split_ref("127.0.0.1:5000/ns/img") == ("127.0.0.1:5000/ns/img", "latest")


def test_which_failures_are_worth_another_attempt():
    assert is_permanent("manifest for x:latest not found: manifest unknown")
    assert is_permanent("pull access denied for x, repository does not exist")
    assert not is_permanent("Get http://127.0.0.1:5000/v2/: dial tcp: connection refused")
    assert not is_permanent("received unexpected HTTP status: 503 Service Unavailable")
    assert backoff_delays(3, 2.0) == [2.0, 4.0, 8.0] and backoff_delays(0, 2.0) == []


@pytest.mark.parametrize("level,kept", [("none", set()), ("base", {"base"}), ("env", {"base", "env"}),
                                        ("instance", {"base", "env", "instance"})])
def test_cache_levels_remove_like_the_harness(level, kept):
    assert {k for k in ("instance", "env", "base") if not removes(k, level)} == kept


class ScriptedApi:
    """An engine whose pulls fail with the given messages first, then succeed."""

    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = 0

    def pull(self, repo, tag, stream, decode):
        self.calls += 1
        if self.failures:
            yield {"error": self.failures.pop(0)}
            return
        yield from EVENTS


class ScriptedClient:
    def __init__(self, failures):
        self.api = ScriptedApi(failures)


def test_a_pull_that_fails_twice_then_succeeds_is_retried_with_backoff():
    client, waits, notes = ScriptedClient(["503 Service Unavailable", "connection reset"]), [], []
    progress, attempts = pull_with_retries(client, "img", retries=3, backoff=2.0, sleep=waits.append,
                                           on_retry=lambda n, w, why: notes.append((n, w, why)))
    assert attempts == 3 and client.api.calls == 3 and waits == [2.0, 4.0]
    assert [n for n, _, _ in notes] == [1, 2] and progress.layers_done == 2


def test_giving_up_says_why_in_one_line_and_permanent_failures_are_not_retried():
    client, waits = ScriptedClient(["dial tcp 127.0.0.1:1: connect:\nconnection refused"] * 5), []
    with pytest.raises(ImageUnavailable) as info:
        pull_with_retries(client, "img", retries=2, backoff=0.5, sleep=waits.append)
    assert "\n" not in str(info.value) and "after 3 attempts" in str(info.value) and waits == [0.5, 1.0]
    client = ScriptedClient(["manifest unknown"])
    with pytest.raises(ImageUnavailable, match="manifest unknown"):
        pull_with_retries(client, "img", retries=3, backoff=1.0, sleep=waits.append)
    assert client.api.calls == 1
    assert issubclass(ImageUnavailable, SandboxError)  # an infrastructure failure, never a verdict
