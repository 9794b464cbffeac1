"""The predictions file forms SWE-bench users have: JSONL, a JSON list, a JSON object keyed by id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefix.core.errors import InputError
from codefix.core.predictions import load_predictions

PRED = {"instance_id": "a__b-1", "model_name_or_path": "m", "model_patch": "diff --git a/x b/x\n"}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("p.jsonl", json.dumps(PRED) + "\n\n"),
        ("p.json", json.dumps([PRED])),
        ("p.json", json.dumps({"a__b-1": {k: v for k, v in PRED.items() if k != "instance_id"}})),
        ("p.json", json.dumps(PRED)),
    ],
)
def test_every_form_reads_the_same(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    [pred] = load_predictions(path)
    assert (pred.instance_id, pred.model_name_or_path, pred.model_patch) == tuple(PRED.values())


def test_null_patch_is_an_empty_patch(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({**PRED, "model_patch": None}) + "\n")
    assert load_predictions(path)[0].model_patch == ""


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        ([PRED, PRED], "line 2: instance 'a__b-1' predicted twice"),
        ([{**PRED, "model_name_or_path": 3}], "line 1: field(s) model_name_or_path must be strings"),
        ([], "holds no predictions"),
    ],
)
def test_problems_name_the_line(tmp_path: Path, lines, needle: str) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(InputError, match=None) as err:
        load_predictions(path)
    assert needle in str(err.value)
