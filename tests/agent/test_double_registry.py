"""The test doubles a user can name are looked up by name, and the provider registry knows none
of them (it imported gold, noisy and replay, which imported it back)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from agent.models.test_doubles.by_name import DOUBLES, double_model
from codefix.core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def test_the_provider_registry_imports_no_double() -> None:
    tree = ast.parse((ROOT / "agent/models/test_doubles/providers.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & set(DOUBLES.values())


def test_every_named_double_makes_its_model_from_a_spec() -> None:
    assert set(DOUBLES) == {"gold", "noisy", "replay"}
    assert all(callable(getattr(importlib.import_module(module), "from_spec", None)) for module in DOUBLES.values())


def test_a_name_that_is_no_double_is_left_to_litellm() -> None:
    assert double_model("anthropic/claude-sonnet-4-5") is None
    assert double_model("golden/model") is None


@pytest.mark.parametrize("spec", ["gold:wrong=lots", "gold:right=1", "noisy:loud=1", "replay", "replay:/no/such.yaml"])
def test_a_double_refuses_options_it_does_not_know(spec: str) -> None:
    with pytest.raises(InputError):
        double_model(spec, dataset={})
