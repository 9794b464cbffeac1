"""Loading local instances: the SWE-bench schema, `source`, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.errors import InputError

BASE = {
    "instance_id": "demo__pkg-1",
    "repo": "demo/pkg",
    "base_commit": "abc",
    "problem_statement": "It breaks.",
    "patch": "",
    "test_patch": "",
    "FAIL_TO_PASS": '["tests/test_a.py::test_x"]',
    "PASS_TO_PASS": [],
    "version": 1.0,
}


def write(tmp_path: Path, *records, name: str = "ds.jsonl") -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(list(records)))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_jsonl_with_json_encoded_lists_and_numeric_version(tmp_path: Path) -> None:
    ds = load_dataset(write(tmp_path, BASE))
    inst = ds.get("demo__pkg-1")
    assert inst.FAIL_TO_PASS == ["tests/test_a.py::test_x"]
    assert inst.version == "1.0"
    assert inst.is_swebench


def test_json_list_and_source_resolved_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "src" / "proj").mkdir(parents=True)
    rec = {**BASE, "source": "src/proj", "test_cmd": "pytest -rA"}
    del rec["base_commit"]
    ds = load_dataset(write(tmp_path, rec, name="ds.json"))
    inst = ds.get("demo__pkg-1")
    assert inst.source == (tmp_path / "src" / "proj").resolve()
    assert not inst.is_swebench and inst.test_cmd == "pytest -rA"


def test_extra_swebench_columns_are_kept(tmp_path: Path) -> None:
    inst = load_dataset(write(tmp_path, {**BASE, "difficulty": "<15 min fix"})).get("demo__pkg-1")
    assert inst.model_extra["difficulty"] == "<15 min fix"
    assert json.loads(inst.to_record()["FAIL_TO_PASS"]) == ["tests/test_a.py::test_x"]


@pytest.mark.parametrize(
    ("records", "needle"),
    [
        ([BASE, BASE], "appears twice"),
        ([{**BASE, "FAIL_TO_PASS": "[oops"}], "FAIL_TO_PASS"),
        ([{**BASE, "source": "missing/dir"}], "source directory 'missing/dir' not found"),
        ([["not", "an", "object"]], "expected a JSON object"),
    ],
)
def test_errors_name_the_file_and_the_problem(tmp_path: Path, records, needle: str) -> None:
    path = write(tmp_path, *records)
    with pytest.raises(InputError) as err:
        load_dataset(path)
    assert needle in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    with pytest.raises(InputError, match="holds no instances"):
        load_dataset(path)
