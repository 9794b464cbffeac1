"""The images of the non-Python fixtures (data/fixtures-multilang.jsonl), as the Docker tests of
those fixtures need them: built by scripts/build_fixture_images.py (which .ci/run calls), each
labelled with its record's base commit."""

from __future__ import annotations

import os

import pytest


def require_fixture_images(client, instances) -> dict[str, str]:
    """{instance id: image} when every instance's image is present at its record's base commit;
    else a skip on a developer's machine and a failure in CI."""
    import docker

    stale = []
    for inst in instances:
        try:
            labels = client.images.get(inst.image).labels or {}
        except docker.errors.ImageNotFound:
            labels = {}
        if labels.get("codefix.fixture.base_commit") != inst.base_commit:
            stale.append(inst.image)
    if stale:
        why = f"fixture images missing or stale ({', '.join(stale)}): python scripts/build_fixture_images.py"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return {inst.instance_id: inst.image for inst in instances}
