"""The ensemble report: member scores, oracle coverage, random-pick expectations, selection.
Reproduces the CodeMonkeys paper's ensemble figures from the real resolved lists."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from selection.candidates import build_pool
from selection.ensemble_report import candidate_label, ensemble_report, member_labels
from selection.normalize import normalize_patch
from selection.submissions import Submission, build_pools, read_patch_records
from tests.selection.shared_data import PARTIAL_PATCHES, need, resolved_list

PAPER_MEMBERS = {
    "20250110_blackboxai_agent_v1.1": 62.8,
    "20241221_codestory_midwit_claude-3-5-sonnet_swe-search": 62.2,
    "20250110_learn_by_interact_claude3.5": 60.2,
    "20241213_devlo": 58.2,
}


def patch(value: int) -> str:
    return f"--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a = 0\n+a = {value}\n"


def test_member_scores_coverage_and_random_member_on_literals() -> None:
    report = ensemble_report(["i1", "i2", "i3", "i4"], {"A": {"i1", "i2"}, "B": {"i2", "i3", "elsewhere"}})
    assert [(m.name, m.resolved) for m in report.members] == [("A", 2), ("B", 2)]  # outside ids ignored
    assert report.coverage == 3 and report.pct(report.coverage) == 75.0
    assert report.random_member == 2.0
    assert report.random_candidate is None and report.selected is None


def test_random_distinct_candidate_weights_each_distinct_patch_once() -> None:
    # Guards: duplicates must not count twice. Three members: two submit the same wrong patch,
    # one the right one: a random member resolves 1/3, a random distinct candidate 1/2.
    members = {"A": set(), "B": set(), "C": {"i1"}}
    pools = {"i1": build_pool("i1", [(patch(1), "A", ()), (patch(1), "B", ()), (patch(2), "C", ())])}
    report = ensemble_report(["i1", "i2"], members, pools=pools)
    assert report.random_member == pytest.approx(1 / 3)
    assert report.random_candidate == pytest.approx(0.5)
    assert report.distinct_candidates == {"i1": 2}
    right = next(c for c in pools["i1"].candidates if c.sources == ["C"])
    assert ensemble_report(["i1", "i2"], members, pools=pools, selected={"i1": right.id}).selected == 1
    wrong = pools["i1"].candidates[0]
    assert ensemble_report(["i1", "i2"], members, pools=pools, selected={"i1": wrong.id}).selected == 0


def test_unlabelled_candidates_and_label_conflicts_are_counted_not_guessed() -> None:
    pools = {"i1": build_pool("i1", [(patch(1), "A", ()), (patch(1), "B", ()), (patch(2), "run/3", ())])}
    report = ensemble_report(["i1"], {"A": {"i1"}, "B": set()}, pools=pools)
    assert report.label_conflicts == 1 and report.unlabelled_candidates == 1
    assert report.random_candidate is None  # an unlabelled candidate makes the expectation unknown
    assert candidate_label(pools["i1"].candidates[1], "i1", {"A": {"i1"}}) is None


def test_a_selection_needs_pools_and_candidates_from_them() -> None:
    with pytest.raises(ValueError, match="pools"):
        ensemble_report(["i1"], {"A": {"i1"}}, selected={"i1": "abc"})
    pools = {"i1": build_pool("i1", [(patch(1), "A", ())])}
    with pytest.raises(ValueError, match="i1: selected candidate 'abc' is not in its pool"):
        ensemble_report(["i1"], {"A": {"i1"}}, pools=pools, selected={"i1": "abc"})
    with pytest.raises(ValueError, match="i2: selected candidate"):
        ensemble_report(["i1", "i2"], {"A": {"i1"}}, pools=pools, selected={"i2": "abc"})


def test_member_labels_leave_out_submissions_without_labels() -> None:
    subs = [Submission("A", {"i1": patch(1)}, resolved={"i1"}), Submission("B", {"i1": patch(2)})]
    assert member_labels(subs) == {"A": {"i1"}}
    report = ensemble_report(["i1"], member_labels(subs), pools=build_pools(subs))
    assert report.unlabelled_candidates == 1 and report.random_candidate is None


def test_paper_ensemble_scores_union_and_random_pick_from_the_real_resolved_lists(verified_ids) -> None:
    lists = {folder: resolved_list(folder) for folder in PAPER_MEMBERS}
    members = {folder: data["resolved"] for folder, data in lists.items()}
    report = ensemble_report(verified_ids, members)
    assert report.total == 500
    assert {m.name: round(report.pct(m.resolved), 1) for m in report.members} == PAPER_MEMBERS
    assert report.coverage == 393 and f"{report.pct(report.coverage):.1f}" == "78.6"
    assert f"{report.pct(report.random_member):.1f}" == "60.9"
    text = "\n".join(report.lines())
    assert "78.6%" in text and "60.9%" in text and "62.8%" in text


def test_all_real_partial_patches_ingest_into_pools(partial_rows, verified_ids) -> None:
    subs, problems = read_patch_records(need(PARTIAL_PATCHES), known_instances=set(verified_ids))
    assert problems == []
    pools = build_pools(subs)
    report = ensemble_report(verified_ids, member_labels(subs), pools=pools)

    # Every one of the 1,107 parsed, normalized and kept (all are real resolving fixes).
    assert len(partial_rows) == 1107
    assert all(normalize_patch(r["model_patch"]) for r in partial_rows)
    assert report.dropped == 0 and report.unlabelled_candidates == 0 and report.label_conflicts == 0
    candidates = [c for pool in pools.values() for c in pool.candidates]
    assert sum(len(c.sources) for c in candidates) == 1107  # every source kept once

    # Independent of the normalizer: byte-identical patches of one instance share a candidate,
    # and patches merged into one candidate change the same non-blank lines (a line removed and
    # re-added unchanged cancels out).
    raw_groups = {(r["instance_id"], r["model_patch"]) for r in partial_rows}
    owner = {(iid, src): c for iid, pool in pools.items() for c in pool.candidates for src in c.sources}
    by_raw = defaultdict(set)
    for r in partial_rows:
        by_raw[(r["instance_id"], r["model_patch"])].add(owner[(r["instance_id"], r["submission"])].id)
    assert all(len(ids) == 1 for ids in by_raw.values())
    assert len(raw_groups) == 1013 > len(candidates)
    for r in partial_rows:
        cand = owner[(r["instance_id"], r["submission"])]
        assert changed_lines(r["model_patch"]) == changed_lines(cand.patch), (r["instance_id"], r["submission"])

    # Measured figures: 290 instances, 887 distinct candidates, 1 to 9 per instance.
    assert len(pools) == 290 and len(candidates) == 887
    assert sum(report.distinct_candidates.values()) == 887
    assert Counter(report.distinct_candidates.values()) == {1: 75, 2: 62, 3: 52, 4: 37, 5: 25, 6: 22, 7: 11, 8: 4, 9: 2}
    assert report.coverage == 290 and report.random_candidate == pytest.approx(290)
    shared = [c for c in candidates if len(c.sources) > 1]  # merged across submissions
    assert len(shared) == 95 and max(len(c.sources) for c in shared) == 8
    assert sum(len(c.sources) for c in shared) == 1107 - (887 - 95)
    assert json.dumps(report.to_dict())  # serialisable as it stands


def changed_lines(text: str) -> Counter:
    counts: Counter = Counter()
    for line in text.split("\n"):
        if line.startswith(("+++ ", "--- ")) or not line.startswith(("+", "-")) or not line[1:].strip():
            continue
        counts[line[1:].rstrip()] += 1 if line[0] == "+" else -1
    return Counter({k: v for k, v in counts.items() if v})


def test_changed_lines_helper_cancels_removed_and_re_added_lines() -> None:
    assert changed_lines("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a \n+a\n+b\n") == Counter({"b": 1})
    assert changed_lines("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+c\n") == Counter({"a": -1, "c": 1})
