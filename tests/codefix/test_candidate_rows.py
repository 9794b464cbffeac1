"""candidates.jsonl rows describe themselves: generation stores each row's candidate id and test id,
readers take them from the row (a row of an older run gets them once, at load), and a run written
before `generation_config.json` was dropped still loads and resumes."""

from __future__ import annotations

import json

import pytest

from codefix.core.candidate_rows import with_ids
from codefix.cli import main
from codefix.stages.generation_only import run_generation
from codefix.stages.run_config import RunConfig, record_run_config
from codefix.core.store import read_jsonl, write_json
from codefix.view.instance_data import Keys, instance_view
from selection.candidate_rows import patch_id
from selection.candidates import build_pool
from selection.voting import script_id
from tests.agent.fakes import ScriptedModel, local_sandbox_factory
from tests.agent.test_generation import FIX, SCRIPT, SRC, Inst

PATCH = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n" \
        "-    return a - b\n+    return a + b\n"


def fixed(messages, stage, meta):
    seen = sum(m["role"] == "assistant" for m in messages)
    if stage == "testing":
        return f"<test>\n{SCRIPT}</test>" if seen == 0 else "ACCEPT"
    return FIX if seen == 0 else "ACCEPT"


def test_generation_stores_the_candidate_id_and_test_id_selection_uses(tmp_path):
    from agent.generation import GenerationConfig

    run_generation(Inst(), model=ScriptedModel(answer=fixed), ledger=None,
                   sandbox_factory=local_sandbox_factory(tmp_path, SRC), context="ctx", out_dir=tmp_path / "out",
                   config=GenerationConfig(samples=2, workers=1, max_calls=3))
    rows = read_jsonl(tmp_path / "out" / "candidates.jsonl")
    pool = build_pool("calc-1", [(r["patch"], f"pair-{r['pair']}", [r["test"]]) for r in rows])
    assert [r["pair"] for r in rows] == [0, 1]
    assert {r["id"] for r in rows} == {c.id for c in pool.candidates} and len(pool.candidates) == 1
    assert {r["test_id"] for r in rows} == {script_id(SCRIPT)}


def test_legacy_rows_get_their_ids_once_and_stored_ids_are_kept():
    calls = []

    def candidate_of(patch):
        calls.append(patch)
        return f"c:{patch}"

    rows = [{"pair": 0, "patch": "p", "test": "t"}, {"pair": 1, "id": "kept", "test_id": "kept-t", "patch": "q"},
            {"pair": 2, "patch": "", "test": ""}, "not a row"]
    out = with_ids(rows, candidate_of, lambda test: f"t:{test}")
    assert out[0] == {"pair": 0, "patch": "p", "test": "t", "id": "c:p", "test_id": "t:t"}
    assert out[1] == rows[1] and out[2]["id"] == "" and out[2]["test_id"] == "" and out[3] == "not a row"
    assert calls == ["p"] and "id" not in rows[0]  # the stored rows are not rewritten


def refusing(text):
    raise AssertionError(f"recomputed an id the row stores: {text[:40]!r}")


def test_the_view_reads_stored_ids_without_recomputing_them(tmp_path):
    inst_dir = tmp_path / "run" / "calc-1"
    inst_dir.mkdir(parents=True)
    (inst_dir / "candidates.jsonl").write_text(json.dumps(
        {"pair": 0, "id": "abc123", "test_id": "t0", "status": "submitted", "patch": PATCH, "test": SCRIPT}) + "\n")
    page = instance_view(inst_dir, Keys(candidate=refusing, script=refusing), limit=1000)
    assert [p["candidate"] for p in page["pairs"]] == ["abc123"]


INSTANCE = "codefix-fixtures__dotenv-219"


@pytest.fixture
def legacy_run(tmp_path):
    """A run as codefix wrote it before candidates rows carried ids and while generation wrote
    generation_config.json: finished, with its config.yaml."""
    run = tmp_path / "runs" / "r"
    inst_dir = run / INSTANCE
    inst_dir.mkdir(parents=True)
    record_run_config(run, RunConfig.model_validate({"model": {"name": "gold"}}))
    write_json(inst_dir / "generation_config.json", {"samples": 3, "max_calls": 8, "temperature": 0.5})
    (inst_dir / "candidates.jsonl").write_text(json.dumps(
        {"pair": 0, "status": "submitted", "before": 2, "after": 0, "patch": PATCH, "test": SCRIPT}) + "\n")
    write_json(inst_dir / "solve.json", {"instance_id": INSTANCE, "status": "solved", "patch": PATCH,
                                         "method": "only_candidate", "candidates": 1, "complete": True})
    return run


def test_a_legacy_run_with_generation_config_json_resumes(legacy_run, capsys):
    code = main(["solve", "-d", "data/fixtures.jsonl", "-i", INSTANCE, "-m", "gold",
                 "--runs-dir", str(legacy_run.parent), "--run-id", "r"])
    err = capsys.readouterr().err
    assert code == 0 and "already solved in this run; nothing ran" in err, err
    preds = read_jsonl(legacy_run / "preds.jsonl")
    assert [(p["instance_id"], p["model_patch"]) for p in preds] == [(INSTANCE, PATCH)]


def test_a_legacy_run_loads_in_the_view_with_its_ids_and_generation_settings(legacy_run):
    from codefix.cli.commands.view import selection_keys

    page = instance_view(legacy_run / INSTANCE, selection_keys(), limit=1000)
    assert page["generation"] == {"samples": 3, "max_calls": 8, "temperature": 0.5}
    assert [p["candidate"] for p in page["pairs"]] == [patch_id(PATCH)]
    assert page["problems"] == []


def test_a_new_run_shows_the_generation_section_of_its_config_yaml(legacy_run):
    from codefix.cli.commands.view import selection_keys

    (legacy_run / INSTANCE / "generation_config.json").unlink()
    page = instance_view(legacy_run / INSTANCE, selection_keys(), limit=1000)
    assert page["generation"]["samples"] == RunConfig().generation.samples
    assert page["generation"]["scripts"]["timeout"] == RunConfig().generation.scripts.timeout
