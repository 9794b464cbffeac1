"""Voting: score candidates by how many generated tests they pass, as pure functions over a
matrix of (candidate, test) outcomes.

The matrix has one column per candidate plus `UNEDITED`, the repository without any patch.
A test that exits 0 is a vote (the paper's score). Infrastructure errors are never votes,
neither for nor against. Beyond the paper: optionally count only tests that fail on the
unedited repository (a test that passes before any edit proves nothing), and subtract a
penalty per repository test a candidate breaks.

The runner that executes cells (Docker) lives elsewhere; here are the pure pieces it needs so
that no (patch, test) pair runs twice: `pending_cells` and the `votes.jsonl` cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from codefix.core.redaction import redact

from selection.candidates import Candidate

UNEDITED = "unedited"
"""The column of the repository at its base commit, with no candidate applied."""


class Outcome(str, Enum):
    PASS = "pass"
    """The test exited 0."""
    FAIL = "fail"
    """The test ran and exited non-zero (a timeout included: the candidate may hang)."""
    ERROR = "error"
    """The infrastructure failed; says nothing about the candidate."""


@dataclass(frozen=True)
class Vote:
    """The outcome of one test on one column."""

    candidate: str
    """A candidate id, or `UNEDITED`."""
    test: str
    """The test's id."""
    outcome: Outcome


REPO_TEST_PENALTY = 1.0
"""Points a candidate loses per repository test it breaks (passes unedited, fails with it)."""


class RankedCandidate(BaseModel):
    """One candidate's standing: after voting, or (unvoted) its id and size alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """The candidate id."""
    score: float = 0.0
    """Passes on counted tests minus the penalty for broken repository tests."""
    passes: int = 0
    """Counted tests that exited 0."""
    counted_tests: int = 0
    """Tests that count (all, or those failing on the unedited repository)."""
    errors: int = 0
    """Counted tests whose cell was an infrastructure error (or a patch that does not apply)."""
    broken_repo_tests: int = 0
    """Repository tests that pass unedited and fail with this candidate."""
    size: int = 0
    """Changed lines of the patch (ties go to the smaller)."""


def vote_table(votes: Iterable[Vote]) -> dict[tuple[str, str], Outcome]:
    """Votes keyed by (candidate, test); the same cell given twice must agree."""
    table: dict[tuple[str, str], Outcome] = {}
    for vote in votes:
        key = (vote.candidate, vote.test)
        outcome = Outcome(vote.outcome)
        if table.get(key, outcome) != outcome:
            raise ValueError(f"conflicting outcomes for candidate {key[0]!r} on test {key[1]!r}")
        table[key] = outcome
    return table


def counted_tests(votes: Iterable[Vote], *, only_failing_before: bool) -> list[str]:
    """The tests that count, sorted: all of them, or those that fail on the unedited repo."""
    table = vote_table(votes)
    tests = sorted({test for _, test in table})
    if not only_failing_before:
        return tests
    return [t for t in tests if table.get((UNEDITED, t)) is Outcome.FAIL]


def broken_repo_tests(repo_votes: Iterable[Vote]) -> dict[str, int]:
    """Per candidate, the repository tests that pass unedited and fail with it (errors ignored)."""
    table = vote_table(repo_votes)
    broken: dict[str, int] = {}
    for (cand, test), outcome in table.items():
        if cand == UNEDITED:
            continue
        hit = outcome is Outcome.FAIL and table.get((UNEDITED, test)) is Outcome.PASS
        broken[cand] = broken.get(cand, 0) + hit
    return broken


def rank(
    candidates: Sequence[Candidate],
    votes: Iterable[Vote],
    *,
    only_failing_before: bool,
    repo_votes: Iterable[Vote] = (),
) -> list[RankedCandidate]:
    """Every candidate scored and sorted: score (high first), then size (small first), then id.

    `only_failing_before` counts only the tests that fail on the unedited repository (those that
    pass there, or whose unedited run errored or is missing, are not counted); each repository
    test in `repo_votes` a candidate breaks costs it `REPO_TEST_PENALTY`."""
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("candidates must be deduplicated before voting")
    votes = list(votes)
    table = vote_table(votes)
    tests = counted_tests(votes, only_failing_before=only_failing_before)
    broken = broken_repo_tests(repo_votes)
    scores = []
    for cand in candidates:
        outcomes = [table.get((cand.id, t)) for t in tests]
        passes = sum(o is Outcome.PASS for o in outcomes)
        n_broken = broken.get(cand.id, 0)
        scores.append(
            RankedCandidate(
                id=cand.id,
                score=passes - REPO_TEST_PENALTY * n_broken,
                passes=passes,
                counted_tests=len(tests),
                errors=sum(o is Outcome.ERROR for o in outcomes),
                broken_repo_tests=n_broken,
                size=cand.size,
            )
        )
    return sorted(scores, key=lambda s: (-s.score, s.size, s.id))


def script_id(script: str) -> str:
    """A test's id: the first 12 hex digits of the sha256 of its text (equal scripts, one id)."""
    return hashlib.sha256(script.encode("utf-8")).hexdigest()[:12]


def pending_cells(columns: Sequence[str], tests: Sequence[str], done: Iterable[Vote]) -> list[tuple[str, str]]:
    """The (column, test) cells still to run, in column-major order, each once: every column
    (candidate ids and usually `UNEDITED`) by every test, minus the cells `done` already holds
    as pass or fail. Errors are run again: they say nothing about the candidate."""
    settled = {(v.candidate, v.test) for v in done if Outcome(v.outcome) is not Outcome.ERROR}
    cells = dict.fromkeys((c, t) for c in columns for t in tests)
    return [cell for cell in cells if cell not in settled]


def append_vote(path: Path, vote: Vote) -> None:
    """Append one vote to a `votes.jsonl` cache (callers serialise access)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(redact(json.dumps({**asdict(vote), "outcome": Outcome(vote.outcome).value})) + "\n")
        fh.flush()


def read_votes(path: Path) -> list[Vote]:
    """The votes cached in `path` (none if absent). A line cut short by a crash is skipped; later
    lines for the same cell win, so an error re-run to a verdict replaces the error."""
    if not path.is_file():
        return []
    cells: dict[tuple[str, str], Vote] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
            vote = Vote(str(rec["candidate"]), str(rec["test"]), Outcome(rec["outcome"]))
        except (ValueError, KeyError, TypeError):
            continue
        cells[(vote.candidate, vote.test)] = vote
    return list(cells.values())
