"""The same predictions before and after the run-configuration rework of issue 13: `codefix solve`
on bundled fixtures gives the patches recorded with the code before it
(tests/data/same_predictions.json, written by `python -m tests.codefix.same_predictions`).

Which runs: `gold:wrong=0.5` with 3 pairs, so pair 1 is wrong and two distinct candidates go
through voting and the selection machine (every stage runs; the plain `gold` recording has one
candidate and skips both, and test_solve_docker already covers it). Three of the seven fixtures,
from different repositories and patch shapes (a multi-file change, a one-line fix, a module with
a hanging test), keep this to a few minutes of the CI budget; the recording holds all seven with
both specs for a manual check (`python -m tests.codefix.same_predictions --out /tmp/now.json`
and compare)."""

from __future__ import annotations

import json

import pytest

from tests.codefix.same_predictions import RECORDED, solve_prediction

pytestmark = pytest.mark.docker

SPEC = "gold:wrong=0.5"
CHECKED = ("codefix-fixtures__invoicing-1", "codefix-fixtures__dotenv-219", "codefix-fixtures__jobqueue-31")


@pytest.mark.parametrize("instance_id", CHECKED)
def test_solve_predicts_what_it_predicted_before(docker_client, tmp_path, instance_id):
    before = json.loads(RECORDED.read_text())[SPEC][instance_id]
    assert before["method"] == "selection_machine" and before["candidates"] == 2  # voting and selection ran
    assert solve_prediction(instance_id, SPEC, tmp_path) == before
