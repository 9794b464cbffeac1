"""`record_prediction`: one line per instance in preds.jsonl, replaced when the choice changes."""

import json

from codefix.core.predictions import Prediction
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


def test_a_torn_last_line_is_dropped_with_a_warning_so_the_file_stays_readable(tmp_path):
    import pytest

    from codefix.core.errors import CodefixWarning
    from codefix.core.predictions import load_predictions

    path = tmp_path / "preds.jsonl"
    path.write_text('{"instance_id": "a", "model_name_or_path": "m", "model_patch": "p"}\n{"instance_id": "b"')
    with pytest.warns(CodefixWarning, match="torn last line"):
        record_prediction(path, Prediction("c", "m", "r"))
    assert [r["instance_id"] for r in lines(path)] == ["a", "c"]
    assert [p.instance_id for p in load_predictions(path)] == ["a", "c"]
