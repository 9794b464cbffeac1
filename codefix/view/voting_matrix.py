"""The voting matrix as a heatmap's data: candidates × tests, each cell pass / fail / error or
missing, plus the unedited repository's row (a test that passes there proves nothing, so the page
greys its column). Built from `votes.jsonl` rows; later rows for a cell win, as the vote cache reads them."""

from __future__ import annotations

from codefix.view.artefacts import as_dict

UNEDITED = "unedited"
REPO_TEST_PREFIX = "repo:"
OUTCOMES = ("pass", "fail", "error")


def voting_matrix(rows: list[dict], candidates: list[str], test_labels: dict[str, str]) -> dict | None:
    """{"tests": [{id, label, unedited, passes_unedited, repo}], "candidates": [ids], "cells":
    [[outcome or None per test] per candidate], "passes": [votes per candidate]}; None without votes.

    `candidates` orders the rows (ids seen only in the votes follow); `test_labels` names tests
    (e.g. "pair 3"), unknown ones keep their id."""
    table: dict[tuple[str, str], str] = {}
    tests: dict[str, None] = {}
    seen: dict[str, None] = {}
    for row in rows:
        row = as_dict(row)
        cand, test, outcome = row.get("candidate"), row.get("test"), row.get("outcome")
        if not isinstance(cand, str) or not isinstance(test, str):
            continue
        table[(cand, test)] = outcome if outcome in OUTCOMES else "error"
        tests.setdefault(test, None)
        if cand != UNEDITED:
            seen.setdefault(cand, None)
    if not table:
        return None
    order = [c for c in candidates if c in seen or c in candidates] + [c for c in seen if c not in candidates]
    test_ids = sorted(tests, key=lambda t: (t.startswith(REPO_TEST_PREFIX), test_labels.get(t, "~" + t)))
    cells = [[table.get((cand, t)) for t in test_ids] for cand in order]
    return {
        "tests": [{"id": t, "label": test_labels.get(t, t), "unedited": table.get((UNEDITED, t)),
                   "passes_unedited": table.get((UNEDITED, t)) == "pass", "repo": t.startswith(REPO_TEST_PREFIX)}
                  for t in test_ids],
        "candidates": order,
        "cells": cells,
        "passes": [sum(1 for o, t in zip(row, test_ids) if o == "pass" and table.get((UNEDITED, t)) != "pass")
                   for row in cells],
    }
