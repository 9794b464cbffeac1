"""The share of an endpoint's known rate limits each Ray task takes in a batch.

A limiter lives in one process, and every Ray task runs in a worker process of its own, so on a
cluster the known limits (`model.limits`, `model.relevance_limits`: requests and tokens per minute)
are divided among the tasks that can call the endpoint at once: each gets `EndpointLimits.share(N)`,
N being the smaller of the batch's `--workers` (the tasks in flight) and the CPU slots of the alive
nodes when the batch starts (each task asks for one CPU): `calling_tasks`. Limits with no known rate
(only the adaptive part) are left as they are: each process learns from the refusals it meets.
"""

from __future__ import annotations

from agent.models.limiter import EndpointLimits

KNOWN = ("requests_per_minute", "input_tokens_per_minute", "output_tokens_per_minute")


def cpu_slots(nodes: list[dict]) -> int:
    """The CPUs of `ray.nodes()`'s alive entries (at least 1): how many one-CPU tasks run at once."""
    return max(1, int(sum((n.get("Resources") or {}).get("CPU", 0) for n in nodes if n.get("Alive"))))


def calling_tasks(nodes: list[dict], workers: int) -> int:
    """How many tasks can call the endpoint at once: `workers` in flight, at most the cluster's slots."""
    return max(1, min(workers, cpu_slots(nodes)))


def shared_run_config(run_config: dict, parts: int) -> dict:
    """`run_config` (a `RunConfig` dump) with the model's known limits divided among `parts` tasks."""
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
