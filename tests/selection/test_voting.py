"""Voting on literal matrices. Each test names the mistake it guards against."""

from __future__ import annotations

import pytest

from selection.candidates import Candidate
from selection.voting import (
    UNEDITED,
    Outcome,
    Vote,
    append_vote,
    broken_repo_tests,
    counted_tests,
    pending_cells,
    rank,
    read_votes,
    script_id,
)

P, F, E = Outcome.PASS, Outcome.FAIL, Outcome.ERROR


def cand(cid: str, size: int) -> Candidate:
    return Candidate(id=cid, patch=f"patch {cid}", added=size, removed=0)


def matrix(rows: dict[str, str]) -> list[Vote]:
    """rows: column -> one letter per test t0, t1, ... (P pass, F fail, E error, . missing)."""
    letters = {"P": P, "F": F, "E": E}
    return [
        Vote(col, f"t{i}", letters[ch]) for col, line in rows.items() for i, ch in enumerate(line) if ch != "."
    ]


def ids(scores) -> list[str]:
    return [s.id for s in scores]


def test_score_is_the_number_of_tests_exiting_zero() -> None:
    votes = matrix({UNEDITED: "FFF", "a": "PPF", "b": "PFF", "c": "PPP"})
    scores = rank([cand("a", 1), cand("b", 1), cand("c", 1)], votes, only_failing_before=False)
    assert ids(scores) == ["c", "a", "b"]
    assert [s.passes for s in scores] == [3, 2, 1]


def test_ties_go_to_the_shorter_diff_then_to_the_id() -> None:
    # Guards: a tie must not be decided by input order (non-deterministic selection).
    votes = matrix({"a": "PF", "b": "PF", "c": "PF"})
    cands = [cand("c", 5), cand("b", 9), cand("a", 5)]
    assert ids(rank(cands, votes, only_failing_before=False)) == ["a", "c", "b"]
    assert ids(rank(list(reversed(cands)), votes, only_failing_before=False)) == ["a", "c", "b"]


def test_all_fail_still_ranks_every_candidate_by_size() -> None:
    # Guards: when no test passes anywhere, voting must still return k candidates, not none.
    votes = matrix({UNEDITED: "FF", "a": "FF", "b": "FF", "c": "FF", "d": "FF"})
    for only_failing_before in (False, True):
        ranked = rank([cand("a", 3), cand("b", 1), cand("c", 2), cand("d", 4)], votes,
                      only_failing_before=only_failing_before)
        assert ids(ranked) == ["b", "c", "a", "d"]


def test_infrastructure_errors_are_not_votes_either_way() -> None:
    # Guards: an engine hiccup must neither reward nor punish the candidate it hit.
    votes = matrix({"a": "PEE", "b": "PFF"})
    scores = {s.id: s for s in rank([cand("a", 1), cand("b", 1)], votes, only_failing_before=False)}
    assert scores["a"].score == scores["b"].score == 1
    assert (scores["a"].errors, scores["b"].errors) == (2, 0)


def test_tests_that_pass_before_the_edit_count_only_in_the_paper_score() -> None:
    # Guards: a test passing on the unedited repo proves nothing; with the option on it must
    # not let a candidate that passes only such tests beat one that fixes the bug.
    votes = matrix({UNEDITED: "PPPF", "noop": "PPPF", "fix": "FFFP"})
    cands = [cand("noop", 1), cand("fix", 1)]
    assert ids(rank(cands, votes, only_failing_before=False)) == ["noop", "fix"]  # the paper's score is fooled
    strict = rank(cands, votes, only_failing_before=True)
    assert ids(strict) == ["fix", "noop"]
    assert strict[0].counted_tests == 1


def test_a_test_whose_unedited_run_errored_or_is_missing_does_not_count_in_the_strict_variant() -> None:
    votes = matrix({UNEDITED: "FE.", "a": "FPP"})
    assert counted_tests(votes, only_failing_before=True) == ["t0"]
    assert counted_tests(votes, only_failing_before=False) == ["t0", "t1", "t2"]


def test_breaking_the_repositorys_own_tests_is_penalised() -> None:
    # Guards: a candidate that makes the reproduction pass by breaking the library must lose.
    votes = matrix({"breaks": "PP", "clean": "PF"})
    repo = matrix({UNEDITED: "PPF", "breaks": "FFF", "clean": "PPP"})
    assert broken_repo_tests(repo) == {"breaks": 2, "clean": 0}
    cands = [cand("breaks", 1), cand("clean", 1)]
    assert ids(rank(cands, votes, only_failing_before=False)) == ["breaks", "clean"]
    scored = rank(cands, votes, only_failing_before=False, repo_votes=repo)
    assert ids(scored) == ["clean", "breaks"] and scored[1].score == 0 and scored[1].broken_repo_tests == 2


def test_repo_test_errors_are_not_breakage() -> None:
    repo = matrix({UNEDITED: "PE", "a": "EF"})
    assert broken_repo_tests(repo) == {"a": 0}


def test_conflicting_duplicate_cells_and_duplicate_candidates_are_refused() -> None:
    with pytest.raises(ValueError, match="conflicting"):
        rank([cand("a", 1)], [Vote("a", "t", P), Vote("a", "t", F)], only_failing_before=False)
    with pytest.raises(ValueError, match="deduplicated"):
        rank([cand("a", 1), cand("a", 2)], [], only_failing_before=False)
    assert ids(rank([cand("a", 1)], [Vote("a", "t", P), Vote("a", "t", P)], only_failing_before=False)) == ["a"]




def test_pending_cells_skip_settled_cells_and_rerun_infrastructure_errors() -> None:
    # Guards: a (patch, test) pair already judged must never run twice; an error is not a judgement.
    done = [Vote("a", "t0", P), Vote(UNEDITED, "t0", F), Vote("a", "t1", E)]
    cells = pending_cells([UNEDITED, "a", "b"], ["t0", "t1", "t0"], done)
    assert cells == [(UNEDITED, "t1"), ("a", "t1"), ("b", "t0"), ("b", "t1")]
    assert pending_cells(["a"], ["t0"], done) == []


def test_vote_cache_round_trip_survives_a_cut_last_line(tmp_path) -> None:
    path = tmp_path / "i-1" / "votes.jsonl"
    assert read_votes(path) == []
    append_vote(path, Vote("a", "t0", E))
    append_vote(path, Vote(UNEDITED, "t0", F))
    append_vote(path, Vote("a", "t0", P))  # the error re-run to a verdict
    with path.open("a") as fh:
        fh.write('{"candidate": "b", "te')
    assert sorted(read_votes(path), key=lambda v: v.candidate) == [Vote("a", "t0", P), Vote(UNEDITED, "t0", F)]


def test_script_id_is_a_content_hash() -> None:
    assert script_id("print(1)\n") == script_id("print(1)\n") != script_id("print(2)\n")
    assert len(script_id("")) == 12
