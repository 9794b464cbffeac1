"""Bad input gives one clear line on stderr, a non-zero exit, and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RECORD = {
    "instance_id": "demo__pkg-1",
    "repo": "demo/pkg",
    "base_commit": "abc123",
    "problem_statement": "Adding two numbers gives the wrong answer.",
    "patch": "",
    "test_patch": "",
    "FAIL_TO_PASS": "[]",
    "PASS_TO_PASS": "[]",
    "version": "1.0",
}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codefix", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "ds.jsonl"
    path.write_text(json.dumps(RECORD) + "\n")
    return path


def assert_clean_failure(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_instance(dataset: Path, tmp_path: Path) -> None:
    proc = run_cli("evaluate", "-d", str(dataset), "-i", "nope__x-1", "--gold", cwd=tmp_path)
    assert_clean_failure(proc, "unknown instance id 'nope__x-1'", str(dataset))


def test_malformed_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(RECORD) + "\n{not json\n")
    proc = run_cli("evaluate", "-d", str(path), "-i", "demo__pkg-1", "--gold", cwd=tmp_path)
    assert_clean_failure(proc, str(path), "line 2", "malformed JSON")


def test_missing_field_in_dataset(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    rec = {k: v for k, v in RECORD.items() if k != "problem_statement"}
    path.write_text(json.dumps(rec) + "\n")
    proc = run_cli("evaluate", "-d", str(path), "-i", "demo__pkg-1", "--gold", cwd=tmp_path)
    assert_clean_failure(proc, "missing field(s) problem_statement")


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "is empty"), (b"   \n", "is empty"), (b"diff\x00\x01\x02", "binary"), (b"\xff\xfe\xfa", "not UTF-8")],
)
def test_bad_patch_file(dataset: Path, tmp_path: Path, content: bytes, needle: str) -> None:
    patch = tmp_path / "fix.patch"
    patch.write_bytes(content)
    proc = run_cli("evaluate", "-d", str(dataset), "-i", "demo__pkg-1", "--patch", str(patch), cwd=tmp_path)
    assert_clean_failure(proc, needle, str(patch))


def test_predictions_missing_field(dataset: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"instance_id": "demo__pkg-1", "model_patch": ""}) + "\n")
    proc = run_cli("evaluate", "-d", str(dataset), "--predictions", str(preds), cwd=tmp_path)
    assert_clean_failure(proc, str(preds), "line 1", "model_name_or_path")


def test_predictions_for_unknown_instance(dataset: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    rec = {"instance_id": "ghost__x-9", "model_name_or_path": "m", "model_patch": "diff"}
    preds.write_text(json.dumps(rec) + "\n")
    proc = run_cli("evaluate", "-d", str(dataset), "--predictions", str(preds), cwd=tmp_path)
    assert_clean_failure(proc, "ghost__x-9")


def test_conflicting_options(dataset: Path, tmp_path: Path) -> None:
    proc = run_cli("evaluate", "-d", str(dataset), cwd=tmp_path)
    assert_clean_failure(proc, "--instance", "--predictions")


def test_missing_dataset_file(tmp_path: Path) -> None:
    proc = run_cli("evaluate", "-d", str(tmp_path / "none.jsonl"), "-i", "x", "--gold", cwd=tmp_path)
    assert_clean_failure(proc, "no such dataset file")


@pytest.mark.parametrize("command", ["solve", "batch", "generate", "context"])
def test_a_budget_with_an_unpriced_model_is_refused_before_anything_runs(command: str, dataset: Path, tmp_path: Path) -> None:
    pick = ["-i", "demo__pkg-1"] if command != "batch" else ["--instances", "demo__pkg-1"]
    args = [command, "-d", str(dataset), *pick, "-m", "openai/codefix-unpriced-alias", "--api-base", "http://127.0.0.1:9/v1",
            "--budget", "1", "--runs-dir", str(tmp_path / "runs")]
    proc = run_cli(*args, cwd=tmp_path)
    assert_clean_failure(proc, "--budget cannot be enforced", "openai/codefix-unpriced-alias", "--price")
    assert not (tmp_path / "runs").exists()  # no run was started


@pytest.mark.parametrize("statement", ["", "  \n\t\n"])
def test_an_empty_problem_statement_is_refused_before_any_call(tmp_path: Path, statement: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({**RECORD, "problem_statement": statement}) + "\n")
    proc = run_cli("solve", "-d", str(path), "-i", "demo__pkg-1", "-m", "gold", "--runs-dir", str(tmp_path / "runs"),
                   cwd=tmp_path)
    assert_clean_failure(proc, "line 1", "problem_statement is empty")
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").rglob("ledger.jsonl"))


@pytest.mark.parametrize("instance_id", ["a..b", "pkg_-1", "pkg___x-1", "pkg.", "pkg-1_"])
def test_an_id_that_cannot_name_a_docker_image_is_one_clear_line(tmp_path: Path, instance_id: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({**RECORD, "instance_id": instance_id}) + "\n")
    proc = run_cli("evaluate", "-d", str(path), "-i", instance_id, "--gold", cwd=tmp_path)
    assert_clean_failure(proc, "line 1", "instance_id", "cannot name a Docker image")


def test_a_full_disk_while_writing_a_run_is_one_clear_line(tmp_path: Path, monkeypatch, capsys) -> None:
    import errno
    import os

    from codefix.cli import main

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("codefix.core.store.os.fsync", full)
    (tmp_path / "run").mkdir()
    assert main(["view", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: no space left on the device") and "run the same command" in err
    assert not list((tmp_path / "run").iterdir())  # no half-written file left
