"""Image acquisition against a real engine and a real local registry (Debian's docker-registry on
127.0.0.1): a missing image is pulled under its local name with progress, removed after use at
cache level none; a registry that fails twice is retried; an unreachable one fails in one line.

The images are made here (a unique layer on the offline base image) under a test-only namespace,
so no image another test uses is ever removed."""

from __future__ import annotations

import os
import uuid

import docker
import pytest

from codefix.core.instance import Instance
from sandbox.images.image_acquire import ImageAcquirer
from sandbox.images.image_config import ImageConfig
from sandbox.images.image_pull import ImageUnavailable
from sandbox.images.image_records import ImageRecords
from tests.sandbox.local_registry import FlakyProxy, free_port, push, with_marker_layer

BASE = os.environ.get("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")
INSTANCE = Instance(instance_id="psf__requests-6028", repo="psf/requests", base_commit="abc", problem_statement="x",
                    version="2.27")


@pytest.fixture
def published(docker_client, local_registry):
    """(namespace, image id): a unique image pushed to the registry as the instance's image of a
    fresh namespace, then removed locally; everything is removed again afterwards."""
    namespace = f"codefix-test-{uuid.uuid4().hex[:8]}"
    image_id = with_marker_layer(docker_client, BASE)
    local = f"{namespace}/sweb.eval.x86_64.psf_1776_requests-6028:latest"
    push(docker_client, image_id, f"{local_registry.address}/{local}")  # untagging it then removes the image
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(image_id)
    yield namespace, image_id
    for name in (local, f"{local_registry.address}/{local}", image_id):
        try:
            docker_client.images.remove(name, force=True)
        except docker.errors.ImageNotFound:
            pass


def make(client, tmp_path, **config):
    logs: list[str] = []
    cfg = ImageConfig(**({"min_free_gb": 0.5, "backoff": 0.2} | config))
    return ImageAcquirer(cfg, client=client, records=ImageRecords(tmp_path / "acquired.json"), log=logs.append), logs


def test_a_missing_image_is_pulled_from_the_registry_and_removed_after_use(docker_client, local_registry, published, tmp_path):
    namespace, image_id = published
    images, logs = make(docker_client, tmp_path, registry=local_registry.address, namespace=namespace, cache_level="none")
    name = images.image_name(INSTANCE)
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(name)
    with images.lease(INSTANCE) as got:
        assert got == name and docker_client.images.get(name).id == image_id
        assert not images.present(f"{local_registry.address}/{name}")  # only the local name is kept
        assert images.records.get(name)["how"] == "pulled"
    assert not images.present(name) and images.records.all() == {}
    assert any("layers" in line for line in logs) and any(line.startswith("removed") for line in logs)


def test_a_registry_that_fails_twice_is_retried_until_the_pull_succeeds(docker_client, local_registry, published, tmp_path):
    namespace, image_id = published
    with FlakyProxy(local_registry.address, failures=2) as proxy:
        images, logs = make(docker_client, tmp_path, registry=proxy.address, namespace=namespace, retries=3)
        with images:
            assert images.ensure(INSTANCE) == images.image_name(INSTANCE)
        assert proxy.pulls == 3 and proxy.failed >= 2 and images.fetched[images.image_name(INSTANCE)].attempts == 3
    assert sum("retrying" in line for line in logs) == 2


def test_an_unreachable_registry_fails_with_a_one_line_reason(docker_client, tmp_path):
    images, _ = make(docker_client, tmp_path, registry=f"127.0.0.1:{free_port()}", namespace="codefix-test-none",
                     retries=1)
    with pytest.raises(ImageUnavailable) as info:
        images.ensure(INSTANCE)
    message = str(info.value)
    assert "\n" not in message and "after 2 attempts" in message and "--build-missing" in message


def test_images_command_reports_prefetches_and_prunes_only_what_it_fetched(docker_client, local_registry, published,
                                                                           tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from tests.selection.shared_data import VERIFIED, need

    need(VERIFIED)
    namespace, image_id = published
    env = {**os.environ, "CODEFIX_CACHE": str(tmp_path / "cache"), "COLUMNS": "250"}

    def images(*args):
        proc = subprocess.run([sys.executable, "-m", "codefix", "images", *args, "-d", str(VERIFIED), "--instances",
                               "psf__requests-6028,psf__requests-1142", "--namespace", namespace,
                               "--registry", local_registry.address, "--min-free-gb", "0.5"],
                              cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
                              timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    code, out = images("status")
    assert code == 0 and "0/2 present" in out and "2 missing" in out
    code, out = images("prefetch")  # 1142 is not in the registry: it fails alone, 6028 is fetched
    assert code == 1 and "fetched 1, failed 1" in out and "failed psf__requests-1142: cannot pull" in out
    code, out = images("status")
    assert code == 0 and "1/2 present" in out and "pulled" in out
    assert docker_client.images.get(f"{namespace}/sweb.eval.x86_64.psf_1776_requests-6028:latest").id == image_id
    other = f"{namespace}/sweb.eval.x86_64.psf_1776_requests-1142:latest"
    docker_client.api.tag(image_id, *other.split(":"))  # the user's own image under a selected name
    try:
        code, out = images("prune")
        assert code == 0 and "removed 1 image(s) codefix had fetched" in out
        assert images("status")[1].count("missing") >= 1 and docker_client.images.get(other)
    finally:
        docker_client.images.remove(other, force=True)
