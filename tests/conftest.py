"""Session-wide test setup: offline litellm, the offline base image, the Docker engine."""

from __future__ import annotations

import os
import uuid

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# Tests build local sandbox images from the offline base image that scripts/setup-docker.sh makes.
os.environ.setdefault("CODEFIX_BASE_IMAGE", "codefix-base:bookworm")

SANDBOX_LABEL = "codefix.sandbox"
# Containers get this session's value on the label, so that concurrent test sessions on one
# engine check and remove only their own (sandbox.docker.live_sandboxes.label_value reads it).
SESSION = os.environ.setdefault("CODEFIX_SANDBOX_SESSION", f"tests-{uuid.uuid4().hex[:12]}")


def _docker_client():
    try:
        import docker

        client = docker.from_env(timeout=30)
        client.ping()
        return client
    except Exception as exc:  # engine absent or unreachable
        return exc


@pytest.fixture(scope="session")
def docker_client():
    """A docker-py client for the real engine. Skips locally without one; fails in CI."""
    client = _docker_client()
    if isinstance(client, Exception):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a Docker engine: {client}")
        pytest.skip(f"no Docker engine: {client}")
    return client


@pytest.fixture(scope="session", autouse=True)
def no_leftover_containers():
    """After the whole session, no container this session labelled may still exist."""
    yield
    client = _docker_client()
    if isinstance(client, Exception):
        return
    left = client.containers.list(all=True, sparse=True, filters={"label": f"{SANDBOX_LABEL}={SESSION}"})
    for c in left:
        c.remove(force=True)
    assert not left, f"containers left behind: {[c.id[:12] for c in left]}"


@pytest.fixture(scope="session")
def local_registry(tmp_path_factory, docker_client):
    """Debian's docker-registry on 127.0.0.1 at a free port, for the whole session."""
    from tests.sandbox.local_registry import LocalRegistry

    registry = LocalRegistry(tmp_path_factory.mktemp("registry")).start()
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def realbench_images(docker_client):
    """{instance id: image id} of the realbench stand-ins of official SWE-bench images."""
    from tests.realbench import require_images

    return require_images(docker_client)


@pytest.fixture(autouse=True)
def fresh_endpoint_limiters():
    """Each test starts with no endpoint limiter: a pause or a learnt pace of one test's endpoint
    (the replay double's is the same in every test) must not slow the next."""
    from agent.models.limiter import no_shared_limiters

    with no_shared_limiters():
        yield
