"""Click ranges from the settings' bounds (`codefix.core.setting_bounds`), so an option accepts exactly
what the config key it sets accepts."""

from __future__ import annotations

import click

from codefix.core.setting_bounds import Bound


def int_range(bound: Bound) -> click.IntRange:
    """An integer option held to `bound`."""
    low = None if bound.low is None else int(bound.low) + (1 if bound.low_open else 0)
    return click.IntRange(low, None if bound.high is None else int(bound.high))


def float_range(bound: Bound) -> click.FloatRange:
    """A number option held to `bound`."""
    return click.FloatRange(bound.low, bound.high, min_open=bound.low_open)
