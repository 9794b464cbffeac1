"""`--stop-when-agree A` on generate, solve and batch: help, bad values, and how solve passes it
to generation (skipped pairs are not failures)."""

import itertools
from pathlib import Path

import pytest

from codefix.cli import main
from codefix.stages.run_config import RunConfig
from codefix.stages.solve import _generation
from codefix.core.store import read_json
from tests.agent.fakes import LocalDirSandbox, ScriptedModel, make_repo

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__dotenv-219"
COMMANDS = {
    "generate": ["generate", "-d", str(FIXTURES), "-i", INSTANCE, "-m", "gold"],
    "solve": ["solve", "-d", str(FIXTURES), "-i", INSTANCE, "-m", "gold"],
    "batch": ["batch", "-d", str(FIXTURES), "-m", "gold"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_help_says_what_it_does(name, capsys):
    assert main([name, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--stop-when-agree A" in out and "pass each other's reproduction tests" in out


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("value", ["1", "0", "-3"])
def test_fewer_than_two_is_a_clear_usage_error(name, value, capsys, tmp_path):
    code = main([*COMMANDS[name], "--stop-when-agree", value, "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "--stop-when-agree" in err and "agreement needs at least 2 candidates" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", COMMANDS)
def test_more_than_the_samples_can_never_trigger(name, capsys, tmp_path):
    code = main([*COMMANDS[name], "--stop-when-agree", "4", "-n", "3", "--runs-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "4 agreeing candidates can never come from --samples 3 pairs" in err


def test_the_run_config_rejects_fewer_than_two():
    with pytest.raises(ValueError):
        RunConfig.model_validate({"generation": {"stop_when_agree": 1}})
    assert RunConfig().generation.stop_when_agree is None


class Inst:
    instance_id = "calc-1"
    problem_statement = "add subtracts"


def test_solve_generation_stops_on_normalized_agreement_and_skips_are_not_unfinished(tmp_path):
    script = "import sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n"

    def answer(messages, stage, meta):
        if any(m["role"] == "assistant" for m in messages):
            return "ACCEPT"
        if stage == "testing":
            return f"<test>\n{script}</test>"
        trailing = " " * meta["trajectory"]  # every pair's patch text differs; normalized they agree
        return f"```python\ncalc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b{trailing}\n>>>>>>> REPLACE\n```\n"

    numbers = itertools.count()

    def factory():
        return LocalDirSandbox(make_repo(tmp_path / f"box{next(numbers)}", {"calc.py": "def add(a, b):\n    return a - b\n"}))

    model = ScriptedModel(answer=answer)
    out = tmp_path / "inst"
    config = RunConfig.model_validate({"generation": {"samples": 5, "workers": 1, "max_calls": 3, "stop_when_agree": 2}})
    candidates, unfinished, skipped = _generation(Inst(), model, None, factory, "ctx", out, config.generation)
    assert skipped == [2, 3, 4] and unfinished == []
    assert {c["meta"]["trajectory"] for c in model.calls} == {0, 1}
    assert len(candidates) == 1  # one normalized patch
    assert read_json(out / "early_stop.json")["stop_when_agree"] == 2 and not (out / "generation_config.json").exists()
    assert read_json(out / "early_stop.json")["agreeing_pairs"] == [0, 1]
