"""The selection stage for one instance: the configured strategy (`selection.strategies`; by
default the paper's: vote, keep the top k, let the selection state machine pick the winner,
falling back to the top-voted candidate) chooses among the candidates. Every step is stored
under `out_dir` and reused by a rerun: `votes.jsonl` (cells), `trajectories/selection.traj.json`
(model calls), `selection.json` (the result)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from codefix.core import run_layout as layout
from codefix.core.setting_bounds import MACHINE_CALLS, OUTPUT_TOKENS, SCRIPT_TIMEOUT, TEMPERATURE, TOP_K, WORKERS
from codefix.core.test_infra import instance_infrastructure_paths
from codefix.core.store import read_or_set_aside, write_json

from agent.issue_text import prompt_issue
from agent.loop import run_trajectory
from agent.models.output_limit import stage_output_limit
from agent.sandbox_pool import SandboxPool
from agent.record_tests import public_test_command
from agent.script_kinds import target_of_files
from agent.script_runs import ScriptRunConfig
from agent.task import EXIT_SUBMITTED, RESUMABLE
from agent.trajectory_record import TrajectoryRecord
from selection.candidates import Candidate
from selection.selection_machine import STAGE, SelectionTask
from selection.strategies import STRATEGIES
from selection.voting import UNEDITED, Outcome, RankedCandidate, counted_tests, rank
from selection.voting_runner import VOTE_SCRIPT, RunStats, VotingRun, split_repo_votes

ONLY_CANDIDATE = "only_candidate"
SELECTION_MACHINE = "selection_machine"
FALLBACK_TOP_VOTED = "fallback_top_voted"
NO_CANDIDATES = "no_candidates"


class SelectionConfig(BaseModel):
    """How candidates are voted on and chosen among."""

    model_config = ConfigDict(extra="forbid")

    strategy: str = "voting_adjudication"
    """How the winner is chosen (`selection.strategies.STRATEGIES`): "voting_adjudication" (the
    paper's: vote, keep the top k, the selection state machine picks), "voting_only" (the
    top-voted candidate, no model call) or "adjudication_only" (every candidate to the selection
    state machine, no voting: the paper's ensemble of small pools)."""
    top_k: int = TOP_K.field(3)
    """Candidates the voting keeps for the selection state machine."""
    max_calls: int = MACHINE_CALLS.field(8)
    """Model calls the selection state machine may make (format-fix re-prompts count)."""
    temperature: float = TEMPERATURE.field(0.0)
    """Sampling temperature of the selection calls."""
    max_tokens: int | None = OUTPUT_TOKENS.field(None)
    """Output tokens per selection call; None: the model's default (the answer plus room for
    hidden reasoning, within its known output limit: `agent.models.output_limit`)."""
    only_tests_failing_before: bool = True
    """Count only tests that fail on the unedited repository (beyond the paper, which counts
    every test): a test that passes before any edit cannot tell a fix from no fix. When no test
    fails on the unedited repository, every test counts (else all scores would be 0)."""
    repo_tests: bool = False
    """Also run the repository's own test files for the modules a candidate touches and
    subtract one point per test file it breaks (passes unedited, fails with the candidate)."""
    workers: int = WORKERS.field(4)
    """Sandboxes running voting cells at once."""
    script_timeout: float = SCRIPT_TIMEOUT.field(ScriptRunConfig().timeout)
    """Seconds a test script may run before it is killed (a kill is a FAIL)."""
    show_votes: bool = False
    """Show the selection model each finalist's vote count (off, as the votes could anchor its
    choice; the finalists are listed best voted first either way)."""

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"unknown selection strategy {value!r}; known: {', '.join(STRATEGIES)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _strategy_of_use_voting(cls, data):
        """Configs written before `strategy` (runs' config.yaml included) said `use_voting`:
        true is "voting_adjudication", false "adjudication_only"."""
        if isinstance(data, dict) and "use_voting" in data:
            data = dict(data)
            legacy = "voting_adjudication" if data.pop("use_voting") else "adjudication_only"
            if data.setdefault("strategy", legacy) != legacy:
                raise ValueError(f"use_voting contradicts strategy {data['strategy']!r}; give strategy alone")
        return data


class SelectionResult(BaseModel):
    """What selection chose for one instance, and how."""

    model_config = ConfigDict(extra="forbid")

    instance_id: str
    winner: str | None = None
    """The chosen candidate's id (None only when there were no candidates)."""
    patch: str = ""
    """The chosen candidate's patch ("" when there were none)."""
    method: str
    """"only_candidate", "selection_machine", "fallback_top_voted", "no_candidates", or the
    method a strategy names ("top_voted")."""
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
    `codefix.core.protocols.Sandbox`); `apply_patch(sandbox, patch)` applies a patch in it,
    raising `PatchApplyError`/`UnsafePatchError`. A finished result is returned as stored.
    When the state machine stopped on a model error, the budget or a dead sandbox, the
    top-voted fallback is returned but not stored, so a rerun resumes the machine (its
    finished calls are not repeated).
    """
    out_dir = Path(out_dir)
    done = out_dir / layout.SELECTION
    stored = read_or_set_aside(done, "selection is redone (its votes and trajectory are reused)")
    if stored is not None:
        return SelectionResult.model_validate(stored)
    selection = Selection(instance, model=model, ledger=ledger, sandbox_factory=sandbox_factory,
                          apply_patch=apply_patch, out_dir=out_dir, config=config or SelectionConfig(),
                          stats=stats if stats is not None else RunStats())
    result = selection.choose(list(candidates))
    if result.machine_status not in RESUMABLE:
        write_json(done, result.model_dump())
    return result


@dataclass
class Standing:
    """Candidates in order, best first, with their ranking."""

    candidates: list[Candidate]
    ranking: list[RankedCandidate]
    """The same order: by votes when voting ran, else by size (test-infrastructure patches last)."""
    votes: dict = field(default_factory=dict)
    """The voting summary (empty: no voting ran)."""


class Selection:
    """One instance's selection: its collaborators, and the steps a strategy
    (`selection.strategies`) composes."""

    def __init__(self, instance, *, model, ledger, sandbox_factory: Callable[[], object], apply_patch: Callable,
                 out_dir: Path, config: SelectionConfig, stats: RunStats):
        self.instance, self.model, self.ledger = instance, model, ledger
        self.sandbox_factory, self.apply_patch = sandbox_factory, apply_patch
        self.out_dir, self.config, self.stats = Path(out_dir), config, stats
        self.flagged: dict[str, list[str]] = {}
        """Candidates whose patch touches test infrastructure: the paths, by id."""

    def choose(self, candidates: list[Candidate]) -> SelectionResult:
        """No candidate, one, or the configured strategy's choice among several."""
        self.flagged = {c.id: paths for c in candidates
                        if (paths := instance_infrastructure_paths(self.instance, c.patch))}
        if not candidates:
            result = SelectionResult(instance_id=self.instance.instance_id, method=NO_CANDIDATES)
        elif len(candidates) == 1:
            result = self.pick(candidates[0], ONLY_CANDIDATE, self.by_size(candidates), finalists=[])
        else:
            result = STRATEGIES[self.config.strategy](self, candidates)
        result.test_infrastructure = self.flagged
        return result

    def by_size(self, candidates: Sequence[Candidate]) -> Standing:
        """Unvoted: smallest first, test-infrastructure patches last."""
        ordered = sorted(candidates, key=lambda c: (c.id in self.flagged, c.size, c.id))
        return Standing(ordered, [RankedCandidate(id=c.id, size=c.size) for c in ordered])

    def vote(self, candidates: Sequence[Candidate]) -> Standing:
        """Every generated test on every candidate and on the unedited repository (cells cached in
        `votes.jsonl`), the candidates ranked by their votes, test-infrastructure patches last."""
        config = self.config
        tests = list(dict.fromkeys(t for c in candidates for t in c.tests if t.strip()))
        votes, stats = VotingRun(candidates, tests, sandbox_factory=self.sandbox_factory, apply_patch=self.apply_patch,
                                 cache_path=self.out_dir / layout.VOTES, workers=config.workers,
                                 script_timeout=config.script_timeout, repo_tests=config.repo_tests,
                                 stats=self.stats).run()
        generated, repo = split_repo_votes(votes)
        only_failing = config.only_tests_failing_before and bool(counted_tests(generated, only_failing_before=True))
        ranking = sorted(rank(candidates, generated, only_failing_before=only_failing, repo_votes=repo),
                         key=lambda r: r.id in self.flagged)  # stable
        by_id = {c.id: c for c in candidates}
        return Standing([by_id[r.id] for r in ranking], ranking, _summary(generated, repo, tests, only_failing, stats))

    def adjudicate(self, finalists: Sequence[Candidate], standing: Standing) -> SelectionResult:
        """The selection state machine picks among `finalists` (best first; test-infrastructure
        patches left out while another is left); the first of them when it names none."""
        finalists = list(finalists)
        if any(c.id not in self.flagged for c in finalists):  # a test-infrastructure patch never wins for it
            finalists = [c for c in finalists if c.id not in self.flagged]
        if len(finalists) == 1:
            return self.pick(finalists[0], ONLY_CANDIDATE, standing, finalists=finalists)
        scores = {r.id: r for r in standing.ranking} if self.config.show_votes and standing.votes else None
        record = self._run_machine(finalists, scores)
        winner_id = (record.result or {}).get("winner") if record.status == EXIT_SUBMITTED else None
        winner = next((c for c in finalists if c.id == winner_id), None)
        result = self.pick(winner or finalists[0], SELECTION_MACHINE if winner is not None else FALLBACK_TOP_VOTED,
                           standing, finalists=finalists)
        result.machine_status, result.calls, result.cost = record.status, record.calls, record.cost
        return result

    def pick(self, winner: Candidate, method: str, standing: Standing,
             finalists: Sequence[Candidate] = ()) -> SelectionResult:
        """`winner` as the result, with the standing it came from."""
        return SelectionResult(instance_id=self.instance.instance_id, winner=winner.id, patch=winner.patch,
                               method=method, ranking=standing.ranking, finalists=[c.id for c in finalists],
                               votes=standing.votes)

    def _run_machine(self, finalists: Sequence[Candidate], scores) -> TrajectoryRecord:
        instance, config = self.instance, self.config
        pool = SandboxPool(self.sandbox_factory, 1)
        try:
            with pool.lease() as sandbox:
                files = _touched_files(sandbox, finalists)
                example = next((t for c in finalists for t in c.tests if t.strip()), "")
                target = target_of_files([p for c in finalists for p in c.files], example,
                                         public_test_command(instance), getattr(instance, "repo_language", "") or "")
                task = SelectionTask(
                    prompt_issue(instance.problem_statement), finalists, files=files, example_test=example,
                    apply_patch=self.apply_patch, scores=scores, max_calls=config.max_calls,
                    config=ScriptRunConfig(script_path=VOTE_SCRIPT, timeout=config.script_timeout),
                    repo=getattr(instance, "repo", ""), version=getattr(instance, "version", ""), target=target,
                )
                return run_trajectory(
                    task, self.model, sandbox, ledger=self.ledger, stage=STAGE,
                    path=self.out_dir / layout.TRAJECTORIES / layout.SELECTION_TRAJECTORY, max_calls=config.max_calls,
                    meta={"instance_id": instance.instance_id}, temperature=config.temperature,
                    **stage_output_limit(config.max_tokens),
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
