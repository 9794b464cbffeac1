"""A ledger that survives SIGKILL: `solve --budget` (and `batch --budget`) killed at random points
and resumed, ten times. Against the provider's own log of served calls, the recorded spend is what
was paid (a call in flight at a kill is recorded at its worst case, so never less), and the paid
total never passes the budget by more than one call's worst case (a batch's: one per worker),
however many workers a batch runs and however often it is killed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codefix.core.ledger_journal import JOURNAL_NAME, read_journal

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__dotenv-219"
BUDGET = 0.03
"""About 90% of what this solve costs unbounded ($0.034): the budget binds."""
KILLS = 10
EPS = 1e-9


def journal_events(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.is_file() else 0


def run_events(run: Path) -> int:
    """Journal events of every instance of a batch's run."""
    return sum(journal_events(path) for path in run.glob(f"*/{JOURNAL_NAME}"))


def run_until_killed(args: list[str], env: dict, journal: Path, rng: random.Random, events=None) -> int | None:
    """Start codefix, kill it after a random number of new journal events (0: while starting) plus
    a random pause; None when it finished first (its exit code otherwise). `events` counts them
    (default: the lines of `journal`)."""
    events = events or (lambda: journal_events(journal))
    target = events() + rng.randint(0, 6)
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while proc.poll() is None and events() < target and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.3))
    if proc.poll() is not None:
        err = proc.stderr.read()
        assert proc.returncode in (0, 1), err[-2000:]
        return None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode


def check(paid_log: Path, instance_dirs: list[Path], budget: float | None = BUDGET, workers: int = 1) -> dict:
    paid = [json.loads(line)["cost"] for line in paid_log.read_text().splitlines()] if paid_log.is_file() else []
    states = [read_journal(d / JOURNAL_NAME) for d in instance_dirs]
    confirmed = [c["cost"] for s in states for c in s.calls]
    unconfirmed = [u["estimate"] for s in states for u in s.unconfirmed]
    estimates = [json.loads(line)["estimate"] for d in instance_dirs
                 for line in (d / JOURNAL_NAME).read_text().splitlines()
                 if line.strip().startswith("{") and json.loads(line)["kind"] == "reserve"]
    figures = {"paid": sum(paid), "paid_calls": len(paid), "confirmed": sum(confirmed), "confirmed_calls": len(confirmed),
               "unconfirmed": sum(unconfirmed), "unconfirmed_calls": len(unconfirmed), "worst_call": max(estimates, default=0)}
    # every recorded call was served; every served call is recorded, or recorded as in flight
    assert figures["confirmed"] <= figures["paid"] + EPS, figures
    assert figures["paid"] <= figures["confirmed"] + figures["unconfirmed"] + EPS, figures
    assert 0 <= figures["paid_calls"] - figures["confirmed_calls"] <= figures["unconfirmed_calls"], figures
    if not unconfirmed:  # no call was cut off mid-flight: recorded spend is exactly what was paid
        assert figures["paid"] == pytest.approx(figures["confirmed"], abs=EPS), figures
    if budget is not None:
        assert figures["paid"] <= budget + workers * figures["worst_call"] + EPS, figures
    return figures


