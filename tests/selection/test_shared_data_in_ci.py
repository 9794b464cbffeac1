"""The shared-data tests skip on a machine without `../shared/data` but fail in CI (env CI set),
like the Docker and realbench tests: CI must not pass by skipping them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.selection.shared_data import need

ROOT = Path(__file__).resolve().parents[2]


def test_an_absent_file_skips_locally_and_fails_in_ci(tmp_path, monkeypatch):
    assert need(tmp_path) == tmp_path
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="shared data absent"):
        need(tmp_path / "absent.jsonl")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs the shared data"):
        need(tmp_path / "absent.jsonl")


def test_in_ci_the_shared_data_tests_fail_when_the_data_is_absent(tmp_path):
    env = {**os.environ, "CI": "true", "CODEFIX_SHARED_DATA": str(tmp_path / "absent")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", "tests/sandbox/test_specs_verified.py",
         "tests/selection/test_submissions.py", "-k", "(verified or eval_script or lite or real) and not fixtures and not installed"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    summary = proc.stdout.strip().splitlines()[-1]
    assert "skipped" not in summary and "passed" not in summary, summary
    assert proc.stdout.count("CI needs the shared data") >= 8, proc.stdout[-2000:]  # 6 spec tests, 2 submission tests
