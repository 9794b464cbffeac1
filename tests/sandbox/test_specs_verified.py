"""All 500 real SWE-bench Verified records (and the 300 Lite ones): the swebench 5 fields they get
at load, and the eval scripts those carry, against what codefix ran under swebench 4.1.

`classic_eval_script_hashes.json` holds the sha256 (first 16 hex digits) of every eval script
codefix made with swebench 4.1 (`sandbox.evaluation.specs.eval_script`, itself checked equal to 4.1's
`make_test_spec(record).eval_script` on all of Verified and Lite), recorded before the move to
swebench 5, and of the fixtures' local scripts. The classic records must keep exactly those
scripts; what runs is swebench 5's `make_test_spec` of the record, which adds only the line
recording the test command's exit status.
"""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from sandbox.evaluation.specs import eval_script, swebench_image_name
from tests.selection.shared_data import SHARED_DATA, need

ROOT = Path(__file__).resolve().parents[2]
DATA = SHARED_DATA / "swebench"
VERIFIED = DATA / "swe_bench_verified.jsonl"
LITE = DATA / "swe_bench_lite.jsonl"
IMAGES = DATA / "verified_docker_images.txt"
HASHES = json.loads((Path(__file__).with_name("classic_eval_script_hashes.json")).read_text())

def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def test_swebench_5_is_the_one_installed():
    import swebench

    assert int(swebench.__version__.split(".")[0]) >= 5, swebench.__version__


def test_all_records_load_with_their_v5_fields(records, dataset):
    from swebench.harness.log_parsers import PARSER_REGISTRY

    assert len(dataset) == len(records) == 500
    assert [i.instance_id for i in dataset] == [r["instance_id"] for r in records]
    assert all(i.is_swebench and i.eval_script and i.image for i in dataset)
    assert {i.log_parser for i in dataset} <= set(PARSER_REGISTRY)
    assert {i.eval_type for i in dataset} == {"pass_and_fail"}
    inst = dataset.get("django__django-11099")
    assert inst.FAIL_TO_PASS and isinstance(inst.FAIL_TO_PASS, list)
    assert inst.log_parser == "parse_log_django"
    assert dataset.get("sympy__sympy-20590").log_parser == "parse_log_sympy"


def test_image_names_match_the_published_list(dataset):
    lines = need(IMAGES).read_text().splitlines()
    assert lines[0].split("\t") == ["instance_id", "prebuilt_eval_image"]
    published = dict(line.split("\t") for line in lines[1:] if line.strip())
    assert len(published) == 500
    assert {inst.instance_id: swebench_image_name(inst) for inst in dataset} == published
    assert {inst.instance_id: inst.image for inst in dataset} == published


def test_the_500_eval_scripts_are_the_ones_codefix_ran_under_swebench_4_1(dataset, no_network):
    assert len(HASHES["verified"]) == 500
    mismatched = [i.instance_id for i in dataset if digest(i.eval_script) != HASHES["verified"][i.instance_id]]
    assert not mismatched, f"eval scripts differ from 4.1's for {mismatched[:5]} ({len(mismatched)})"
    assert not no_network


def test_what_runs_is_swebench_5s_make_test_spec_of_the_record(records, dataset, no_network):
    """swebench 5's spec of each record: the same script with the exit status recorded after the
    tests, and nothing else changed (but swebench 5 strips the script's end, where a test patch that
    only creates files leaves `git checkout <base> ` with a trailing blank: 3 records of 500)."""
    from swebench.harness.utils import make_test_spec

    trailing = 0
    for inst in dataset:
        ran = eval_script(inst)
        assert ran == make_test_spec(inst.to_record()).eval_script
        without = ran.replace("SWEBENCH_TEST_EXIT_CODE=$?\n", "").replace(
            '\necho ">>>>> Test Exit Code: $SWEBENCH_TEST_EXIT_CODE"', "")
        assert without.rstrip() == inst.eval_script.rstrip(), inst.instance_id
        trailing += without != inst.eval_script
    assert trailing == 3
    assert not no_network


def test_the_300_lite_eval_scripts_are_the_ones_codefix_ran_under_swebench_4_1(no_network):
    lite = load_dataset(need(LITE))
    assert len(lite) == len(HASHES["lite"]) == 300
    mismatched = [i.instance_id for i in lite if digest(i.eval_script) != HASHES["lite"][i.instance_id]]
    assert not mismatched and not no_network, mismatched[:5]


def test_the_fixtures_local_scripts_are_unchanged():
    from sandbox.evaluation.local_specs import local_eval_script

    fixtures = load_dataset(ROOT / "data" / "fixtures.jsonl")
    assert {i.instance_id: digest(local_eval_script(i)) for i in fixtures} == HASHES["fixtures"]


def test_eval_script_carries_the_markers_and_test_directives(dataset):
    from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT

    script = eval_script(dataset.get("django__django-11099"))
    start, end = script.index(f": '{START_TEST_OUTPUT}'"), script.index(f": '{END_TEST_OUTPUT}'")
    assert "./tests/runtests.py" in script[start:end] and "auth_tests.test_validators" in script[start:end]
    assert script.startswith("#!/bin/bash\nset -uxo pipefail\nsource /opt/miniconda3/bin/activate\n")
    assert script.rstrip().endswith("tests/auth_tests/test_validators.py")
    assert "SWEBENCH_TEST_EXIT_CODE=$?" in script[start:end]