def test_solve_killed_at_random_points_records_every_paid_call_and_keeps_its_budget(docker_client, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    kills, chains = 0, 0
    while kills < KILLS:
        run_id = f"chain{chains}"
        paid_log = tmp_path / f"{run_id}.paid.jsonl"
        env["CODEFIX_TEST_PAID_LOG"] = str(paid_log)
        args = [sys.executable, "-m", "tests.codefix.paid_calls", "solve", "-d", str(FIXTURES), "-i", INSTANCE,
                "-m", "gold", "-n", "2", "-w", "2", "--budget", str(BUDGET), "--runs-dir", str(tmp_path), "--run-id", run_id]
        journal = tmp_path / run_id / INSTANCE / JOURNAL_NAME
        while kills < KILLS and run_until_killed(args, env, journal, rng) is not None:
            kills += 1
        final = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert final.returncode == 0, f"seed {seed}: " + final.stderr[-2000:]
        figures = check(paid_log, [tmp_path / run_id / INSTANCE])
        recorded = json.loads((tmp_path / run_id / INSTANCE / "ledger.json").read_text())
        assert recorded["totals"]["cost"] + recorded["unconfirmed_usd"] == pytest.approx(
            figures["confirmed"] + figures["unconfirmed"], abs=EPS), f"seed {seed}"
        chains += 1
    assert kills == KILLS


def test_batch_totals_after_kills_are_what_was_really_paid(docker_client, tmp_path):
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "CODEFIX_TEST_PAID_LOG": str(tmp_path / "paid.jsonl")}
    ids = ["codefix-fixtures__dotenv-219", "codefix-fixtures__verspec-7"]
    args = [sys.executable, "-m", "tests.codefix.paid_calls", "batch", "-d", str(FIXTURES), "--instances", ",".join(ids),
            "-m", "gold", "-n", "2", "--pair-workers", "1", "-w", "2", "--budget", "0.05",
            "--runs-dir", str(tmp_path), "--run-id", "b"]
    for _ in range(2):
        run_until_killed(args, env, tmp_path / "b" / ids[0] / JOURNAL_NAME, rng)
    final = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert final.returncode in (0, 1), final.stderr[-2000:]
    figures = check(tmp_path / "paid.jsonl", [tmp_path / "b" / i for i in ids], budget=None)
    spent = json.loads((tmp_path / "b" / "batch.json").read_text())["spent_usd"]
    assert spent == pytest.approx(figures["confirmed"] + figures["unconfirmed"], abs=EPS)
    assert figures["confirmed"] <= spent + EPS and figures["paid"] <= spent + EPS


def journaled(run: Path) -> list[Path]:
    """The instance folders of a batch's run that have a journal (unscheduled ones have none)."""
    return sorted(path.parent for path in run.glob(f"*/{JOURNAL_NAME}"))


def batch_args(tmp_path: Path, run_id: str) -> list[str]:
    return [sys.executable, "-m", "tests.codefix.paid_calls", "batch", "-d", str(FIXTURES), "-m", "gold", "-w", "3",
            "--budget", "0.06", "--runs-dir", str(tmp_path), "--run-id", run_id]


def test_a_batch_of_three_workers_keeps_its_budget(docker_client, tmp_path):
    """Issue 19: `batch -w 3 --budget 0.06` spent $0.132-0.150, each instance capped at what was
    left when it started. Every paid call now passes the run-wide gate."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "CODEFIX_TEST_PAID_LOG": str(tmp_path / "paid.jsonl")}
    done = subprocess.run(batch_args(tmp_path, "w3"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    figures = check(tmp_path / "paid.jsonl", journaled(tmp_path / "w3"), budget=0.06, workers=3)
    assert figures["paid"] > 0.03, figures  # the budget, not something else, stopped the run
    summary = json.loads((tmp_path / "w3" / "batch.json").read_text())
    assert summary["spent_usd"] == pytest.approx(figures["confirmed"], abs=EPS) and summary["budget_stop"]
    assert "committed" in done.stderr and "reserved by" in done.stderr  # the live display shows both


def test_a_batch_of_three_workers_killed_and_resumed_keeps_its_budget(docker_client, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "CODEFIX_TEST_PAID_LOG": str(tmp_path / "paid.jsonl")}
    args, run = batch_args(tmp_path, "k"), tmp_path / "k"
    kills = 0
    while kills < 3 and run_until_killed(args, env, run / "none", rng, events=lambda: run_events(run)) is not None:
        kills += 1
    final = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert final.returncode in (0, 1), f"seed {seed}: " + final.stderr[-2000:]
    figures = check(tmp_path / "paid.jsonl", journaled(run), budget=0.06, workers=3)
    spent = json.loads((run / "batch.json").read_text())["spent_usd"]
    assert spent == pytest.approx(figures["confirmed"] + figures["unconfirmed"], abs=EPS), f"seed {seed}"
