"""The rows of `candidates.jsonl` as readers use them: each with the candidate id of its patch
(`id`) and the id of its test (`test_id`), as generation stores them. Rows of runs written
before generation stored the ids get them here, once, from the caller's id functions (the
selection stage's, which this floor does not import)."""

from __future__ import annotations

from collections.abc import Callable

ID = "id"
"""The candidate id of the row's patch (`selection.candidates.candidate_id` of its normalized text)."""
TEST_ID = "test_id"
"""The id of the row's test (`selection.voting.script_id`), "" when the pair wrote no test."""


def with_ids(rows: list, candidate_of: Callable[[str], str], test_of: Callable[[str], str]) -> list:
    """`rows` with `id` and `test_id` on every row that is a dict: a stored id is kept, a legacy
    row gets its ids computed from its patch and test (a row without a patch gets "")."""
    out = []
    for row in rows:
        if isinstance(row, dict) and (ID not in row or TEST_ID not in row):
            patch, test = row.get("patch"), row.get("test")
            row = {**row,
                   ID: row.get(ID) or (candidate_of(patch) if isinstance(patch, str) and patch.strip() else ""),
                   TEST_ID: row.get(TEST_ID) or (test_of(test) if isinstance(test, str) and test.strip() else "")}
        out.append(row)
    return out
