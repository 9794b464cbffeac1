"""The unbiased pass@k estimator: the chance that at least one of k samples drawn without
replacement from n attempts, c of which succeed, succeeds: 1 - C(n-c, k) / C(n, k)."""

from __future__ import annotations

from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """pass@k from n attempts with c successes (0 <= c <= n, 1 <= k <= n)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def mean_pass_at_k(counts: list[tuple[int, int]], k: int) -> float:
    """Mean pass@k over instances given as (n, c); an instance with fewer than k attempts uses k = n."""
    if not counts:
        return 0.0
    return sum(pass_at_k(n, c, min(k, n)) for n, c in counts if n) / len(counts)
