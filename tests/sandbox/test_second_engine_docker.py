"""`--docker-host` really moves a run to another engine: a second dockerd (tests/sandbox/second_engine.py)
and Debian's docker-registry on 127.0.0.1 holding a realbench image under a name the local engine
does not have. `solve -m gold` and `evaluate --gold` on the second engine pull the image onto it,
never onto the local engine, and resolve; `--cache-level none` removes it from that engine;
`images status` and `clean` act on that engine and leave the local one alone; `images status|prefetch|prune`
over a pool of both show, fill and prune each engine (a dead third one is its own line). A pool of the local
and the second engine spreads a batch over both, `clean` sweeps both, and when the second engine
is stopped mid-run (the last test: the module's engine is gone after it) its instance finishes on
the local one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import docker
import pytest

from tests.realbench import VERIFIED, official_name
from tests.sandbox.local_registry import push
from tests.sandbox.second_engine import SecondEngine

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
IID = "psf__requests-6028"


@pytest.fixture(scope="module")
def engine():
    second = SecondEngine().start()
    yield second
    second.stop()


@pytest.fixture(scope="module")
def published(docker_client, realbench_images, local_registry):
    """(namespace, local image name) of the realbench image of IID pushed to the registry under a
    fresh namespace: an image name neither engine has."""
    namespace = f"cfx2{uuid.uuid4().hex[:8]}"
    name = official_name(IID).replace("swebench/", f"{namespace}/", 1)
    push(docker_client, realbench_images[IID], f"{local_registry.address}/{name}")
    return namespace, name


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("codefix-cache")


def codefix(*args, cache: Path, timeout=600) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200", "CODEFIX_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "codefix", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def has(client, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def test_solve_gold_runs_on_the_second_engine_and_cache_level_none_removes_the_image_there(
        engine, published, local_registry, docker_client, cache, tmp_path):
    namespace, name = published
    proc = codefix("solve", "-d", str(VERIFIED), "-i", IID, "-m", "gold", "-n", "1", "-w", "1", "--evaluate",
                   "--docker-host", engine.url, "--registry", local_registry.address, "--namespace", namespace,
                   "--cache-level", "none", "--runs-dir", str(tmp_path), "--run-id", "s", cache=cache)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert json.loads((tmp_path / "s" / IID / "eval.json").read_text())["resolved"] is True
    assert f"images: pulled {name}" in proc.stderr and f"images: removed {name} (--cache-level none)" in proc.stderr
    assert not has(engine.client, name)  # pulled there, used there, removed there
    assert not has(docker_client, name)  # never on the local engine
    assert not engine.client.containers.list(all=True)


def test_evaluate_gold_pulls_onto_the_second_engine_only_and_images_status_sees_it_there(
        engine, published, local_registry, docker_client, cache, tmp_path):
    namespace, name = published
    proc = codefix("evaluate", "-d", str(VERIFIED), "-i", IID, "--gold", "--docker-host", engine.url,
                   "--registry", local_registry.address, "--namespace", namespace, "--runs-dir", str(tmp_path),
                   "--run-id", "e", cache=cache)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert json.loads((tmp_path / "e" / IID / "eval.json").read_text())["resolved"] is True
    assert has(engine.client, name) and not has(docker_client, name)
    config = tmp_path / "engine.yaml"
    config.write_text(f"sandbox:\n  docker_host: {engine.url}\n  images:\n    namespace: {namespace}\n")
    on_second = codefix("images", "status", "-d", str(VERIFIED), "--instances", IID, "--config", str(config),
                        cache=cache)
    assert on_second.returncode == 0 and "1/1 present" in on_second.stdout, on_second.stdout + on_second.stderr
    local = codefix("images", "status", "-d", str(VERIFIED), "--instances", IID, "--namespace", namespace, cache=cache)
    assert local.returncode == 0 and "0/1 present" in local.stdout, local.stdout + local.stderr


def test_clean_removes_orphans_on_the_engine_it_is_given_and_not_on_the_local_one(
        engine, published, local_registry, docker_client, cache):
    from sandbox.docker.ownership import OWNER_LABEL, RUN_LABEL, SANDBOX_LABEL, label_value

    ref = f"{local_registry.address}/{published[1]}"
    engine.client.images.pull(ref)
    dead = {SANDBOX_LABEL: label_value(), RUN_LABEL: "gone",
            OWNER_LABEL: f"{socket.gethostname()}:4194303:1"}  # a pid above pid_max: its owner is dead
    there = engine.client.containers.create(ref, command=["true"], labels=dead)
    here = docker_client.containers.create("codefix-base:bookworm", command=["true"], labels=dead)
    try:
        proc = codefix("clean", "--docker-host", engine.url, cache=cache)
        assert proc.returncode == 0 and "removed 1 container" in proc.stdout, proc.stdout + proc.stderr
        with pytest.raises(docker.errors.NotFound):
            engine.client.containers.get(there.id)
        docker_client.containers.get(here.id)  # the local engine's orphan is not this command's
    finally:
        here.remove(force=True)


def test_images_over_a_pool_show_each_engine_and_prefetch_and_prune_act_on_every_one(
        engine, docker_client, local_registry, realbench_images, cache):
    from sandbox.docker.engine import engine_name
    from tests.sandbox.local_registry import free_port

    namespace = f"cfxp{uuid.uuid4().hex[:8]}"
    name = official_name(IID).replace("swebench/", f"{namespace}/", 1)
    push(docker_client, realbench_images[IID], f"{local_registry.address}/{name}")
    local, dead = engine_name(None), f"tcp://127.0.0.1:{free_port()}"
    selection = ("-d", str(VERIFIED), "--instances", IID, "--registry", local_registry.address, "--namespace", namespace)
    pool = ("--docker-host", local, "--docker-host", engine.url)
    try:
        first = codefix("images", "prefetch", *selection, "--docker-host", engine.url, cache=cache)
        assert first.returncode == 0 and "fetched 1, failed 0" in first.stdout, first.stdout + first.stderr
        assert has(engine.client, name) and not has(docker_client, name)
        seen = codefix("images", "status", *selection, *pool, cache=cache)
        assert seen.returncode == 0, seen.stdout + seen.stderr
        assert f"{local}: 0/1 present" in seen.stdout and f"{engine.url}: 1/1 present" in seen.stdout, seen.stdout
        assert f"on {local}" in seen.stdout and f"on {engine.url}" in seen.stdout  # a table per engine
        filled = codefix("images", "prefetch", *selection, *pool, "--docker-host", dead, cache=cache)
        assert filled.returncode == 1, filled.stdout + filled.stderr  # the engine that does not answer
        assert f"{local}: fetched 1, failed 0" in filled.stdout and f"{engine.url}: fetched 0, failed 0" in filled.stdout
        assert [line.startswith(f"cannot reach the Docker engine at {dead} (") for line in filled.stderr.splitlines()
                if dead in line] == [True], filled.stderr
        assert has(docker_client, name)
        pruned = codefix("images", "prune", *selection, *pool, cache=cache)
        assert pruned.returncode == 0, pruned.stdout + pruned.stderr
        assert f"{local}: removed 1 image(s)" in pruned.stdout and f"{engine.url}: removed 1 image(s)" in pruned.stdout
        assert not has(docker_client, name) and not has(engine.client, name)
    finally:
        if has(docker_client, name):
            docker_client.images.remove(name, force=True)


FIXTURES = ROOT / "data" / "fixtures.jsonl"
TWO = "codefix-fixtures__invoicing-1,codefix-fixtures__dotenv-219"


@pytest.fixture(scope="module")
def base_on_second(engine, docker_client):
    """The offline base image local instances are built from, loaded onto the second engine
    (`docker save | docker load` through the API): it has no Docker Hub either."""
    base = os.environ["CODEFIX_BASE_IMAGE"]
    engine.client.api.load_image(docker_client.api.get_image(base))
    return base


def test_a_batch_on_a_pool_of_two_engines_spreads_its_instances_and_clean_sweeps_both(
        engine, base_on_second, docker_client, cache, tmp_path):
    from sandbox.docker.engine import engine_name
    from sandbox.docker.ownership import OWNER_LABEL, RUN_LABEL, SANDBOX_LABEL, label_value

    local = engine_name(None)
    proc = codefix("batch", "-d", str(FIXTURES), "--instances", TWO, "-m", "gold", "-n", "1", "-k", "4", "-w", "2",
                   "--docker-host", local, "--docker-host", engine.url, "--runs-dir", str(tmp_path), "--run-id", "p",
                   cache=cache)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "done 2/2" in proc.stderr, proc.stderr[-3000:]
    built_there = {tag.split("/", 1)[1].split(":")[0] for image in engine.client.images.list(name="codefix-local/*")
                   for tag in image.tags}
    assert len(built_there) == 1, built_there  # one instance on each engine (the local engine took the other)
    dead = {SANDBOX_LABEL: label_value(), RUN_LABEL: "gone", OWNER_LABEL: f"{socket.gethostname()}:4194303:1"}
    orphans = [(client, client.containers.create(base_on_second, command=["true"], labels=dead))
               for client in (docker_client, engine.client)]
    swept = codefix("clean", "--docker-host", local, "--docker-host", engine.url, cache=cache)
    assert swept.returncode == 0, swept.stdout + swept.stderr
    for client, container in orphans:
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(container.id)


def test_stopping_an_engine_of_the_pool_mid_run_finishes_every_instance_on_the_other(
        engine, base_on_second, docker_client, cache, tmp_path):
    import time

    from sandbox.docker.engine import engine_name
    from sandbox.docker.ownership import SANDBOX_LABEL, label_value

    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200", "CODEFIX_CACHE": str(cache)}
    run = subprocess.Popen(
        [sys.executable, "-m", "codefix", "batch", "-d", str(FIXTURES), "--instances", TWO, "-m", "gold", "-n", "2",
         "-k", "4", "-w", "2", "--docker-host", engine_name(None), "--docker-host", engine.url,
         "--runs-dir", str(tmp_path), "--run-id", "stop"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:  # the second engine's instance has started
        if engine.client.containers.list(all=True, sparse=True, filters={"label": f"{SANDBOX_LABEL}={label_value()}"}):
            break
        time.sleep(0.05)
    assert run.poll() is None, "the batch ended before a sandbox started on the second engine"
    engine.kill()
    out, err = run.communicate(timeout=400)
    assert run.returncode == 0, out[-3000:] + err[-3000:]
    assert "done 2/2" in err and "failed 0" in err, err[-3000:]
    statuses = [json.loads((tmp_path / "stop" / iid / "batch_status.json").read_text()) for iid in TWO.split(",")]
    assert sorted(s.get("engine_moves", 0) for s in statuses) == [0, 1], statuses
    assert all(s["status"] == "done" for s in statuses), statuses
