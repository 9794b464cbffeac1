"""Every artefact written goes through the same redaction as sandbox output: a host secret the
model echoes in its own reply (or a script prints) never reaches a file."""

from __future__ import annotations

import json

from agent.generation import GenerationConfig, generate
from codefix.core.ledger import Ledger
from codefix.core.predictions import Prediction, append_prediction
from codefix.core.redaction import redact
from codefix.stages.solve import record_prediction
from codefix.core.store import write_json
from tests.agent.fakes import ScriptedModel, local_sandbox_factory

SECRET = "sk-live-0123456789abcdef\"quoted\\"
FILES = {"calc.py": "def add(a, b):\n    return a - b\n"}


class Inst:
    instance_id = "calc-1"
    problem_statement = "add subtracts"


def test_a_secret_in_replies_and_outputs_is_in_no_artefact(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEFIX_TEST_API_KEY", SECRET)
    script = f"import sys\nprint({SECRET!r})\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n"
    fix = (f"My key is {SECRET}.\n```python\ncalc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n"
           f"    return a + b  # {SECRET}\n>>>>>>> REPLACE\n```\n")

    def answer(messages, stage, meta):
        if any(m["role"] == "assistant" for m in messages):
            return f"Echoing {SECRET}.\nACCEPT"
        return f"<test>\n{script}</test>\n" if stage == "testing" else fix

    out = tmp_path / "out"
    ledger = Ledger.open(out, budget_usd=None)
    results, _ = generate(Inst(), model=ScriptedModel(answer=answer), ledger=ledger,
                          sandbox_factory=local_sandbox_factory(tmp_path / "boxes", FILES), context="c",
                          out_dir=out, config=GenerationConfig(samples=1, workers=1, max_calls=3))
    assert results[0].status == "submitted"
    write_json(out / "ledger.json", {**ledger.to_dict(), "note": SECRET})
    append_prediction(out / "preds.jsonl", Prediction("calc-1", "m", results[0].patch))
    record_prediction(out / "preds2.jsonl", Prediction("calc-1", "m", results[0].patch))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".json", ".jsonl"}
    escaped = json.dumps(SECRET)[1:-1]
    for path in files:
        text = path.read_text()
        assert SECRET not in text and escaped not in text, path
    assert "***" in (out / "trajectories" / "0.editing.traj.json").read_text()


def test_redaction_covers_the_json_escaped_form(monkeypatch):
    monkeypatch.setenv("SOME_TOKEN", 'ab"cd\\ef-long')
    assert redact(json.dumps({"v": 'x ab"cd\\ef-long y'})) == '{"v": "x *** y"}'


def test_a_run_log_masks_secrets_and_keeps_one_line_per_message(tmp_path, monkeypatch):
    from codefix.core.log_file import appending_log

    monkeypatch.setenv("REGISTRY_PASSWORD", SECRET)
    log = appending_log(tmp_path / "images.log")
    log(f"pull failed: https://user:{SECRET}@registry.example/v2/")
    log("pulled x")
    lines = (tmp_path / "images.log").read_text().splitlines()
    assert len(lines) == 2 and SECRET not in lines[0] and "user:***@registry" in lines[0]
    assert lines[1].endswith(" pulled x")
