"""Recall of the gold patch's files: how many of them the context stage found."""

from __future__ import annotations

from codefix.core.unified_diff import PatchParseError, parse_patch


def patch_files(patch: str) -> list[str]:
    """Paths a unified diff changes (new paths for renames), sorted, each once; none for text
    that is not a diff."""
    try:
        return parse_patch(patch or "").paths
    except PatchParseError:
        return []


def gold_recall(patch: str, relevant: list[str], packed: list[str], existing: set[str]) -> dict | None:
    """Recall of the gold patch's files that exist at the base commit among the files read.

    None when the instance has no gold patch (or it only adds new files).
    """
    gold = [p for p in patch_files(patch) if p in existing]
    if not gold:
        return None
    rel, pk = set(relevant), set(packed)
    return {
        "gold_files": gold,
        "relevant": [p for p in gold if p in rel],
        "packed": [p for p in gold if p in pk],
        "missed": [p for p in gold if p not in pk],
        "relevance_recall": sum(p in rel for p in gold) / len(gold),
        "recall": sum(p in pk for p in gold) / len(gold),
    }
