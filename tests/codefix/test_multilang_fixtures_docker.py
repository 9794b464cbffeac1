"""The non-Python fixtures end to end in Docker (data/fixtures-multilang.jsonl; images built offline
by scripts/build_fixture_images.py, which .ci/run calls): a JavaScript repository tested with
`node --test` and a Go module tested with `go test`, as swebench 5 records in images without Python.

- `codefix evaluate` grades the gold patches resolved and the wrong patches unresolved, reading
  node's TAP and go's verbose output with swebench 5's own parsers;
- `codefix context -m gold` ranks the fixed file first and reads none of the test files
  (`*.test.js`, `_test.go`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from tests.codefix.multilang_images import require_fixture_images

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "fixtures-multilang.jsonl"
INSTANCES = list(load_dataset(DATASET))
TEST_FILES = {
    "codefix-fixtures__qsparse-23": ["src/keys.test.js", "src/parse.test.js", "src/stringify.test.js"],
    "codefix-fixtures__textwrap-9": ["align_test.go", "indent_test.go", "width_test.go", "wrap_test.go"],
}


def codefix(*args: str, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200", "CODEFIX_CACHE": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "codefix", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def fixture_images(docker_client):
    return require_fixture_images(docker_client, INSTANCES)


def grade_all(tmp_path: Path, run: str, patch_of) -> dict[str, dict]:
    preds = tmp_path / f"{run}.jsonl"
    preds.write_text("".join(json.dumps({"instance_id": i.instance_id, "model_name_or_path": run,
                                         "model_patch": patch_of(i)}) + "\n" for i in INSTANCES))
    codefix("evaluate", "-d", str(DATASET), "-p", str(preds), "-w", "2", "--offline-eval", "--cache-level",
            "instance", "--runs-dir", str(tmp_path / "runs"), "--run-id", run, cache=tmp_path / "cache")
    return {i.instance_id: json.loads((tmp_path / "runs" / run / i.instance_id / "eval.json").read_text())
            for i in INSTANCES}


def test_gold_patches_resolve_and_wrong_ones_do_not_in_images_without_python(docker_client, fixture_images, tmp_path):
    for image in fixture_images.values():  # the non-Python path needs no Python in the image
        probe = "command -v python3 python || echo none; node --version; go version"
        assert docker_client.containers.run(image, ["sh", "-c", probe], remove=True, network_mode="none").startswith(b"none")
    gold = grade_all(tmp_path, "gold", lambda inst: inst.patch)
    for inst in INSTANCES:
        report = gold[inst.instance_id]
        assert report["status"] == "resolved" and report["exit_code"] == 0, report
        assert sorted(report["fail_to_pass"]["success"]) == sorted(inst.FAIL_TO_PASS)
        assert sorted(report["pass_to_pass"]["success"]) == sorted(inst.PASS_TO_PASS)
    wrong = grade_all(tmp_path, "wrong", lambda inst: inst.wrong_patch)
    for inst in INSTANCES:
        report = wrong[inst.instance_id]
        # the wrong patch fixes part of the bug: some FAIL_TO_PASS pass, at least one still fails
        assert report["status"] == "unresolved" and report["exit_code"] == 1, report
        assert report["fail_to_pass"]["failure"] and report["fail_to_pass"]["success"], report
        assert not report["pass_to_pass"]["failure"], report


def test_context_ranks_the_fixed_file_first_and_reads_no_test_file(fixture_images, tmp_path):
    for inst in INSTANCES:
        codefix("context", "-d", str(DATASET), "-i", inst.instance_id, "-m", "gold", "--runs-dir",
                str(tmp_path / "runs"), "--run-id", "c", cache=tmp_path / "cache")
        context = json.loads((tmp_path / "runs" / "c" / inst.instance_id / "context.json").read_text())
        gold_files = context["recall"]["gold_files"]
        assert context["status"] == "done" and context["ranking"][: len(gold_files)] == gold_files
        assert [p["path"] for p in context["packed"]][: len(gold_files)] == gold_files
        skipped = context["files"]["skipped"]
        assert skipped == [{"path": p, "reason": "test"} for p in TEST_FILES[inst.instance_id]]
        judged = set(context["relevance"])
        assert len(judged) == context["files"]["read"] >= 5 and not judged & set(TEST_FILES[inst.instance_id])
