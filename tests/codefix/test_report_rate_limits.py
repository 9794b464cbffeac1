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


def test_codefix_report_prints_the_rate_limits_by_stage_and_keeps_them_in_its_json(tmp_path, capsys) -> None:
    from codefix.cli import main
    from tests.codefix.test_report import GOOD, USAGE, make_instance

    make_instance(tmp_path, "a__1", recall=1.0, pairs=[GOOD], selected=GOOD, resolved=True)
    calls = [call("relevance", limiter_refused=2, limiter_waited=3.5), call("editing", limiter_waited=12.25)]
    (tmp_path / "a__1" / "ledger.json").write_text(json.dumps({"by_stage": {"relevance": USAGE}, "calls": calls}))
    assert main(["report", str(tmp_path), "--json", str(tmp_path / "r.json")]) == 0
    text = capsys.readouterr().out
    assert "Rate limits by stage" in text
    table = text[text.index("Rate limits by stage"):]
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.split("│") if c.strip()]
                                              for line in table.splitlines()) if cells[:1] in (["relevance"], ["editing"])}
    assert rows["relevance"] == ["2", "3.5"] and rows["editing"] == ["0", "12.2"], text
    assert json.loads((tmp_path / "r.json").read_text())["rate_limits_by_stage"] == {
        "relevance": {"refused": 2, "waited": 3.5}, "editing": {"refused": 0, "waited": 12.25}}
