"""`codefix context` on a bundled fixture with the gold model: a table, and a rerun that
makes no model call."""

from __future__ import annotations

from pathlib import Path

from codefix.cli import main
from codefix.store import read_json

ROOT = Path(__file__).resolve().parents[2]


def test_context_command_prints_the_ranking_and_a_rerun_calls_no_model(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CODEFIX_CACHE", str(tmp_path / "cache"))
    args = ["context", "-d", str(ROOT / "data/fixtures.jsonl"), "-i", "codefix-fixtures__invoicing-1",
            "-m", "gold", "--run-id", "r", "--runs-dir", str(tmp_path / "runs"), "--concurrency", "4"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "invoicing/formatting.py" in out and "invoicing/money.py" in out
    assert "recall of gold files: 100% packed" in out and "model calls this run: 8," in out
    path = tmp_path / "runs/r/codefix-fixtures__invoicing-1/context.json"
    first = read_json(path)
    assert first["status"] == "done" and first["usage"]["totals"]["calls"] == 8

    assert main(args) == 0
    assert "model calls this run: 0, cost $0.0000" in capsys.readouterr().out
    assert read_json(path) == first


def test_an_unknown_instance_is_one_clear_error(tmp_path, capsys) -> None:
    code = main(["context", "-d", str(ROOT / "data/fixtures.jsonl"), "-i", "nope", "-m", "gold",
                 "--runs-dir", str(tmp_path)])
    assert code == 2 and "unknown instance id 'nope'" in capsys.readouterr().err
