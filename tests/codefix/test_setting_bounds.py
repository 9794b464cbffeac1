"""A `--config` file is held to the command line's limits: each bound is defined once
(`codefix.core.setting_bounds`), the click option and the config key take the same range, and a config
out of range is refused naming the key and the bound."""

from __future__ import annotations

import importlib

import annotated_types
import click
import pytest

from codefix.cli import main
from codefix.cli.image_options import IMAGE_OPTIONS
from codefix.cli.run_options import SETS
from codefix.core.errors import InputError
from codefix.core.setting_bounds import Bound
from codefix.stages.run_config import RunConfig, validated

COMMANDS = ("solve", "batch", "generate", "ensemble", "context")


def pydantic_range(dotted: str) -> tuple:
    """(low, high, low_open) of a RunConfig key's field."""
    *parents, last = dotted.split(".")
    owner = RunConfig()
    for part in parents:
        owner = getattr(owner, part)
    low, high, low_open = None, None, False
    for item in type(owner).model_fields[last].metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low, low_open = item.gt, True
        elif isinstance(item, annotated_types.Le):
            high = item.le
    return low, high, low_open


def click_range(param: click.Parameter) -> tuple | None:
    kind = param.type
    if isinstance(kind, click.IntRange):  # an open integer floor is the next integer, closed
        return kind.min, kind.max, False
    if isinstance(kind, click.FloatRange):
        return kind.min, kind.max, kind.min_open
    return None


def ranged_options():
    for name in COMMANDS:
        command = importlib.import_module(f"codefix.cli.commands.{name}").command
        for param in command.params:
            keys = SETS.get(param.name) or ((f"sandbox.images.{param.name}",) if param.name in IMAGE_OPTIONS else ())
            if click_range(param) is not None:
                for key in keys:
                    yield pytest.param(param, key, id=f"{name}:{param.name}->{key}")


@pytest.mark.parametrize("param, key", list(ranged_options()))
def test_each_option_and_its_config_key_take_the_same_range(param, key):
    low, high, low_open = pydantic_range(key)
    if isinstance(param.type, click.IntRange) and low_open:
        low, low_open = low + 1, False
    assert click_range(param) == (low, high, low_open)


def test_every_ranged_option_was_compared():
    """The comparison above covers the options that bound a config key (a lost range would
    silently leave its key unchecked)."""
    compared = {p.values[1] for p in ranged_options()}
    assert {"generation.samples", "generation.workers", "selection.workers", "generation.scripts.timeout",
            "selection.script_timeout", "generation.max_calls", "selection.max_calls", "selection.top_k",
            "context.concurrency", "context.budget_tokens", "sandbox.images.max_pulls", "sandbox.images.retries"} <= compared


@pytest.mark.parametrize("data, key, bound", [
    ({"generation": {"workers": 100000}}, "generation.workers", "less than or equal to 64"),
    ({"generation": {"samples": 1e8}}, "generation.samples", "less than or equal to 1000"),
    ({"generation": {"scripts": {"timeout": 1e308}}}, "generation.scripts.timeout", "less than or equal to 86400"),
    ({"generation": {"scripts": {"timeout": 0}}}, "generation.scripts.timeout", "greater than 0"),
    ({"selection": {"workers": 0}}, "selection.workers", "greater than or equal to 1"),
    ({"selection": {"max_calls": 101}}, "selection.max_calls", "less than or equal to 100"),
    ({"generation": {"temperature": -1}}, "generation.temperature", "greater than or equal to 0"),
    ({"context": {"concurrency": 1000}}, "context.concurrency", "less than or equal to 256"),
    ({"sandbox": {"images": {"max_pulls": 500}}}, "sandbox.docker.images.max_pulls", "less than or equal to 64"),
    ({"budget": -3}, "budget", "greater than 0"),
])
def test_a_config_out_of_range_is_refused_naming_the_key_and_bound(data, key, bound):
    with pytest.raises(InputError) as caught:
        validated(data, "run.yaml")
    assert f"run.yaml: {key}: Input should be {bound}" in str(caught.value)


def test_the_command_refuses_a_config_file_out_of_range_before_running(tmp_path, capsys):
    config = tmp_path / "big.yaml"
    config.write_text("generation:\n  workers: 100000\n  samples: 100000000\n  scripts:\n    timeout: 1.0e+308\n")
    code = main(["batch", "-d", "ds.jsonl", "-m", "gold", "--config", str(config), "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2
    for line in ("generation.workers: Input should be less than or equal to 64",
                 "generation.samples: Input should be less than or equal to 1000",
                 "generation.scripts.timeout: Input should be less than or equal to 86400"):
        assert line in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("argv, says", [
    (["--budget", "0"], "must be a positive number of USD (above 0)"),
    (["--stop-when-agree", "1001"], "at most 1000"),
    (["-n", "1001"], "1<=x<=1000"),
    (["--script-timeout", "1e308"], "0<x<=86400"),
])
def test_the_command_line_refuses_the_same_values(argv, says, tmp_path, capsys):
    code = main(["batch", "-d", "ds.jsonl", "-m", "gold", *argv, "--runs-dir", str(tmp_path / "runs")])
    assert code == 2 and says in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("bound, inside, outside, words", [
    (Bound(1, 64), [1, 64], [0, 65], "from 1 to 64"),
    (Bound(0, 86_400, low_open=True), [0.001, 86_400], [0, 86_400.5], "above 0 and at most 86400"),
    (Bound(0), [0, 1e308], [-0.1], "at least 0"),
])
def test_bound_allows_and_says_its_range(bound, inside, outside, words):
    assert all(bound.allows(v) for v in inside) and not any(bound.allows(v) for v in outside)
    assert bound.describe() == words
