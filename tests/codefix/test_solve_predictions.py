"""`record_prediction`: one line per instance in preds.jsonl, replaced when the choice changes."""

import json

from codefix.predictions import Prediction
from codefix.stages.solve import record_prediction


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_line_per_instance_replaced_in_place(tmp_path):
    path = tmp_path / "run" / "preds.jsonl"
    record_prediction(path, Prediction("a", "codefix/gold", "p1"))
    record_prediction(path, Prediction("b", "codefix/gold", "q1"))
    record_prediction(path, Prediction("a", "codefix/gold", "p1"))
    assert [(r["instance_id"], r["model_patch"]) for r in lines(path)] == [("a", "p1"), ("b", "q1")]
    record_prediction(path, Prediction("a", "codefix/gold", "p2"))
    assert [(r["instance_id"], r["model_patch"]) for r in lines(path)] == [("a", "p2"), ("b", "q1")]
    assert set(lines(path)[0]) == {"instance_id", "model_name_or_path", "model_patch"}


def test_a_torn_line_is_kept_and_does_not_block(tmp_path):
    path = tmp_path / "preds.jsonl"
    path.write_text('{"instance_id": "a", "model_name_or_path": "m", "model_patch": "p"}\n{"instance_id": "b", "mod\n')
    record_prediction(path, Prediction("c", "m", "r"))
    text = path.read_text().splitlines()
    assert len(text) == 3 and json.loads(text[2])["instance_id"] == "c"


def test_a_file_cut_mid_line_gets_the_new_line_on_its_own(tmp_path):
    path = tmp_path / "preds.jsonl"
    path.write_text('{"instance_id": "a", "model_name_or_path": "m", "model_patch": "p"}\n{"instance_id": "b"')
    record_prediction(path, Prediction("c", "m", "r"))
    text = path.read_text().splitlines()
    assert len(text) == 3 and json.loads(text[2])["instance_id"] == "c"
