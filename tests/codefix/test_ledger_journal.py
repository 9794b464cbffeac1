"""A ledger that survives a kill: every reserve and call is journaled as it happens, replayed on
open; a call in flight at a crash counts at its estimate; a torn last line is skipped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from codefix.core.errors import BudgetExceeded, InputError
from codefix.core.ledger import Ledger, journal_spent
from codefix.core.ledger_journal import JOURNAL_NAME, read_journal
from codefix.core.protocols import Completion, Usage


def completion(cost: float) -> Completion:
    return Completion("x", Usage(100, 10), cost)


def paid_call(ledger: Ledger, stage: str, cost: float, estimate: float = 1.0) -> None:
    with ledger.reserve(estimate):
        ledger.record(stage, completion(cost), {"trajectory": 0})


def test_calls_are_journaled_when_they_return_and_replayed_on_open(tmp_path):
    ledger = Ledger.open(tmp_path, budget_usd=10.0)
    paid_call(ledger, "testing", 0.25)
    paid_call(ledger, "editing", 0.5)
    with pytest.raises(RuntimeError):
        with ledger.reserve(1.0):  # the provider failed: nothing paid, released
            raise RuntimeError("server down")
    again = Ledger.open(tmp_path, budget_usd=10.0)
    assert again.spent == pytest.approx(0.75) and again.unconfirmed_usd == 0
    assert again.by_stage()["editing"]["calls"] == 1 and again.calls[0]["meta"] == {"trajectory": 0}
    kinds = [json.loads(line)["kind"] for line in (tmp_path / JOURNAL_NAME).read_text().splitlines()]
    assert kinds == ["reserve", "call", "reserve", "call", "reserve", "release"]


def test_a_call_in_flight_at_a_crash_counts_at_its_estimate_against_the_budget(tmp_path):
    ledger = Ledger.open(tmp_path, budget_usd=1.0)
    paid_call(ledger, "testing", 0.25)
    journal = tmp_path / JOURNAL_NAME
    with journal.open("a") as fh:  # what a process killed inside a call leaves: a reserve, nothing after
        fh.write(json.dumps({"kind": "reserve", "id": "lost", "estimate": 0.5}) + "\n")
    resumed = Ledger.open(tmp_path, budget_usd=1.0)
    assert resumed.unconfirmed_usd == pytest.approx(0.5) and resumed.spent == pytest.approx(0.75)
    assert resumed.totals()["cost"] == pytest.approx(0.25)  # confirmed calls only
    with pytest.raises(BudgetExceeded):
        resumed.check(0.3)
    assert resumed.to_dict()["unconfirmed_usd"] == pytest.approx(0.5)
    assert journal_spent(tmp_path) == pytest.approx(0.75)


def test_a_torn_last_line_is_skipped_with_a_warning_and_appending_goes_on(tmp_path):
    ledger = Ledger.open(tmp_path)
    paid_call(ledger, "testing", 0.25)
    journal = tmp_path / JOURNAL_NAME
    with journal.open("a") as fh:
        fh.write('{"kind": "call", "id": "x", "stage": "testing", "co')  # killed mid-write
    resumed = Ledger.open(tmp_path)
    assert resumed.spent == pytest.approx(0.25)
    assert len(resumed.warnings) == 1 and "line 3 is torn" in resumed.warnings[0] and str(journal) in resumed.warnings[0]
    paid_call(resumed, "editing", 0.5)  # the next event starts on its own line
    final = Ledger.open(tmp_path)
    assert final.spent == pytest.approx(0.75) and len(final.warnings) == 1


def test_a_damaged_line_in_the_middle_is_named_not_guessed(tmp_path):
    journal = tmp_path / JOURNAL_NAME
    journal.write_text('{"kind": "call", "cost": 1}\n{garbage}\n{"kind": "call", "cost": 2}\n')
    with pytest.raises(InputError, match=r"ledger.jsonl: line 2 is damaged"):
        read_journal(journal)



@pytest.mark.parametrize("damage", ["garbage without a brace", '{"cost": 3', "x", '"kind": "call"'])
def test_damage_in_the_middle_is_refused_even_without_a_closing_brace(tmp_path, damage):
    journal = tmp_path / JOURNAL_NAME
    journal.write_text(f'{{"kind": "call", "cost": 1}}\n{damage}\n{{"kind": "call", "cost": 2}}\n')
    with pytest.raises(InputError, match=r"ledger.jsonl: line 2 is damaged"):
        read_journal(journal)


@pytest.mark.parametrize("cut", ['{"kind": "call", "id": "x", "co', '{"kin', "{"])
def test_a_torn_event_a_later_run_appended_after_is_skipped_with_a_warning(tmp_path, cut):
    journal = tmp_path / JOURNAL_NAME
    journal.write_text(f'{{"kind": "call", "cost": 1}}\n{cut}\n{{"kind": "call", "cost": 2}}\n')
    state = read_journal(journal)
    assert [c["cost"] for c in state.calls] == [1, 2] and "line 2 is torn" in state.warnings[0]


def test_an_older_runs_summary_is_carried_into_the_journal(tmp_path):
    old = Ledger(budget_usd=5.0)
    old.record("relevance", completion(0.125))
    (tmp_path / "ledger.json").write_text(json.dumps(old.to_dict()))
    ledger = Ledger.open(tmp_path)
    assert ledger.spent == pytest.approx(0.125) and (tmp_path / JOURNAL_NAME).is_file()
    assert Ledger.open(tmp_path).spent == pytest.approx(0.125)  # carried once


def test_concurrent_calls_are_all_journaled(tmp_path):
    ledger = Ledger.open(tmp_path, budget_usd=100.0)
    threads = [threading.Thread(target=lambda: [paid_call(ledger, "testing", 0.01) for _ in range(25)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Ledger.open(tmp_path).totals()["calls"] == 200
    assert Ledger.open(tmp_path).spent == pytest.approx(2.0)


KILLED = """
import os, signal, sys
from codefix.core.ledger import Ledger
from codefix.core.protocols import Completion, Usage
ledger = Ledger.open(sys.argv[1], budget_usd=1.0)
with ledger.reserve(0.2):
    ledger.record("testing", Completion("x", Usage(1, 1), 0.1))
with ledger.reserve(0.3):
    os.kill(os.getpid(), signal.SIGKILL)  # killed while the call is in flight
"""


def test_sigkill_mid_call_loses_no_record(tmp_path):
    proc = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.returncode == -signal.SIGKILL
    ledger = Ledger.open(tmp_path, budget_usd=1.0)
    assert ledger.totals()["cost"] == pytest.approx(0.1) and ledger.unconfirmed_usd == pytest.approx(0.3)
    assert ledger.remaining == pytest.approx(0.6)


def test_reports_read_the_journal_without_writing(tmp_path):
    from codefix.core.ledger import journal_by_stage

    assert journal_by_stage(tmp_path) is None
    ledger = Ledger.open(tmp_path)
    paid_call(ledger, "testing", 0.25)
    paid_call(ledger, "testing", 0.25)
    with (tmp_path / JOURNAL_NAME).open("a") as fh:
        fh.write(json.dumps({"kind": "reserve", "id": "cut", "estimate": 0.4}) + "\n")
    before = (tmp_path / JOURNAL_NAME).read_bytes()
    stages = journal_by_stage(tmp_path)
    assert stages["testing"]["calls"] == 2 and stages["testing"]["cost"] == pytest.approx(0.5)
    assert stages["unconfirmed"] == {**stages["unconfirmed"], "calls": 1, "cost": pytest.approx(0.4)}
    assert (tmp_path / JOURNAL_NAME).read_bytes() == before
