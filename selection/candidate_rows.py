"""The ids generation stores with each `candidates.jsonl` row, computed the selection stage's way."""

from __future__ import annotations

from selection.candidates import candidate_id
from selection.normalize import normalized_or_text
from selection.voting import script_id


def patch_id(patch: str) -> str:
    """The candidate id of `patch` (of its text when it is not a diff `selection.normalize` reads)."""
    return candidate_id(normalized_or_text(patch))


def row_ids(patch: str, test: str) -> dict[str, str]:
    """`{"id": the patch's candidate id, "test_id": the test's id or ""}` for one candidates row."""
    return {"id": patch_id(patch), "test_id": script_id(test) if test.strip() else ""}
