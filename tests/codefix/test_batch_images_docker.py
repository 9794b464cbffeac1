"""`codefix batch` over real SWE-bench instances whose images are not on the machine: missing
images are reported up front, pulled from a local registry (Debian's docker-registry on
127.0.0.1), solved, graded resolved and removed afterwards with --cache-level none, while images
present before the run stay; an instance whose image cannot be had fails alone, in one line.

The pulled images are copies of the realbench images (one extra layer) under a test-only
namespace, so the official-name images other tests use are never removed."""

from __future__ import annotations

import json
import uuid

import docker
import pytest

from tests.codefix.test_realbench_docker import codefix
from tests.realbench import VERIFIED, official_name
from tests.sandbox.local_registry import free_port, push, with_marker_layer

pytestmark = pytest.mark.docker

PULLED = ("sympy__sympy-24443", "psf__requests-6028")
PRESENT = "sympy__sympy-20590"


def in_namespace(namespace: str, instance_id: str) -> str:
    return official_name(instance_id).replace("swebench/", f"{namespace}/", 1)


def present(client, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


@pytest.fixture
def mirrored(docker_client, local_registry, realbench_images):
    """A fresh namespace whose PULLED images are only in the registry and whose PRESENT image is
    on the machine before the run."""
    namespace = f"codefix-test-{uuid.uuid4().hex[:8]}"
    for iid in PULLED:
        push(docker_client, with_marker_layer(docker_client, official_name(iid)),
             f"{local_registry.address}/{in_namespace(namespace, iid)}")
        assert not present(docker_client, in_namespace(namespace, iid))
    before = in_namespace(namespace, PRESENT)
    docker_client.api.tag(official_name(PRESENT), *before.rsplit(":", 1))
    yield namespace
    for iid in (*PULLED, PRESENT):
        for name in (in_namespace(namespace, iid), f"{local_registry.address}/{in_namespace(namespace, iid)}"):
            try:
                docker_client.images.remove(name, force=True)
            except docker.errors.ImageNotFound:
                pass


def test_batch_pulls_solves_grades_and_removes_what_it_pulled(docker_client, local_registry, realbench_images,
                                                               mirrored, tmp_path):
    namespace = mirrored
    ids = ",".join((*PULLED, PRESENT))
    proc = codefix("batch", "-d", str(VERIFIED), "--instances", ids, "-m", "gold", "-n", "1", "-w", "2",
                   "--pair-workers", "2", "--registry", local_registry.address, "--namespace", namespace,
                   "--cache-level", "none", "--evaluate", "--runs-dir", str(tmp_path), "--run-id", "b", timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"images: 1/3 present locally; 2 missing ({', '.join(PULLED)}): pulled from {local_registry.address}" in proc.stderr
    assert "evaluated 3: resolved 3; graded with the network on" in proc.stderr
    log = (tmp_path / "b" / "images.log").read_text()
    for iid in (*PULLED, PRESENT):
        status = json.loads((tmp_path / "b" / iid / "batch_status.json").read_text())
        assert status["status"] == "done" and status["eval"]["resolved"] is True, status
        assert json.loads((tmp_path / "b" / iid / "eval.json").read_text())["resolved"] is True
    for iid in PULLED:
        name = in_namespace(namespace, iid)
        assert f"pulled {name}" in log and f"removed {name}" in log
        assert not present(docker_client, name)
    assert present(docker_client, in_namespace(namespace, PRESENT))  # there before the run: kept
    assert f"removed {in_namespace(namespace, PRESENT)}" not in log
    for iid, image_id in realbench_images.items():  # the official-name images: untouched
        assert docker_client.images.get(official_name(iid)).id == image_id


def unpublished_copy(source_id: str, path) -> str:
    """A dataset row of VERIFIED under an id no image was ever published for (so no machine has
    it, whatever ran there before), written to `path` beside requests-6028's row; the new id."""
    rows = {row["instance_id"]: row for row in map(json.loads, VERIFIED.read_text().splitlines())}
    absent = f"{source_id}-never-published-{uuid.uuid4().hex[:8]}"
    path.write_text(json.dumps(rows["psf__requests-6028"]) + "\n" + json.dumps({**rows[source_id], "instance_id": absent}) + "\n")
    return absent


def test_an_instance_whose_image_cannot_be_had_fails_alone_with_the_reason(realbench_images, tmp_path):
    dataset = tmp_path / "dataset.jsonl"
    absent = unpublished_copy("psf__requests-1142", dataset)
    proc = codefix("batch", "-d", str(dataset), "--instances", f"psf__requests-6028,{absent}", "-m", "gold",
                   "-n", "1", "-w", "2", "--registry", f"127.0.0.1:{free_port()}", "--pull-retries", "1",
                   "--runs-dir", str(tmp_path), "--run-id", "f", timeout=900)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"images: 1/2 present locally; 1 missing ({absent})" in proc.stderr
    done = json.loads((tmp_path / "f" / "psf__requests-6028" / "batch_status.json").read_text())
    failed = json.loads((tmp_path / "f" / absent / "batch_status.json").read_text())
    assert done["status"] == "done"
    assert failed["status"] == "infra_error" and "\n" not in failed["error"]
    assert failed["error"].startswith("ImageUnavailable: cannot pull 127.0.0.1:") and "after 2 attempts" in failed["error"]
    assert "--build-missing" in failed["error"] and f"failed {absent}: ImageUnavailable" in proc.stderr
