"""The share of an endpoint's known rate limits each Ray node takes in a batch.

A limiter lives in one process, so on a Ray cluster the known limits (`model.limits`,
`model.relevance_limits`: requests and tokens per minute) are divided among the nodes calling the
endpoint: each node's tasks get `EndpointLimits.share(N)`, N being the alive nodes with CPUs when
the batch starts (`cpu_nodes`). Limits with no known rate (only the adaptive part) are left as they
are: each process learns from the refusals it meets.
"""

from __future__ import annotations

from agent.models.limiter import EndpointLimits

KNOWN = ("requests_per_minute", "input_tokens_per_minute", "output_tokens_per_minute")


def cpu_nodes(nodes: list[dict]) -> int:
    """How many of `ray.nodes()`'s entries are alive and offer CPUs (at least 1)."""
    return max(1, sum(1 for n in nodes if n.get("Alive") and (n.get("Resources") or {}).get("CPU", 0) > 0))


def shared_run_config(run_config: dict, parts: int) -> dict:
    """`run_config` (a `RunConfig` dump) with the model's known limits divided among `parts` nodes."""
    model = dict(run_config.get("model") or {})
    changed = False
    for key in ("limits", "relevance_limits"):
        given = model.get(key)
        if given is None or parts <= 1:
            continue
        limits = EndpointLimits.model_validate(given)
        if any(getattr(limits, k) for k in KNOWN):
            model[key] = limits.share(parts).model_dump()
            changed = True
    return {**run_config, "model": model} if changed else run_config
