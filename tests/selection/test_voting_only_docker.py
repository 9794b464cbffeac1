"""`codefix solve --selection-strategy voting_only` on a bundled fixture with the gold:wrong double:
two distinct candidates are voted on in Docker sandboxes and the top-voted one (the gold patch)
is the prediction, with no selection trajectory and no selection call."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.codefix.same_predictions import RECORDED, solve_prediction

pytestmark = pytest.mark.docker

INSTANCE = "codefix-fixtures__invoicing-1"


def test_voting_only_predicts_the_top_voted_candidate_without_the_selection_machine(docker_client, tmp_path):
    chosen = solve_prediction(INSTANCE, "gold:wrong=0.5", tmp_path, ("--selection-strategy", "voting_only"))
    gold = json.loads(RECORDED.read_text())["gold"][INSTANCE]  # the gold patch, the only candidate of plain gold
    assert chosen == {"patch_sha256": gold["patch_sha256"], "method": "top_voted", "candidates": 2}
    run = tmp_path / "same"
    [selection] = [json.loads(p.read_text()) for p in (run / INSTANCE / "selection").glob("*/selection.json")]
    assert selection["ranking"][0]["id"] == selection["winner"] and selection["ranking"][0]["passes"] >= 1
    assert selection["ranking"][1]["passes"] < selection["ranking"][0]["passes"]
    assert (selection["calls"], selection["machine_status"], selection["finalists"]) == (0, "", [])
    assert not list((run / INSTANCE).glob("selection/*/trajectories"))
    ledger = json.loads((run / INSTANCE / "ledger.json").read_text())
    assert ledger["calls"] and "selection" not in ledger["by_stage"]  # generation called the model, selection not
    assert yaml.safe_load((run / "config.yaml").read_text())["selection"]["strategy"] == "voting_only"
