"""One writer per run: a second process is refused with a message naming the holder; the lock of
a process that died (even by SIGKILL) is taken over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from codefix.cli import main
from codefix.core.run_lock import LOCK_NAME, RunInUse, RunLock

HOLD = """
import sys, time
from codefix.core.run_lock import RunLock
lock = RunLock(sys.argv[1], "run r1")
lock.acquire()
print("held", flush=True)
time.sleep(120)
"""


def holder(path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_live_holder_is_named_and_a_killed_one_is_taken_over(tmp_path):
    proc = holder(tmp_path)
    try:
        with pytest.raises(RunInUse) as info:
            RunLock(tmp_path, "run r1").acquire()
        message = str(info.value)
        assert f"pid {proc.pid}" in message and "run r1 is in use" in message and "-c" in message
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with RunLock(tmp_path, "run r1") as lock:
        assert lock.took_over["pid"] == proc.pid  # the dead holder's record, reported
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
    assert (tmp_path / LOCK_NAME).read_text() == ""  # released cleanly: nothing to take over
    with RunLock(tmp_path, "run r1") as lock:
        assert lock.took_over is None


def test_two_locks_in_one_process_exclude_each_other_too(tmp_path):
    with RunLock(tmp_path, "instance a"):
        with pytest.raises(RunInUse):
            RunLock(tmp_path, "instance a").acquire()


def test_a_second_solve_on_a_held_run_is_refused_before_any_work(tmp_path, capsys):
    runs = tmp_path / "runs"
    proc = holder(runs / "busy")
    try:
        code = main(["solve", "-d", "data/fixtures.jsonl", "-i", "codefix-fixtures__dotenv-219", "-m", "gold",
                     "--runs-dir", str(runs), "--run-id", "busy"])
        err = capsys.readouterr().err
        assert code == 3 and f"run busy is in use by pid {proc.pid}" in err and "Traceback" not in err
        assert sorted(p.name for p in (runs / "busy").iterdir()) == [LOCK_NAME]
    finally:
        proc.kill()
        proc.wait()


def test_an_instance_of_a_batch_held_by_another_process_is_refused_and_left_alone(tmp_path, capsys):
    """A duplicated job (e.g. a Ray task retried while the first still runs) must not work on the
    instance the first one holds: it is refused naming the holder; the holder's files stay as they are."""
    runs, iid = tmp_path / "runs", "codefix-fixtures__dotenv-219"
    proc = holder(runs / "b" / iid)
    try:
        before = sorted(p.name for p in (runs / "b" / iid).iterdir())
        with pytest.raises(SystemExit) as ended:  # batch exits 1 when an instance failed
            main(["batch", "-d", "data/fixtures.jsonl", "--instances", iid, "-m", "gold",
                  "--runs-dir", str(runs), "--run-id", "b"])
        err = capsys.readouterr().err
        assert ended.value.code == 1 and "Traceback" not in err, err
        assert f"instance {iid} of run b is in use by pid {proc.pid}" in err and "traceback in" not in err, err
        assert sorted(p.name for p in (runs / "b" / iid).iterdir()) == before == [LOCK_NAME]
        batch = json.loads((runs / "b" / "batch.json").read_text())
        assert f"in use by pid {proc.pid}" in json.dumps(batch), batch
    finally:
        proc.kill()
        proc.wait()
