"""A codefix preds.jsonl is accepted by the official swebench 5 harness's own prediction loading
and dataset matching (no network, no Docker: the dataset is a local JSONL file)."""

import json

from codefix.core.predictions import Prediction, append_prediction
from codefix.stages.solve import model_name


def test_codefix_preds_pass_the_harness_loaders(tmp_path):
    from swebench.harness.run_evaluation import get_dataset_from_preds
    from swebench.harness.utils import get_predictions_from_file

    dataset = tmp_path / "dataset.jsonl"
    rows = [{"instance_id": f"o__r-{i}", "repo": "o/r", "base_commit": "0" * 40, "patch": "",
             "test_patch": "", "problem_statement": "x", "version": "1.0"} for i in range(3)]
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    preds = tmp_path / "runs" / "r1" / "preds.jsonl"
    patch = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    append_prediction(preds, Prediction("o__r-0", model_name("gold"), patch))
    append_prediction(preds, Prediction("o__r-1", model_name("gold"), ""))

    loaded = get_predictions_from_file(str(preds), str(dataset), "test")
    assert [p["instance_id"] for p in loaded] == ["o__r-0", "o__r-1"]
    assert loaded[0]["model_patch"] == patch and loaded[0]["model_name_or_path"] == "codefix/gold"
    by_id = {p["instance_id"]: p for p in loaded}
    selected = get_dataset_from_preds(str(dataset), "test", [], by_id, f"compat-{tmp_path.name}", False)
    # the empty patch is skipped by the harness, the other instance is scheduled for evaluation
    assert [i["instance_id"] for i in selected] == ["o__r-0"]


def test_harness_rejects_a_prediction_for_an_unknown_instance(tmp_path):
    import pytest
    from swebench.harness.run_evaluation import get_dataset_from_preds

    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text(json.dumps({"instance_id": "o__r-0"}) + "\n")
    record = Prediction("other__x-9", model_name("gold"), "p").to_record()
    with pytest.raises(ValueError, match="not found in dataset"):
        get_dataset_from_preds(str(dataset), "test", [], {"other__x-9": record}, "compat-x", False)
