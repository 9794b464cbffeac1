"""Id and run-id traversal through the commands, as a user (or a hostile dataset) would try it:
an absolute, `../`, NUL-holding or very long instance id (with an `image` field, which used to
make `codefix context` remove a host folder) or run id is refused in one line, before anything is
created or removed outside the runs directory and the cache, or inside them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codefix.cli import main

RECORD = {"repo": "o/r", "base_commit": "a" * 40, "problem_statement": "p", "patch": "", "test_patch": "",
          "FAIL_TO_PASS": "[]", "PASS_TO_PASS": "[]", "version": "1", "image": "codefix-base:bookworm"}


def bad_ids(tmp_path: Path) -> dict[str, str]:
    victim = tmp_path / "victim"
    return {"absolute": str(victim), "parent": "../../victim", "nested parent": "a/../../../victim",
            "NUL": "victim\x00x", "very long": "v" * 300}


COMMANDS = {"context": ["context", "-m", "gold"], "solve": ["solve", "-m", "gold"],
            "generate": ["generate", "-m", "gold"], "evaluate": ["evaluate", "--gold"], "batch": ["batch", "-m", "gold"]}


def tree(root: Path) -> dict[str, tuple]:
    """Every entry under `root` with its kind, size and mtime (what a command could have changed)."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(base) / name
            st = path.lstat()
            out[str(path.relative_to(root))] = (st.st_mode, st.st_size if path.is_file() else 0, st.st_mtime_ns)
    return out


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", ["absolute", "parent", "nested parent", "NUL", "very long"])
def test_a_dataset_with_a_traversal_id_is_refused_and_nothing_is_touched(tmp_path, monkeypatch, capsys, command, kind):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.tex").write_text("years of work")
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("CODEFIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(work)
    iid = bad_ids(tmp_path)[kind]
    dataset = work / "ds.jsonl"
    dataset.write_text(json.dumps({"instance_id": iid, **RECORD}) + "\n")
    select = ["--instances", iid] if command == "batch" else ["-i", iid]
    before = tree(tmp_path)
    code = main([*COMMANDS[command], "-d", str(dataset), *select, "--runs-dir", str(work / "runs"), "--run-id", "r"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "instance_id" in lines[0] and "Traceback" not in err, err
    assert tree(tmp_path) == before
    assert (victim / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("run_id", ["a\x00b", "/abs/run", "..", "../../victim", "r" * 201])
def test_a_traversal_run_id_is_refused_before_the_dataset_is_even_read(tmp_path, capsys, run_id):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("x")
    before = tree(tmp_path)
    code = main(["solve", "-d", str(tmp_path / "absent.jsonl"), "-i", "x", "-m", "gold",
                 "--runs-dir", str(tmp_path / "runs"), "--run-id", run_id])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]  # click's usage error: one line
    assert code == 2 and len(errors) == 1 and "--run-id" in errors[0] and "Traceback" not in err, err
    assert tree(tmp_path) == before
