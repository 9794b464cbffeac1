"""run_selection in real Docker sandboxes on a bundled fixture: the gold model picks the gold
candidate, a rerun repeats nothing, and a model that never names a winner falls back."""

import json
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.ledger import Ledger

from agent.models.factory import make_model
from agent.models.test_doubles.gold_answers.testing import reproduction_script
from selection.candidates import build_pool
from selection.stage import SelectionConfig, run_selection
from selection.voting_runner import RunStats

pytestmark = pytest.mark.docker

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__invoicing-1"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(str(FIXTURES))


def docker_parts(instance):
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import sandbox_config_for
    from sandbox.docker.patching import apply_patch

    config = sandbox_config_for(instance)
    return (lambda: DockerSandbox(config)), apply_patch


def test_gold_model_picks_the_gold_candidate_and_a_rerun_repeats_nothing(docker_client, dataset, tmp_path):
    inst = dataset.get(INSTANCE)
    factory, apply_patch = docker_parts(inst)
    test = reproduction_script(inst)
    records = [  # as generation's candidates.jsonl has them; pair 2 duplicates pair 0
        {"pair": 0, "patch": inst.wrong_patch, "test": test},
        {"pair": 1, "patch": inst.patch, "test": test},
        {"pair": 2, "patch": inst.wrong_patch, "test": test},
        {"pair": 3, "patch": "", "test": test},
    ]
    pool = build_pool(inst.instance_id, [(r["patch"], f"r1/{r['pair']}", [r["test"]]) for r in records])
    assert len(pool.candidates) == 2 and len(pool.dropped) == 1
    wrong, gold = pool.candidates
    assert wrong.sources == ["r1/0", "r1/2"] and wrong.tests == [test]
    model, ledger = make_model("gold", dataset=dataset), Ledger()
    config = SelectionConfig(workers=2, script_timeout=60)

    result = run_selection(inst, pool.candidates, model=model, ledger=ledger, sandbox_factory=factory,
                           apply_patch=apply_patch, out_dir=tmp_path, config=config)
    assert (result.method, result.winner, result.patch) == ("selection_machine", gold.id, inst.patch)
    assert [r.id for r in result.ranking] == [gold.id, wrong.id]
    assert result.votes["counted_tests"] == 1 and result.votes["unedited_fails"] == 1
    assert result.calls == 2  # one test written, then the winner named
    for name in ("votes.jsonl", "selection.json", "trajectories/selection.traj.json"):
        assert (tmp_path / name).is_file()
    traj = json.loads((tmp_path / "trajectories/selection.traj.json").read_text())
    runs = traj["steps"][0]["runs"]
    # the finalists are shown as numbers in ranking order: 1 is the gold candidate, 2 the wrong one
    assert runs["unedited"]["exit_code"] == 2 and runs["1"]["exit_code"] == 0 and runs["2"]["exit_code"] == 2
    calls = ledger.totals()["calls"]
    assert calls == 2

    (tmp_path / "selection.json").unlink()  # redo the stage from its stored pieces
    stats = RunStats()
    again = run_selection(inst, pool.candidates, model=model, ledger=ledger, sandbox_factory=factory,
                          apply_patch=apply_patch, out_dir=tmp_path, config=config, stats=stats)
    moved = ("runs_executed", "cells_cached")  # what this run did, not what was chosen
    assert again.model_dump(exclude={"votes"}) == result.model_dump(exclude={"votes"})
    assert {k: v for k, v in again.votes.items() if k not in moved} == {k: v for k, v in result.votes.items() if k not in moved}
    assert again.votes["runs_executed"] == 0 and again.votes["cells_cached"] == 3
    assert stats.runs == 0 and stats.sandboxes_started == 0
    assert ledger.totals()["calls"] == calls


def test_the_machine_overrules_the_ranking_without_voting(docker_client, dataset, tmp_path):
    inst = dataset.get(INSTANCE)
    factory, apply_patch = docker_parts(inst)
    pool = build_pool(inst.instance_id, [(inst.wrong_patch, "w", []), (inst.patch, "g", [])])
    smaller = min(pool.candidates, key=lambda c: c.size)
    gold = pool.candidates[1]
    assert smaller.id != gold.id  # the unvoted ranking puts the wrong one first
    result = run_selection(inst, pool.candidates, model=make_model("gold", dataset=dataset), ledger=Ledger(),
                           sandbox_factory=factory, apply_patch=apply_patch, out_dir=tmp_path,
                           config=SelectionConfig(strategy="adjudication_only", script_timeout=60))
    assert (result.method, result.winner) == ("selection_machine", gold.id)
    assert not (tmp_path / "votes.jsonl").exists()


def test_out_of_calls_falls_back_to_the_top_voted(docker_client, dataset, tmp_path):
    inst = dataset.get(INSTANCE)
    factory, apply_patch = docker_parts(inst)
    script = tmp_path / "replay.json"
    script.write_text(json.dumps([{"stage": "selection", "reply": "Both look plausible to me.", "repeat": True}]))
    pool = build_pool(inst.instance_id, [(inst.wrong_patch, "w", []), (inst.patch, "g", [])])
    result = run_selection(inst, pool.candidates, model=make_model(f"replay:{script}"), ledger=Ledger(),
                           sandbox_factory=factory, apply_patch=apply_patch, out_dir=tmp_path / "out",
                           config=SelectionConfig(strategy="adjudication_only", max_calls=2))
    assert result.method == "fallback_top_voted"
    assert result.winner == result.ranking[0].id == min(pool.candidates, key=lambda c: c.size).id
    assert (result.machine_status, result.calls) == ("max_calls", 2)
