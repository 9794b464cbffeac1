"""The selection strategy seam on a local checkout (no Docker): voting_only takes the top-voted
candidate with no model call and no selection trajectory; the strategy is a config key that
`config show` lists, unknown names are refused, and configs written with `use_voting` still load."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from codefix.core.ledger import Ledger

from selection.candidates import build_pool
from selection.stage import SelectionConfig, run_selection
from selection.strategies import STRATEGIES
from tests.agent.fakes import LocalDirSandbox, ScriptedModel, make_repo
from tests.selection.test_selection_machine import git_apply

INSTANCE = SimpleNamespace(instance_id="x__y-1", problem_statement="x must be 2")
FIX = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n-x = 1\n+# two, as the issue asks\n+x = 2\n"
WRONG = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 3\n"
TEST = "import sys, a\nsys.exit(0 if a.x == 2 else 2)\n"


def select(tmp_path, strategy: str, model):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    pool = build_pool(INSTANCE.instance_id, [(WRONG, "p0", [TEST]), (FIX, "p1", [TEST])])
    fix = next(c for c in pool.candidates if c.patch == FIX)
    assert min(pool.candidates, key=lambda c: c.size).id != fix.id  # by size alone the wrong one would lead
    result = run_selection(INSTANCE, pool.candidates, model=model, ledger=Ledger(),
                           sandbox_factory=lambda: LocalDirSandbox(repo), apply_patch=git_apply,
                           out_dir=tmp_path / "out", config=SelectionConfig(strategy=strategy, workers=1))
    return result, fix


def test_voting_only_takes_the_top_voted_without_a_model_call_or_a_trajectory(tmp_path):
    model = ScriptedModel()  # any call would fail: it has no reply
    result, fix = select(tmp_path, "voting_only", model)
    assert (result.method, result.winner, result.patch) == ("top_voted", fix.id, FIX)
    assert (result.calls, result.machine_status, result.finalists, model.calls) == (0, "", [], [])
    assert result.ranking[0].id == fix.id and (result.ranking[0].passes, result.ranking[1].passes) == (1, 0)
    assert result.votes["counted_tests"] == 1 and result.votes["unedited_fails"] == 1
    assert (tmp_path / "out" / "votes.jsonl").is_file() and (tmp_path / "out" / "selection.json").is_file()
    assert not (tmp_path / "out" / "trajectories").exists()


def test_the_default_strategy_sends_the_top_voted_to_the_machine(tmp_path):
    model = ScriptedModel([f"<test>\n{TEST}</test>", "WINNER: 1"])  # a winner only after a test ran
    result, fix = select(tmp_path, "voting_adjudication", model)
    assert SelectionConfig().strategy == "voting_adjudication"
    assert (result.method, result.winner, result.finalists[0]) == ("selection_machine", fix.id, fix.id)
    assert len(model.calls) == 2 and (tmp_path / "out" / "trajectories" / "selection.traj.json").is_file()


def test_every_registered_strategy_is_a_config_value_and_no_other_is():
    assert list(STRATEGIES) == ["voting_adjudication", "voting_only", "adjudication_only"]
    for name in STRATEGIES:
        assert SelectionConfig(strategy=name).strategy == name
    with pytest.raises(ValueError, match="unknown selection strategy 'tournament'"):
        SelectionConfig(strategy="tournament")


def test_configs_written_with_use_voting_still_load():
    assert SelectionConfig.model_validate({"use_voting": False}).strategy == "adjudication_only"
    assert SelectionConfig.model_validate({"use_voting": True, "top_k": 2}) == SelectionConfig(top_k=2)
    with pytest.raises(ValueError, match="use_voting contradicts strategy 'voting_only'"):
        SelectionConfig.model_validate({"use_voting": False, "strategy": "voting_only"})


def test_an_ensemble_run_recorded_with_use_voting_resumes_without_force(tmp_path):
    from codefix.stages.run_config import CONFIG_FILE, RunConfig, record_run_config

    old = RunConfig(selection=SelectionConfig(strategy="adjudication_only")).model_dump(mode="json")
    del old["selection"]["strategy"]
    old["selection"]["use_voting"] = False
    (tmp_path / CONFIG_FILE).write_text(yaml.safe_dump(old))
    record_run_config(tmp_path, RunConfig(selection=SelectionConfig(strategy="adjudication_only")))
    assert yaml.safe_load((tmp_path / CONFIG_FILE).read_text())["selection"]["strategy"] == "adjudication_only"


def test_config_show_lists_the_strategy_and_a_config_file_chooses_it(tmp_path, capsys):
    from codefix.cli import main

    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert yaml.safe_load(out)["selection"]["strategy"] == "voting_adjudication"
    assert '"voting_only" (the top-voted candidate' in " ".join(out.replace("#", " ").split())
    path = tmp_path / "run.yaml"
    path.write_text("selection: {strategy: voting_only}\n")
    assert main(["config", "show", "--config", str(path)]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["selection"]["strategy"] == "voting_only"


@pytest.mark.parametrize("name", ["solve", "batch", "ensemble"])
def test_the_commands_that_select_take_the_strategy_from_the_command_line_or_the_config(name, tmp_path):
    from tests.codefix.test_run_config import config_of

    assert config_of(name, ["--selection-strategy", "voting_only"]).selection.strategy == "voting_only"
    path = tmp_path / "run.yaml"
    path.write_text("selection: {strategy: voting_only}\n")
    assert config_of(name, ["--config", str(path)]).selection.strategy == "voting_only"
    assert config_of(name, []).selection.strategy == ("adjudication_only" if name == "ensemble" else "voting_adjudication")


def test_a_registered_strategy_is_a_function_of_the_selection_and_the_candidates(tmp_path, monkeypatch):
    """What docs/architecture.md promises a new strategy: a function and its line in STRATEGIES."""
    seen = []

    def largest(selection, candidates):  # pick the biggest patch, unvoted
        seen.append((selection.instance.instance_id, len(candidates)))
        standing = selection.by_size(candidates)
        return selection.pick(standing.candidates[-1], "largest", standing)

    monkeypatch.setitem(STRATEGIES, "largest", largest)
    model = ScriptedModel()
    result, fix = select(tmp_path, "largest", model)
    assert (result.method, result.winner, seen, model.calls) == ("largest", fix.id, [("x__y-1", 2)], [])
    assert not (tmp_path / "out" / "votes.jsonl").exists()
