"""Picking a batch's instances, and its bad input, without Docker."""

from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.datasets import load_dataset
from codefix.core.errors import InputError, SandboxError
from codefix.stages.batch_status import is_infrastructure
from codefix.stages.instance_selection import select_instances

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"


@pytest.fixture(scope="module")
def ds():
    return load_dataset(FIXTURES)


def ids(items):
    return [i.instance_id for i in items]


def test_ids_regex_and_slice_pick_in_order(ds):
    everything = ids(ds)
    assert ids(select_instances(ds)) == everything
    assert ids(select_instances(ds, ids=f"{everything[2]}, {everything[0]},{everything[2]}")) == \
        [everything[2], everything[0]]
    assert ids(select_instances(ds, pattern="dotenv|verspec")) == [i for i in everything if "dotenv" in i or "verspec" in i]
    assert ids(select_instances(ds, slice_="1:3")) == everything[1:3]
    assert ids(select_instances(ds, slice_="-2:")) == everything[-2:]


@pytest.mark.parametrize("kw, message", [
    ({"ids": "nope"}, "unknown instance id"),
    ({"pattern": "("}, "not a valid regex"),
    ({"pattern": "zzz"}, "no instance selected"),
    ({"slice_": "a:b"}, "expected A:B"),
    ({"ids": "x", "slice_": "0:1"}, "at most one"),
])
def test_bad_selection_is_one_clear_input_error(ds, kw, message):
    with pytest.raises(InputError, match=message):
        select_instances(ds, **kw)


def test_infrastructure_failures_are_told_apart():
    assert is_infrastructure(SandboxError("engine gone")) and is_infrastructure(ConnectionError("reset"))
    assert not is_infrastructure(InputError("bad")) and not is_infrastructure(KeyError("x"))


def test_cli_rejects_address_without_ray(capsys):
    code = main(["batch", "-d", str(FIXTURES), "-m", "gold", "--address", "auto"])
    assert code == 2 and "--address goes with --executor ray" in capsys.readouterr().err


@pytest.mark.parametrize("command, meaning", [("batch", "whole run"), ("solve", "each instance")])
def test_budget_help_says_what_the_budget_covers(command, meaning, capsys):
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    budget_line = help_text[help_text.index("--budget FLOAT"):][:200]
    assert meaning in budget_line
