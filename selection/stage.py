"""The selection stage for one instance: vote, keep the top k, let the selection state machine
pick the winner (fallback: the top-voted candidate). Every step is stored under `out_dir` and
reused by a rerun: `votes.jsonl` (cells), `trajectories/selection.traj.json` (model calls),
`selection.json` (the result)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codefix.test_infra import instance_infrastructure_paths
from codefix.store import read_or_set_aside, write_json

from agent.issue_text import prompt_issue
from agent.loop import run_trajectory
from agent.sandbox_pool import SandboxPool
from agent.script_runs import ScriptRunConfig
from agent.task import EXIT_SUBMITTED, RESUMABLE
from agent.trajectory_record import TrajectoryRecord
from selection.candidates import Candidate
from selection.selection_machine import STAGE, SelectionTask
from selection.voting import UNEDITED, Outcome, VotingConfig, counted_tests, rank
from selection.voting_runner import VOTE_SCRIPT, RunStats, VotingRun, split_repo_votes

ONLY_CANDIDATE = "only_candidate"
SELECTION_MACHINE = "selection_machine"
FALLBACK_TOP_VOTED = "fallback_top_voted"
NO_CANDIDATES = "no_candidates"


class SelectionConfig(BaseModel):
    """How candidates are voted on and chosen among."""

    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(3, ge=1)
    """Candidates the voting keeps for the selection state machine."""
    max_calls: int = Field(8, ge=1)
    """Model calls the selection state machine may make (format-fix re-prompts count)."""
    temperature: float = 0.0
    """Sampling temperature of the selection calls."""
    only_tests_failing_before: bool = True
    """Count only tests that fail on the unedited repository (beyond the paper, which counts
    every test): a test that passes before any edit cannot tell a fix from no fix. When no test
    fails on the unedited repository, every test counts (else all scores would be 0)."""
    repo_tests: bool = False
    """Also run the repository's own test files for the modules a candidate touches and
    subtract one point per test file it breaks (passes unedited, fails with the candidate)."""
    use_voting: bool = True
    """Vote first and keep the top k; False sends every candidate to the machine (ensembles
    with small pools, as in the paper)."""
    workers: int = Field(4, ge=1)
    """Sandboxes running voting cells at once."""
    script_timeout: float = Field(ScriptRunConfig().timeout, gt=0)
    """Seconds a test script may run before it is killed (a kill is a FAIL)."""
    show_votes: bool = False
    """Show the selection model each finalist's vote count (off, as the votes could anchor its
    choice; the finalists are listed best voted first either way)."""


class RankedCandidate(BaseModel):
    """One candidate's standing after voting."""

    model_config = ConfigDict(extra="forbid")

    id: str
    score: float = 0.0
    """Passes on counted tests minus the repository-test penalty."""
    passes: int = 0
    counted_tests: int = 0
    errors: int = 0
    """Counted tests whose cell was an infrastructure error (or a patch that does not apply)."""
    broken_repo_tests: int = 0
    size: int = 0
    """Changed lines."""


class SelectionResult(BaseModel):
    """What selection chose for one instance, and how."""

    model_config = ConfigDict(extra="forbid")

    instance_id: str
    winner: str | None = None
    """The chosen candidate's id (None only when there were no candidates)."""
    patch: str = ""
    """The chosen candidate's patch ("" when there were none)."""
    method: str
    """"only_candidate", "selection_machine", "fallback_top_voted" or "no_candidates"."""
    ranking: list[RankedCandidate] = Field(default_factory=list)
    """Every candidate, best first (by voting when it ran, else by size)."""
    finalists: list[str] = Field(default_factory=list)
    """Ids shown to the selection state machine."""
    votes: dict = Field(default_factory=dict)
    """Summary: tests, counted tests, cells, pass/fail/error counts, unappliable candidates."""
    machine_status: str = ""
    """The state machine's exit ("" when it did not run)."""
    calls: int = 0
    """Model calls the state machine made."""
    cost: float = 0.0
    test_infrastructure: dict[str, list[str]] = Field(default_factory=dict)
    """Candidates whose patch touches test infrastructure (conftest.py, pytest plugins,
    sitecustomize, .pth, the evaluation's test files), by id: ranked after every other candidate
    and never sent to the state machine while an unflagged one is left."""


def run_selection(
    instance,
    candidates: Sequence[Candidate],
    *,
    model,
    ledger,
    sandbox_factory: Callable[[], object],
    apply_patch: Callable,
    out_dir: Path,
    config: SelectionConfig | None = None,
    stats: RunStats | None = None,
) -> SelectionResult:
    """Choose one of `candidates` (deduplicated) for `instance`; stored in `out_dir/selection.json`.

    `sandbox_factory()` returns an unopened sandbox (a context manager implementing
    `codefix.protocols.Sandbox`); `apply_patch(sandbox, patch)` applies a patch in it,
    raising `PatchApplyError`/`UnsafePatchError`. A finished result is returned as stored.
    When the state machine stopped on a model error, the budget or a dead sandbox, the
    top-voted fallback is returned but not stored, so a rerun resumes the machine (its
    finished calls are not repeated).
    """
    config = config or SelectionConfig()
    out_dir = Path(out_dir)
    done = out_dir / "selection.json"
    stored = read_or_set_aside(done, "selection is redone (its votes and trajectory are reused)")
    if stored is not None:
        return SelectionResult.model_validate(stored)
    result = _select(instance, list(candidates), model, ledger, sandbox_factory, apply_patch, out_dir, config,
                     stats if stats is not None else RunStats())
    if result.machine_status not in RESUMABLE:
        write_json(done, result.model_dump())
    return result


