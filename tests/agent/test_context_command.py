"""`codefix context` on a bundled fixture with the gold model: a table, and a rerun that
makes no model call."""

from __future__ import annotations

from pathlib import Path

from codefix.cli import main
from codefix.core.store import read_json

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


def test_a_truncated_context_json_is_named_in_one_line_set_aside_and_redone(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CODEFIX_CACHE", str(tmp_path / "cache"))
    args = ["context", "-d", str(ROOT / "data/fixtures.jsonl"), "-i", "codefix-fixtures__dotenv-219",
            "-m", "gold", "--run-id", "r", "--runs-dir", str(tmp_path / "runs")]
    assert main(args) == 0
    path = tmp_path / "runs/r/codefix-fixtures__dotenv-219/context.json"
    good = read_json(path)
    capsys.readouterr()
    path.write_text(path.read_text()[:100])  # a crash mid-write of an older codefix, or a full disk
    assert main(args) == 0
    err = capsys.readouterr().err
    named = [line for line in err.splitlines() if "damaged" in line]
    assert len(named) == 1 and str(path) in named[0] and "set aside" in named[0] and "Traceback" not in err, err
    assert read_json(path)["status"] == "done" and read_json(path)["packed"] == good["packed"]
    assert len(list(path.parent.glob("context.json.damaged-*"))) == 1


def test_context_takes_a_run_config_file_under_the_options_given(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CODEFIX_CACHE", str(tmp_path / "cache"))
    config = tmp_path / "config.yaml"
    config.write_text("model:\n  name: gold\ncontext:\n  concurrency: 2\n  budget_tokens: 1500\n")
    args = ["context", "-d", str(ROOT / "data/fixtures.jsonl"), "-i", "codefix-fixtures__invoicing-1",
            "--config", str(config), "--concurrency", "3", "--run-id", "r", "--runs-dir", str(tmp_path / "runs")]
    assert main(args) == 0
    assert "(budget 1500)" in capsys.readouterr().out
    stored = read_json(tmp_path / "runs/r/codefix-fixtures__invoicing-1/context.json")["config"]
    assert stored["budget_tokens"] == 1500 and stored["concurrency"] == 3  # the file, under the option given
    assert not (tmp_path / "runs/r/config.yaml").exists()  # context alone records no run configuration
