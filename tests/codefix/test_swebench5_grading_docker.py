"""swebench 5 records and grading on a real instance (psf__requests-6028, its realbench image).

- A v5 record whose `version` has no classic spec, naming its own image (a second tag of the
  realbench image): only the record's `eval_script`, `log_parser` and `eval_type` can grade it;
  `evaluate --gold` resolves it and a wrong patch does not; `solve -m gold:wrong=0.5` resolves it
  (the gold double's reproduction script runs the command between the record's markers).
- On the classic record, patches that cheat the log: one printing `PASSED <test>` for every
  required test when the interpreter exits (no conftest; pytest still exits 1), one making every
  FAIL_TO_PASS test skip; both unresolved. One whose test run is SIGKILLed is an infrastructure
  failure, labelled in eval.json, eval_summary.json and the table, and not unresolved.

The patches are made against the image's own files (read from the image), so they apply.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realbench import VERIFIED, official_name

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
IID = "psf__requests-6028"
V5_IMAGE = "codefix-v5-test/requests:6028"
# an id whose SWE-bench image name exists nowhere: only the record's `image` can start its sandboxes
V5_IID = "codefix-v5__requests-6028"


def codefix(*args, timeout=900) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "codefix", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def evaluate(dataset: Path, tmp_path: Path, run: str, *how: str, iid: str = IID) -> dict:
    proc = codefix("evaluate", "-d", str(dataset), "-i", iid, *how, "--cache-level", "instance",
                   "--runs-dir", str(tmp_path), "--run-id", run)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / run / iid / "eval.json").read_text())
    return report | {"_stdout": proc.stdout, "_summary": json.loads((tmp_path / run / "eval_summary.json").read_text())}


@pytest.fixture(scope="module")
def requests_image(docker_client):
    from tests.realbench import require_images

    require_images(docker_client)
    return docker_client.images.get(official_name(IID))


@pytest.fixture(scope="module")
def classic():
    from codefix.core.datasets import load_dataset

    return load_dataset(VERIFIED).get(IID)


def patch_appending(docker_client, image, path: str, code: str) -> str:
    """A unified diff appending `code` to /testbed/`path` as the image has it."""
    old = docker_client.containers.run(image.id, ["cat", f"/testbed/{path}"], remove=True).decode()
    new = old + ("" if old.endswith("\n") else "\n") + code
    diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    return f"diff --git a/{path} b/{path}\n" + "".join(diff)


def write_patch(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.diff"
    path.write_text(text)
    return path


def test_a_v5_record_whose_version_has_no_classic_spec_grades_with_its_own_fields(
        docker_client, requests_image, classic, tmp_path):
    from agent.models.test_doubles.wrong_patch import derive_wrong_patch

    requests_image.tag(V5_IMAGE)
    try:
        record = classic.to_record() | {"instance_id": V5_IID, "version": "2.27-v5", "image": V5_IMAGE}
        assert set(record) >= {"image", "eval_script", "log_parser", "eval_type"}
        dataset = tmp_path / "v5.jsonl"
        dataset.write_text(json.dumps(record) + "\n")
        gold = evaluate(dataset, tmp_path, "v5-gold", "--gold", iid=V5_IID)
        # pytest exits 1 with the gold patch too: tests outside FAIL_TO_PASS/PASS_TO_PASS fail here
        assert gold["status"] == "resolved" and gold["exit_code"] is not None, gold["reason"]
        wrong = write_patch(tmp_path, "wrong", derive_wrong_patch(classic.patch))
        graded = evaluate(dataset, tmp_path, "v5-wrong", "--patch", str(wrong), iid=V5_IID)
        assert graded["status"] == "unresolved" and graded["fail_to_pass"]["failure"], graded
        # without the record's fields (the classic id: its image is there) it cannot be graded at all
        bare = {k: v for k, v in record.items() if k not in ("image", "eval_script", "log_parser", "eval_type")}
        (tmp_path / "bare.jsonl").write_text(json.dumps(bare | {"instance_id": IID}) + "\n")
        proc = codefix("evaluate", "-d", str(tmp_path / "bare.jsonl"), "-i", IID, "--gold", "--runs-dir",
                       str(tmp_path), "--run-id", "bare")
        assert "no eval_script, and codefix has no classic spec for psf/requests version '2.27-v5'" in (
            proc.stdout + proc.stderr)
    finally:
        docker_client.images.remove(V5_IMAGE, noprune=True)


def test_solve_resolves_a_v5_record_with_half_the_trajectories_wrong(docker_client, requests_image, classic, tmp_path):
    requests_image.tag(V5_IMAGE)
    try:
        dataset = tmp_path / "v5.jsonl"
        record = classic.to_record() | {"instance_id": V5_IID, "version": "2.27-v5", "image": V5_IMAGE}
        dataset.write_text(json.dumps(record) + "\n")
        proc = codefix("solve", "-d", str(dataset), "-i", V5_IID, "-m", "gold:wrong=0.5", "-n", "2", "-w", "2",
                       "--evaluate", "--cache-level", "instance", "--runs-dir", str(tmp_path), "--run-id", "s")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert json.loads((tmp_path / "s" / V5_IID / "eval.json").read_text())["resolved"] is True
    finally:
        docker_client.images.remove(V5_IMAGE, noprune=True)


def test_printed_passed_lines_at_interpreter_exit_are_not_resolved(docker_client, requests_image, classic, tmp_path):
    tests = list(classic.FAIL_TO_PASS) + list(classic.PASS_TO_PASS)
    code = ("import atexit as _atexit\nimport sys as _sys\n"
            "if 'pytest' in _sys.modules:\n"
            f"    _atexit.register(lambda: print('\\n'.join('PASSED ' + t for t in {tests!r}), flush=True))\n")
    forged = write_patch(tmp_path, "forged", patch_appending(docker_client, requests_image, "requests/__init__.py", code))
    report = evaluate(VERIFIED, tmp_path, "forged", "--patch", str(forged))
    assert report["status"] == "unresolved" and report["exit_code"] == 1, report
    # other tests fail in this image too, so swebench 5's exit-status check alone would pass it:
    # the required tests' own FAILED lines before the printed PASSED ones give it away
    assert "both FAILED and PASSED: it does not describe one test run" in report["reason"], report["reason"]
    assert not report["test_infrastructure"]  # no conftest, no plugin: only the exit status tells


def test_a_patch_that_makes_every_fail_to_pass_test_skip_is_not_resolved(
        docker_client, requests_image, classic, tmp_path):
    code = ("import sys as _sys\n"
            "if 'pytest' in _sys.modules:\n"
            "    from requests import utils as _utils\n"
            "    def _skip(*args, **kwargs):\n"
            "        _sys.modules['pytest'].skip('skipped by the patch')\n"
            "    _utils.prepend_scheme_if_needed = _skip\n")
    skipping = write_patch(tmp_path, "skip", patch_appending(docker_client, requests_image, "requests/__init__.py", code))
    report = evaluate(VERIFIED, tmp_path, "skip", "--patch", str(skipping))
    assert report["status"] == "unresolved", report
    assert sorted(report["fail_to_pass"]["failure"]) == sorted(classic.FAIL_TO_PASS)


def test_a_killed_test_run_is_an_infrastructure_failure(docker_client, requests_image, tmp_path):
    code = "import os as _os\nimport sys as _sys\nif 'pytest' in _sys.modules:\n    _os.kill(_os.getpid(), 9)\n"
    killer = write_patch(tmp_path, "killed", patch_appending(docker_client, requests_image, "requests/__init__.py", code))
    report = evaluate(VERIFIED, tmp_path, "killed", "--patch", str(killer))
    assert report["status"] == "infra_failure" and report["infra_failure"] == "killed", report
    assert not report["resolved"] and report["exit_code"] == 137
    assert report["_summary"]["infra_failures"] == {IID: "killed"}
    assert "infrastructure failures (not the patches' verdicts): 1" in report["_stdout"]
