"""The limits of a run's numeric settings, each defined once: the pydantic configs take their
fields from here (`Bound.field`), and the click options their ranges
(`codefix.cli.bounded.click_range`), so a `--config` file is held to exactly what the command
line accepts, and a value out of range is refused naming its key and the bound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field


@dataclass(frozen=True)
class Bound:
    """The allowed range of one kind of setting."""

    low: float | None = None
    """The least value allowed (None: no floor)."""
    high: float | None = None
    """The greatest value allowed (None: no ceiling)."""
    low_open: bool = False
    """`low` itself is not allowed (a strictly positive number)."""

    def field(self, default: Any = ..., **kwargs) -> Any:
        """A pydantic `Field` holding values to this range (None passes when it is the default)."""
        limits: dict[str, Any] = {}
        if self.low is not None:
            limits["gt" if self.low_open else "ge"] = self.low
        if self.high is not None:
            limits["le"] = self.high
        return Field(default, **limits, **kwargs)

    def allows(self, value: float) -> bool:
        """Whether `value` is in the range."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        """The range in words, e.g. "from 1 to 64" or "above 0"."""
        if self.low is not None and self.high is not None and not self.low_open:
            return f"from {_num(self.low)} to {_num(self.high)}"
        parts = []
        if self.low is not None:
            parts.append(f"{'above' if self.low_open else 'at least'} {_num(self.low)}")
        if self.high is not None:
            parts.append(f"at most {_num(self.high)}")
        return " and ".join(parts) or "any value"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


WORKERS = Bound(1, 64)
"""Sandboxes of one instance at once: generation pairs, voting cells, graders (`-w`,
`--pair-workers`, `--vote-workers`; generation.workers, selection.workers)."""
INSTANCES_AT_ONCE = Bound(1, 1024)
"""Instances a batch runs at once (`batch -w`)."""
PARALLEL_SANDBOXES = Bound(1, INSTANCES_AT_ONCE.high * WORKERS.high)
"""Sandboxes of the whole process at once (parallel_sandboxes): instances times workers."""
SAMPLES = Bound(1, 1000)
"""Testing → editing pairs per instance (`-n`; generation.samples)."""
MACHINE_CALLS = Bound(1, 100)
"""Model calls one state machine may make (`-k`, `--selection-max-calls`; generation.max_calls,
selection.max_calls)."""
TEMPERATURE = Bound(0)
"""Sampling temperature (`--temperature`; generation.temperature and each stage's)."""
SCRIPT_TIMEOUT = Bound(0, 86_400, low_open=True)
"""Seconds a script may run, at most a day (`--script-timeout`; generation.scripts.timeout,
selection.script_timeout)."""
TOP_K = Bound(1, 1000)
"""Candidates voting keeps (`--top-k`; selection.top_k): never more than there are pairs."""
RELEVANCE_CONCURRENCY = Bound(1, 256)
"""Relevance requests in flight (`context --concurrency`; context.concurrency)."""
CONTEXT_TOKENS = Bound(1000, 10_000_000)
"""Tokens of packed context (`--budget-tokens`; context.budget_tokens)."""
BUDGET_USD = Bound(0, low_open=True)
"""USD a run may spend (`--budget`; budget)."""
AGREEMENT = Bound(2, SAMPLES.high)
"""Agreeing candidates that stop generation early (`--stop-when-agree`; generation.stop_when_agree)."""
IMAGE_PULLS = Bound(1, 64)
"""Image pulls or builds at once (`--max-pulls`; images.max_pulls)."""
PULL_RETRIES = Bound(0, 20)
"""Further attempts of a failed pull (`--pull-retries`; images.retries)."""
FREE_GB = Bound(0)
"""GiB that must be free before a pull (`--min-free-gb`; images.min_free_gb)."""
OUTPUT_TOKENS = Bound(256, 1_000_000)
"""Output tokens per model call (generation.max_tokens, selection.max_tokens): above any model's
output limit, below what would overflow a provider's request."""
