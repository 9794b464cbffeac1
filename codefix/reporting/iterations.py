"""Coverage vs number of samples *and* iterations (the CodeMonkeys paper's Figure 5), from stored
trajectories: for each cap j on the editing calls a pair may make, each pair's candidate is its
patch after its last step with call <= j (codefix/reporting/steps.py), c_j counts the pairs
whose capped patch resolves, and the curve is the mean unbiased pass@k over instances.

As for coverage vs samples, a capped patch only resolves by a stored grade; an ungraded one counts
as not resolving and makes that cap's numbers a lower bound. When some instance's per-step
patches cannot be known, the whole curve is unavailable (a curve over a subset of instances would
not compare with coverage vs samples).
"""

from __future__ import annotations

from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.passk import mean_pass_at_k
from codefix.reporting.steps import StepsUnavailable, instance_steps, patch_at


def instance_iterations(inst_dir: Path, candidates: dict[int, str], ids: list[int], grades: dict[str, bool]) -> dict:
    """One instance's resolving and ungraded sample counts for caps 1..(its most editing calls)."""
    from codefix.reporting.collect import canonical_patch

    try:
        steps, calls = instance_steps(inst_dir / layout.TRAJECTORIES, candidates, ids)
    except StepsUnavailable as exc:
        return {"available": False, "note": str(exc), "resolving": [], "ungraded": []}
    grade_of: dict[str, bool | None] = {}  # patch text → grade (a pair holds one patch over many caps)
    resolving, ungraded = [], []
    for cap in range(1, calls + 1):
        known = []
        for pid in ids:
            patch = patch_at(steps[pid], cap)
            if patch not in grade_of:
                grade_of[patch] = False if not patch.strip() else grades.get(canonical_patch(patch))
            known.append(grade_of[patch])
        resolving.append(sum(1 for k in known if k))
        ungraded.append(sum(1 for k in known if k is None))
    return {"available": True, "note": "", "resolving": resolving, "ungraded": ungraded}


def capped_patches(inst_dir: Path, candidates: dict[int, str], ids: list[int]) -> list[str]:
    """Every intermediate patch some cap would select (what `--grade-candidates` must also grade);
    [] when the instance's per-step patches are unavailable."""
    try:
        steps, _ = instance_steps(inst_dir / layout.TRAJECTORIES, candidates, ids)
    except StepsUnavailable:
        return []
    return [patch for s in steps.values() for _, patch in s if patch.strip()]


def _at(values: list[int], cap: int, final: int) -> int:
    """The count at `cap`; past the instance's last call every pair holds its final patch."""
    return values[cap - 1] if cap <= len(values) else final


def coverage_by_iterations(rows: list[dict]) -> dict:
    """{"available", "note", "lower_bound", "ungraded": {j: n}, "by_iterations": {j: {k: mean pass@k}}}
    over the instances with samples (the same ones coverage vs samples averages)."""
    rows = [r for r in rows if r["samples"]]
    missing = [f"{r['instance_id']}: {r['iterations']['note']}" for r in rows if not r["iterations"]["available"]]
    if missing:
        more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
        return {"available": False, "note": "per-step patches unknown for " + "; ".join(missing[:3]) + more,
                "lower_bound": None, "ungraded": {}, "by_iterations": {}}
    max_calls = max((len(r["iterations"]["resolving"]) for r in rows), default=0)
    max_n = max((r["samples"] for r in rows), default=0)
    by_iterations, ungraded = {}, {}
    for cap in range(1, max_calls + 1):
        counts = [(r["samples"], _at(r["iterations"]["resolving"], cap, r["resolving_samples"])) for r in rows]
        ungraded[cap] = sum(_at(r["iterations"]["ungraded"], cap, r["ungraded_samples"]) for r in rows)
        by_iterations[cap] = {k: mean_pass_at_k(counts, k) for k in range(1, max_n + 1)}
    return {"available": True, "note": "", "lower_bound": any(ungraded.values()), "ungraded": ungraded,
            "by_iterations": by_iterations}
