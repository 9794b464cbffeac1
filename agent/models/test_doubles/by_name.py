"""The doubles a user can name with `--model NAME[:OPTIONS]`, looked up by name.

Each module named in `DOUBLES` defines `from_spec(options, *, dataset, temperature, **kwargs)`
and registers its own litellm provider when its model is made; only the named module is imported.
A new double is one line here and its module.
"""

from __future__ import annotations

import importlib

DOUBLES = {
    "gold": "agent.models.test_doubles.gold",
    "noisy": "agent.models.test_doubles.noisy",
    "replay": "agent.models.test_doubles.replay",
}
"""Spec name → the module whose `from_spec` makes the model."""


def double_model(spec: str, *, dataset=None, temperature: float | None = None, **kwargs):
    """The test double `spec` (`gold`, `noisy:seed=3`, `replay:PATH`) names, or None when the part
    before the first colon names no double."""
    name, _, options = spec.partition(":")
    module = DOUBLES.get(name)
    if module is None:
        return None
    return importlib.import_module(module).from_spec(options, dataset=dataset, temperature=temperature, **kwargs)