def _select(instance, candidates, model, ledger, factory, apply_patch, out_dir, config, stats) -> SelectionResult:
    flagged = {c.id: paths for c in candidates if (paths := instance_infrastructure_paths(instance, c.patch))}
    result = _select_among(instance, candidates, model, ledger, factory, apply_patch, out_dir, config, stats, flagged)
    result.test_infrastructure = flagged
    return result


def _select_among(instance, candidates, model, ledger, factory, apply_patch, out_dir, config, stats,
                  flagged) -> SelectionResult:
    iid = instance.instance_id
    if not candidates:
        return SelectionResult(instance_id=iid, method=NO_CANDIDATES)
    by_size = sorted(candidates, key=lambda c: (c.id in flagged, c.size, c.id))
    if len(candidates) == 1:
        return _chosen(iid, candidates[0], ONLY_CANDIDATE, _unvoted(by_size))
    summary: dict = {}
    scores = {}
    if config.use_voting:
        tests = list(dict.fromkeys(t for c in candidates for t in c.tests if t.strip()))
        votes, stats = VotingRun(candidates, tests, sandbox_factory=factory, apply_patch=apply_patch,
                                 cache_path=out_dir / "votes.jsonl", workers=config.workers,
                                 script_timeout=config.script_timeout, repo_tests=config.repo_tests, stats=stats).run()
        generated, repo = split_repo_votes(votes)
        only_failing = config.only_tests_failing_before and bool(
            counted_tests(generated, only_failing_before=True))
        voting = VotingConfig(top_k=config.top_k, only_tests_failing_before=only_failing,
                              repo_test_penalty=1.0 if config.repo_tests else 0.0)
        ranked = sorted(rank(candidates, generated, voting, repo), key=lambda s: s.candidate in flagged)  # stable
        scores = {s.candidate: s for s in ranked}
        ranking = [RankedCandidate(id=s.candidate, score=s.score, passes=s.passes, counted_tests=s.counted_tests,
                                   errors=s.errors, broken_repo_tests=s.broken_repo_tests, size=s.size) for s in ranked]
        summary = _summary(generated, repo, tests, only_failing, stats)
        by_id = {c.id: c for c in candidates}
        finalists = [by_id[r.id] for r in ranking[: config.top_k]]
    else:
        ranking = _unvoted(by_size)
        finalists = by_size
    if any(c.id not in flagged for c in finalists):  # a test-infrastructure patch never wins for it
        finalists = [c for c in finalists if c.id not in flagged]
    if len(finalists) == 1:
        return _chosen(iid, finalists[0], ONLY_CANDIDATE, ranking, summary, [finalists[0].id])
    record = _run_machine(instance, finalists, scores, model, ledger, factory, apply_patch, out_dir, config)
    winner_id = (record.result or {}).get("winner") if record.status == EXIT_SUBMITTED else None
    winner = next((c for c in finalists if c.id == winner_id), None)
    method = SELECTION_MACHINE if winner is not None else FALLBACK_TOP_VOTED
    result = _chosen(iid, winner or finalists[0], method, ranking, summary, [c.id for c in finalists])
    result.machine_status, result.calls, result.cost = record.status, record.calls, record.cost
    return result


def _run_machine(instance, finalists, scores, model, ledger, factory, apply_patch, out_dir, config) -> TrajectoryRecord:
    pool = SandboxPool(factory, 1)
    try:
        with pool.lease() as sandbox:
            files = _touched_files(sandbox, finalists)
            example = next((t for c in finalists for t in c.tests if t.strip()), "")
            task = SelectionTask(
                prompt_issue(instance.problem_statement), finalists, files=files, example_test=example,
                apply_patch=apply_patch, scores=scores if config.show_votes and scores else None, max_calls=config.max_calls,
                config=ScriptRunConfig(script_path=VOTE_SCRIPT, timeout=config.script_timeout),
                repo=getattr(instance, "repo", ""), version=getattr(instance, "version", ""),
            )
            return run_trajectory(
                task, model, sandbox, ledger=ledger, stage=STAGE, path=out_dir / "trajectories" / "selection.traj.json",
                max_calls=config.max_calls, meta={"instance_id": instance.instance_id}, temperature=config.temperature,
            )
    finally:
        pool.close()


def _touched_files(sandbox, candidates: Sequence[Candidate]) -> dict[str, str | None]:
    sandbox.reset()
    files: dict[str, str | None] = {}
    for path in sorted({p for c in candidates for p in c.files}):
        try:
            files[path] = sandbox.read_file(path)
        except (FileNotFoundError, IsADirectoryError):
            files[path] = None
    return files


def _unvoted(candidates: Sequence[Candidate]) -> list[RankedCandidate]:
    return [RankedCandidate(id=c.id, size=c.size) for c in candidates]


def _chosen(iid, cand: Candidate, method: str, ranking, summary=None, finalists=None) -> SelectionResult:
    return SelectionResult(instance_id=iid, winner=cand.id, patch=cand.patch, method=method, ranking=ranking,
                           finalists=finalists or [], votes=summary or {})


def _summary(generated, repo, tests, only_failing: bool, stats: RunStats) -> dict:
    counts = {o.value: sum(Outcome(v.outcome) is o for v in generated) for o in Outcome}
    return {
        "tests": len(tests),
        "counted_tests": len(counted_tests(generated, only_failing_before=only_failing)),
        "only_tests_failing_before": only_failing,
        "unedited_fails": sum(v.candidate == UNEDITED and Outcome(v.outcome) is Outcome.FAIL for v in generated),
        "cells": counts,
        "repo_test_cells": len(repo),
        "runs_executed": stats.runs,
        "cells_cached": stats.cached,
        "unappliable": list(stats.apply_failures),
    }
