"""Damaged artefacts (a crash tore them, or something else wrote them) are named in one clear line;
a damaged trajectory is set aside and its pair redone; a torn last predictions line is skipped."""

from __future__ import annotations

import json

import pytest

from agent.generation import GenerationConfig, generate, trajectory_path
from codefix.cli import main
from codefix.core.errors import CodefixWarning, DamagedArtefact, InputError
from codefix.core.predictions import load_predictions
from codefix.core.store import read_json, read_jsonl, read_or_set_aside
from tests.agent.fakes import ScriptedModel, local_sandbox_factory
from tests.agent.test_generation import FIX, SCRIPT, SRC, Inst

FILES = SRC  # the generation tests' one-function repository, its reproduction script and fix


def answer(messages, stage, meta):
    if any(m["role"] == "assistant" for m in messages):
        return "ACCEPT"
    return f"<test>\n{SCRIPT}</test>\n" if stage == "testing" else FIX


@pytest.mark.parametrize("damage", ["truncated", "empty", "not a trajectory"])
def test_a_damaged_trajectory_is_set_aside_and_its_pair_redone(tmp_path, damage):
    factory = local_sandbox_factory(tmp_path / "boxes", FILES)
    config = GenerationConfig(samples=2, workers=1, max_calls=3)
    generate(Inst(), model=ScriptedModel(answer=answer), ledger=None, sandbox_factory=factory, context="c",
             out_dir=tmp_path / "out", config=config)
    path = trajectory_path(tmp_path / "out", 1, "editing")
    text = path.read_text()
    path.write_text({"truncated": text[: len(text) // 2], "empty": "", "not a trajectory": "[1, 2]"}[damage])
    model = ScriptedModel(answer=answer)
    with pytest.warns(CodefixWarning) as caught:
        results, _ = generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="c",
                              out_dir=tmp_path / "out", config=config)
    message = str(caught[0].message)
    assert str(path) in message and "set aside as 1.editing.traj.json.damaged-" in message and "\n" not in message
    assert [c["meta"]["trajectory"] for c in model.calls] == [1, 1]  # only the damaged machine ran again
    assert results[1].status == "submitted" and "+    return a + b" in results[1].patch
    assert len(list(path.parent.glob("1.editing.traj.json.damaged-*"))) == 1


def test_damaged_stage_files_are_named_in_one_line(tmp_path):
    solve = tmp_path / "solve.json"
    solve.write_text('{"instance_id": "a", "status": "sol')
    with pytest.raises(DamagedArtefact) as info:
        read_json(solve)
    assert str(solve) in str(info.value) and "truncated" in str(info.value) and "\n" not in str(info.value)
    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text('{"pair": 0}\n{"pair": 1, "pat\n')
    with pytest.raises(DamagedArtefact, match=r"candidates.jsonl: line 2 is damaged"):
        read_jsonl(candidates)
    with pytest.warns(CodefixWarning, match="solve.json: damaged"):
        assert read_or_set_aside(solve, "redone") is None
    assert not solve.exists() and len(list(tmp_path.glob("solve.json.damaged-*"))) == 1


def test_a_damaged_stage_file_stops_a_command_with_one_line_not_a_traceback(tmp_path, capsys):
    run = tmp_path / "runs" / "r"
    (run / "x").mkdir(parents=True)
    (run / "x" / "solve.json").write_text('{"instance_id": "x", "status": "solved", "patch": "')
    code = main(["report", str(run)])
    err = capsys.readouterr().err
    assert code != 0 and "solve.json: damaged" in err and "Traceback" not in err


def prediction(iid: str) -> str:
    return json.dumps({"instance_id": iid, "model_name_or_path": "m", "model_patch": "diff"})


def test_a_torn_last_predictions_line_is_skipped_with_a_warning(tmp_path):
    path = tmp_path / "preds.jsonl"
    path.write_text(prediction("a") + "\n" + prediction("b") + "\n" + prediction("c")[:25])
    with pytest.warns(CodefixWarning, match=r"preds.jsonl: line 3 is cut short"):
        preds = load_predictions(path)
    assert [p.instance_id for p in preds] == ["a", "b"]
    path.write_text(prediction("a") + "\n" + prediction("b")[:25] + "\n" + prediction("c") + "\n")
    with pytest.raises(InputError, match="line 2: malformed JSON"):
        load_predictions(path)  # damage in the middle is not a torn write: refused


INSTANCE = "codefix-fixtures__dotenv-219"


@pytest.mark.parametrize("command", ["solve", "generate"])
def test_a_damaged_ledger_journal_stops_a_command_in_one_line_before_any_work(tmp_path, capsys, command):
    inst_dir = tmp_path / "runs" / "r" / INSTANCE
    inst_dir.mkdir(parents=True)
    journal = inst_dir / "ledger.jsonl"
    journal.write_text('{"kind": "call", "id": "a", "stage": "testing", "cost": 0.01}\n{garbage}\n'
                       '{"kind": "call", "id": "b", "stage": "testing", "cost": 0.02}\n')
    code = main([command, "-d", "data/fixtures.jsonl", "-i", INSTANCE, "-m", "gold",
                 "--runs-dir", str(tmp_path / "runs"), "--run-id", "r"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and "Traceback" not in err, err
    assert [line for line in lines if str(journal) in line and "line 2 is damaged" in line] == [lines[-1]], err
    assert sorted(p.name for p in inst_dir.iterdir()) == ["ledger.jsonl"]  # no stage ran


def test_a_damaged_ledger_summary_is_named_and_the_journal_is_used(tmp_path, caplog):
    from codefix.core.ledger import Ledger
    from codefix.core.protocols import Completion, Usage
    from codefix.stages.solve import load_ledger

    first = Ledger.open(tmp_path, budget_usd=0.5)
    first.record("testing", Completion("x", Usage(100, 10), 0.125))
    (tmp_path / "ledger.json").write_text('{"budget_usd": 0.5, "tot')
    with caplog.at_level("WARNING", logger="codefix.stages.solve"):
        ledger = load_ledger(tmp_path, None)
    assert caplog.messages == [f"{tmp_path / 'ledger.json'} is damaged; the journal ledger.jsonl is used"]
    assert ledger.spent == pytest.approx(0.125)
