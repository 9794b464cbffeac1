"""All 500 real SWE-bench Verified records: image names and eval scripts as swebench makes them.

The eval script codefix runs must be the one the `swebench` package itself generates
(`make_test_spec(record).eval_script`). swebench 4.1 downloads requirement files while building
a test spec for some repositories, so the comparison runs with the network blocked: every
record whose spec swebench can build offline is compared, the others are counted.
"""

from __future__ import annotations

import json
import socket
from collections import Counter

import pytest

from codefix.datasets import load_dataset
from sandbox.specs import eval_script, swebench_image_name
from tests.selection.shared_data import SHARED_DATA, VERIFIED, need

DATA = SHARED_DATA / "swebench"
IMAGES = DATA / "verified_docker_images.txt"
# swebench 4.1 fetches requirements.txt / environment.yml from GitHub for these repositories.
NETWORK_REPOS = {"django/django", "matplotlib/matplotlib", "pydata/xarray", "pylint-dev/pylint", "pallets/flask"}

class NetworkBlocked(OSError):
    """Raised by every connection attempt while the network is blocked."""


@pytest.fixture
def no_network(monkeypatch):
    """Make every DNS lookup and connection fail at once; count the attempts."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:2])
        raise NetworkBlocked("network blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [json.loads(line) for line in need(VERIFIED).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(need(VERIFIED))


def test_all_records_load(records, dataset):
    assert len(dataset) == len(records) == 500
    assert [i.instance_id for i in dataset] == [r["instance_id"] for r in records]
    assert all(i.is_swebench for i in dataset)
    inst = dataset.get("django__django-11099")
    assert inst.FAIL_TO_PASS and isinstance(inst.FAIL_TO_PASS, list)


def test_image_names_match_the_published_list(dataset):
    lines = need(IMAGES).read_text().splitlines()
    assert lines[0].split("\t") == ["instance_id", "prebuilt_eval_image"]
    published = dict(line.split("\t") for line in lines[1:] if line.strip())
    assert len(published) == 500
    ours = {inst.instance_id: swebench_image_name(inst) for inst in dataset}
    assert ours == published


def test_eval_scripts_equal_what_swebench_generates(records, dataset, no_network):
    from swebench.harness.test_spec.test_spec import make_test_spec

    compared, needed_network, mismatched = Counter(), Counter(), []
    for record in records:
        ours = eval_script(dataset.get(record["instance_id"]))  # must never touch the network
        assert not no_network, f"{record['instance_id']}: codefix's eval script tried the network"
        try:
            theirs = make_test_spec(record).eval_script
        except Exception as exc:
            assert no_network, f"{record['instance_id']}: swebench failed without trying the network: {exc!r}"
            needed_network[record["repo"]] += 1
            no_network.clear()
            continue
        compared[record["repo"]] += 1
        if ours != theirs:
            mismatched.append(record["instance_id"])
    assert not mismatched, f"eval scripts differ from swebench's for {mismatched[:5]} ({len(mismatched)})"
    assert sum(compared.values()) + sum(needed_network.values()) == 500
    assert sum(compared.values()) > 150, compared
    assert set(needed_network) <= NETWORK_REPOS, needed_network
    assert sum(needed_network.values()) == sum(r["repo"] in NETWORK_REPOS for r in records) == 298
    # Every repository swebench can spec offline was compared, each one at least once.
    assert set(compared) >= {"sympy/sympy", "sphinx-doc/sphinx", "scikit-learn/scikit-learn", "astropy/astropy",
                             "pytest-dev/pytest", "psf/requests", "mwaskom/seaborn"}
    print(f"compared {sum(compared.values())}, needed the network {sum(needed_network.values())}: "
          f"{dict(needed_network)}")


def test_eval_script_carries_the_markers_and_test_directives(dataset):
    from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT

    script = eval_script(dataset.get("django__django-11099"))
    start, end = script.index(f": '{START_TEST_OUTPUT}'"), script.index(f": '{END_TEST_OUTPUT}'")
    assert "./tests/runtests.py" in script[start:end] and "auth_tests.test_validators" in script[start:end]
    assert script.startswith("#!/bin/bash\nset -uxo pipefail\nsource /opt/miniconda3/bin/activate\n")
    assert script.rstrip().endswith("tests/auth_tests/test_validators.py")


def test_eval_scripts_of_the_network_repos_equal_swebench_given_any_requirements(
    records, dataset, monkeypatch, no_network
):
    """For the 298 records swebench cannot spec offline, its download only feeds the image
    build script: with the download replaced, its eval script must still equal ours."""
    import swebench.harness.test_spec.python as swebench_python
    from swebench.harness.test_spec.test_spec import make_test_spec

    monkeypatch.setattr(swebench_python, "get_requirements", lambda instance: "requirement-not-fetched\n")
    monkeypatch.setattr(swebench_python, "get_environment_yml", lambda instance, env: "name: testbed\n")
    network = [r for r in records if r["repo"] in NETWORK_REPOS]
    mismatched = [
        r["instance_id"]
        for r in network
        if eval_script(dataset.get(r["instance_id"])) != make_test_spec(r).eval_script
    ]
    assert len(network) == 298 and not mismatched, mismatched[:5]
    assert not no_network


LITE = DATA / "swe_bench_lite.jsonl"


def test_lite_records_load_and_their_eval_scripts_equal_swebench(monkeypatch, no_network):
    """The 300 Lite records (every value a string) too; swebench's download replaced as above."""
    import swebench.harness.test_spec.python as swebench_python
    from swebench.harness.test_spec.test_spec import make_test_spec

    monkeypatch.setattr(swebench_python, "get_requirements", lambda instance: "requirement-not-fetched\n")
    monkeypatch.setattr(swebench_python, "get_environment_yml", lambda instance, env: "name: testbed\n")
    lite = [json.loads(line) for line in need(LITE).read_text(encoding="utf-8").splitlines() if line.strip()]
    dataset = load_dataset(LITE)
    assert len(dataset) == len(lite) == 300
    ours = {r["instance_id"]: eval_script(dataset.get(r["instance_id"])) for r in lite}
    mismatched = [r["instance_id"] for r in lite if ours[r["instance_id"]] != make_test_spec(r).eval_script]
    assert not mismatched and not no_network, mismatched[:5]
