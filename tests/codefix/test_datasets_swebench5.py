"""swebench 5 records and dataset spellings: v5 fields kept as given, a classic record's derived at
load, the SWE-bench organisation's aliases (and the old ones), parquet files and save_to_disk
directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefix.core.datasets import DATASET_ALIASES, load_dataset

TEST_PATCH = ("diff --git a/tests/test_a.py b/tests/test_a.py\n--- a/tests/test_a.py\n+++ b/tests/test_a.py\n"
              "@@ -1 +1,2 @@\n x = 1\n+y = 2\n")
CLASSIC = {
    "instance_id": "psf__requests-6028", "repo": "psf/requests", "base_commit": "abc", "problem_statement": "p",
    "patch": "", "test_patch": TEST_PATCH, "FAIL_TO_PASS": '["tests/test_a.py::test_x"]', "PASS_TO_PASS": "[]",
    "version": "2.27",
}
V5 = CLASSIC | {
    "version": "9.9",  # no classic spec: only the record's own script can grade it
    "image": "registry.example/requests:v5",
    "eval_script": "#!/bin/bash\nset -uxo pipefail\n: '>>>>> Start Test Output'\npytest -rA\n: '>>>>> End Test Output'\n",
    "log_parser": "parse_log_pytest_options",
    "eval_type": "pass_and_fail",
    "image_assets": "",
}


def write(path: Path, *records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_classic_record_gets_its_v5_fields_at_load(tmp_path):
    inst = load_dataset(write(tmp_path / "c.jsonl", CLASSIC)).get("psf__requests-6028")
    assert inst.is_swebench
    assert inst.image == "swebench/sweb.eval.x86_64.psf_1776_requests-6028:latest"
    assert inst.log_parser == "parse_log_pytest_options" and inst.eval_type == "pass_and_fail"
    assert "pytest -rA tests/test_a.py\n" in inst.eval_script and "git checkout abc tests/test_a.py" in inst.eval_script


def test_a_v5_record_keeps_its_own_fields(tmp_path):
    inst = load_dataset(write(tmp_path / "v5.jsonl", V5)).get("psf__requests-6028")
    assert inst.is_swebench and inst.source is None
    assert (inst.image, inst.eval_script, inst.log_parser) == (V5["image"], V5["eval_script"], V5["log_parser"])
    assert inst.image_assets == {}


def test_a_classic_record_of_an_unknown_version_loads_without_a_script(tmp_path):
    inst = load_dataset(write(tmp_path / "c.jsonl", CLASSIC | {"version": "9.9"})).get("psf__requests-6028")
    assert inst.is_swebench and inst.eval_script is None and inst.image is None


def test_aliases_name_the_swebench_organisations_datasets_and_keep_the_old_names():
    assert DATASET_ALIASES["verified"] == "SWE-bench/SWE-bench_Verified"
    assert DATASET_ALIASES["lite"] == "SWE-bench/SWE-bench_Lite"
    assert DATASET_ALIASES["multilingual"] == "SWE-bench/SWE-bench_Multilingual"
    assert DATASET_ALIASES["multimodal"] == "SWE-bench/SWE-bench_Multimodal"
    assert DATASET_ALIASES["princeton-nlp/swe-bench_verified"] == "SWE-bench/SWE-bench_Verified"


@pytest.fixture
def hf_dataset():
    datasets = pytest.importorskip("datasets")
    return datasets.Dataset.from_list([{k: v for k, v in V5.items()},
                                       CLASSIC | {"instance_id": "psf__requests-6029", "image": None,
                                                  "eval_script": None, "log_parser": None, "eval_type": None,
                                                  "image_assets": None}])


def test_a_parquet_file_loads(tmp_path, hf_dataset):
    path = tmp_path / "test.parquet"
    hf_dataset.to_parquet(str(path))
    ds = load_dataset(path)
    assert [i.instance_id for i in ds] == ["psf__requests-6028", "psf__requests-6029"]
    assert ds.get("psf__requests-6028").image == V5["image"]
    # the classic row (v5 columns null, as a mixed parquet file has them) got its fields derived
    assert ds.get("psf__requests-6029").image.startswith("swebench/sweb.eval.x86_64.psf_1776_requests-6029")


def test_a_save_to_disk_directory_loads_as_a_dataset_or_a_dataset_dict(tmp_path, hf_dataset):
    import datasets

    hf_dataset.save_to_disk(str(tmp_path / "flat"))
    datasets.DatasetDict({"test": hf_dataset}).save_to_disk(str(tmp_path / "dict"))
    for folder in ("flat", "dict"):
        ds = load_dataset(tmp_path / folder)
        assert len(ds) == 2 and ds.get("psf__requests-6028").eval_script == V5["eval_script"]
