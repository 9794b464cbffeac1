"""Candidates: one per distinct normalized patch, every source kept, small patches dropped."""

from __future__ import annotations

from selection.candidates import (
    Candidate,
    CandidatePolicy,
    DroppedCandidate,
    build_pool,
    candidate_id,
    dedupe,
    make_candidate,
)
from selection.normalize import normalize_patch

FIX = "--- a/m.py\n+++ b/m.py\n@@ -3 +3 @@\n-    return a - b\n+    return a + b\n"
FIX_GIT = (
    "diff --git a/m.py b/m.py\nindex 1..2 100644\n--- a/m.py\n+++ b/m.py\n"
    "@@ -2,2 +2,2 @@ def add(a, b):\n     '''Add.'''\n-    return a - b\n+    return a + b  \n"
)
OTHER = "--- a/m.py\n+++ b/m.py\n@@ -3 +3 @@\n-    return a - b\n+    return b + a\n"


def test_id_is_the_short_sha256_of_the_normalized_patch() -> None:
    cand = make_candidate(FIX, source="s1")
    assert isinstance(cand, Candidate)
    assert cand.id == candidate_id(normalize_patch(FIX)) and len(cand.id) == 12
    assert (cand.files, cand.added, cand.removed, cand.size) == (["m.py"], 1, 1, 2)
    assert cand.patch == FIX  # the original text is what gets applied


def test_same_effect_from_two_sources_merges_sources_and_tests_in_order() -> None:
    a = make_candidate(FIX, source="run/0", tests=["t0"])
    b = make_candidate(OTHER, source="run/1", tests=["t1"])
    c = make_candidate(FIX_GIT, source="sub-x", tests=["t0", "t2"])
    merged = dedupe([a, b, c])
    assert [m.id for m in merged] == [a.id, b.id]
    assert merged[0].sources == ["run/0", "sub-x"] and merged[0].tests == ["t0", "t2"]
    assert merged[0].patch == FIX  # first seen wins
    assert a.sources == ["run/0"]  # inputs are not mutated


def test_empty_unparseable_whitespace_only_and_comment_only_patches_are_dropped_with_reasons() -> None:
    cases = {
        "": "empty patch",
        "I give up.": "unparseable",
        "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x = 1 \n+x = 1\n": "changes nothing",
        "--- a/m.py\n+++ b/m.py\n@@ -1,0 +2,2 @@\n+# explain\n+\n": "only blank lines or comments",
    }
    for patch, reason in cases.items():
        dropped = make_candidate(patch, source="s")
        assert isinstance(dropped, DroppedCandidate), patch
        assert reason in dropped.reason and dropped.sources == ("s",)


def test_comment_lines_count_as_code_outside_python_files() -> None:
    cfg = "--- a/setup.cfg\n+++ b/setup.cfg\n@@ -1 +1 @@\n-# a\n+# b\n"
    assert isinstance(make_candidate(cfg, source="s"), Candidate)


def test_min_changed_lines_policy() -> None:
    policy = CandidatePolicy(min_changed_lines=3)
    dropped = make_candidate(FIX, source="s", policy=policy)
    assert isinstance(dropped, DroppedCandidate) and "2 changed line(s)" in dropped.reason
    kept = make_candidate(FIX, source="s", policy=CandidatePolicy(drop_comment_only=False, min_changed_lines=2))
    assert isinstance(kept, Candidate)


def test_a_new_file_is_never_trivially_small() -> None:
    new = "--- /dev/null\n+++ b/pkg/__init__.py\n@@ -0,0 +1 @@\n+# package\n"
    assert isinstance(make_candidate(new, source="s"), Candidate)


def test_pool_accounts_for_every_proposal() -> None:
    pool = build_pool("i-1", [(FIX, "a", ()), ("", "b", ()), (FIX_GIT, "c", ()), (OTHER, "d", ["t"])])
    assert [c.sources for c in pool.candidates] == [["a", "c"], ["d"]]
    assert [d.sources for d in pool.dropped] == [("b",)]
    assert pool.by_id(pool.candidates[1].id).tests == ["t"]
