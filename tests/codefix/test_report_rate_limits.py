"""`codefix report`'s rate-limit figures: refusals and waiting per stage, summed from the meta of
the recorded calls (journal first, ledger.json otherwise)."""

from __future__ import annotations

import json

from codefix.reporting.rate_limits import add_rate_limits, instance_rate_limits


def call(stage: str, **meta) -> dict:
    return {"stage": stage, "meta": {"instance_id": "i", **meta}, "calls": 1, "input_tokens": 1, "output_tokens": 1,
            "cache_read_tokens": 0, "cache_write_tokens": 0, "cost": 0.0}


def test_refusals_and_waits_are_summed_per_stage_from_the_recorded_calls(tmp_path) -> None:
    calls = [call("relevance", limiter_refused=2, limiter_waited=3.5), call("relevance"),
             call("relevance", limiter_waited=0.5), call("editing", limiter_refused=1, limiter_waited=7.0)]
    (tmp_path / "ledger.json").write_text(json.dumps({"calls": calls}))
    assert instance_rate_limits(tmp_path) == {"relevance": {"refused": 2, "waited": 4.0},
                                              "editing": {"refused": 1, "waited": 7.0}}
    assert instance_rate_limits(tmp_path / "nothing") == {}


def test_the_run_adds_its_instances() -> None:
    assert add_rate_limits([{"relevance": {"refused": 2, "waited": 4.0}},
                            {"relevance": {"refused": 1, "waited": 0.25}, "ranking": {"refused": 0, "waited": 1.0}}]) == {
        "relevance": {"refused": 3, "waited": 4.25}, "ranking": {"refused": 0, "waited": 1.0}}
