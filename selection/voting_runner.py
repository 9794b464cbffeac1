"""The voting matrix, executed: every test script on every candidate and on the unedited
repository, in a bounded pool of reused sandboxes, each (column, test) cell cached in
`votes.jsonl` so that it never runs twice.

A cell is: reset the sandbox, apply the column's patch (none for `UNEDITED`), write the script,
run it. Exit 0 is PASS; any other exit, a timeout included, is FAIL. Infrastructure failures
(`SandboxError`) are ERROR cells, never votes, and are run again next time.

A candidate whose patch does not apply (`PatchApplyError` / `UnsafePatchError` from the
injected `apply_patch`) gets ERROR cells for every test: it earns no votes, is not counted
against the other candidates, and the rest of the matrix runs. The failure is remembered for
the cache as a FAIL vote on the pseudo-test `APPLY_CHECK`, so the patch is tried once, not
once per test nor again on a rerun: its cells are recorded as ERROR without a sandbox.

Docker stays outside: the composition root passes `sandbox_factory` and `apply_patch`.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codefix.core.errors import PatchApplyError, SandboxError, UnsafePatchError
from codefix.core.parallel import map_isolated
from codefix.core.store import atomic_write_text
from codefix.core.truncation import truncate_middle

from agent.sandbox_pool import SandboxPool
from agent.script_runs import ScriptRunConfig
from selection.candidates import Candidate
from selection.voting import UNEDITED, Outcome, Vote, append_vote, pending_cells, read_votes, script_id

VOTE_SCRIPT = "codefix_vote_test.py"
"""Where a voting test is written, relative to the repository root."""
REPO_TEST_PREFIX = "repo:"
"""Test ids of repository test files start with this (`repo:tests/test_money.py`)."""
APPLY_CHECK = "apply"
"""Pseudo-test id under which the cache remembers that a candidate's patch does not apply."""
REPO_TEST_COMMAND = "python3 -m pytest -q -x -p no:cacheprovider {path}"


@dataclass(frozen=True)
class CellRun:
    """What running one test on one column produced."""

    outcome: Outcome
    exit_code: int | None = None
    timed_out: bool = False
    output: str = ""
    note: str = ""
    """Why there is no verdict ("patch does not apply: ...", "sandbox error: ...")."""


@dataclass
class RunStats:
    """What a `VotingRun` did."""

    cells: int = 0
    """Cells of the matrix (columns × tests, repository tests included)."""
    cached: int = 0
    """Cells settled by the cache, not run."""
    runs: int = 0
    """Test scripts actually executed in a sandbox."""
    apply_failures: list[str] = field(default_factory=list)
    """Candidate ids whose patch did not apply."""
    sandboxes_started: int = 0


def run_cell(
    sandbox,
    patch: str | None,
    command: str,
    *,
    apply_patch: Callable,
    script: str | None = None,
    config: ScriptRunConfig | None = None,
) -> CellRun:
    """Reset `sandbox`, apply `patch` (None: unedited), write `script` (if any) where its kind goes
    (`ScriptRunConfig.command`), run `command`.

    A patch that does not apply gives an ERROR cell with the reason; `SandboxError` propagates.
    """
    config = config or ScriptRunConfig(script_path=VOTE_SCRIPT)
    sandbox.reset()
    if patch:
        try:
            apply_patch(sandbox, patch)
        except (PatchApplyError, UnsafePatchError) as exc:
            return CellRun(Outcome.ERROR, note=f"patch does not apply: {exc}")
    if script is not None:
        sandbox.write_file(config.command(script)[0], script)
    result = sandbox.run(command, timeout=config.timeout)
    outcome = Outcome.PASS if result.exit_code == 0 else Outcome.FAIL
    return CellRun(outcome, result.exit_code, result.timed_out, truncate_middle(result.output, config.output_limit))


def run_script_cell(sandbox, patch: str | None, script: str, *, apply_patch: Callable,
                    config: ScriptRunConfig | None = None) -> CellRun:
    """One test script on one column (see `run_cell`)."""
    config = config or ScriptRunConfig(script_path=VOTE_SCRIPT)
    command = config.command(script)[1]
    return run_cell(sandbox, patch, command, apply_patch=apply_patch, script=script, config=config)


class VotingRun:
    """One execution of the voting matrix: every test script on every candidate and on `UNEDITED`,
    cells on a pool of `workers` sandboxes, each cell's vote appended to the cache as it lands.

    Test ids are `selection.voting.script_id(script)`. With `repo_tests`, the repository's own
    test files matching the modules each candidate touches (`test_<mod>.py`, `<mod>_test.py`)
    run with pytest on that candidate and on the unedited repository, as votes whose test id
    starts with `REPO_TEST_PREFIX` (see `split_repo_votes`). Every cell's command is known
    before the first cell runs; `run()` returns all votes (cached ones too) and its `RunStats`.
    """

    def __init__(self, candidates: Sequence[Candidate], tests: Sequence[str], *, sandbox_factory: Callable[[], object],
                 apply_patch: Callable, cache_path: Path, workers: int = 4, script_timeout: float | None = None,
                 repo_tests: bool = False, stats: RunStats | None = None):
        self.config = ScriptRunConfig(script_path=VOTE_SCRIPT, **({} if script_timeout is None
                                                                  else {"timeout": script_timeout}))
        self.candidates = list(candidates)
        self.scripts = {script_id(t): t for t in tests if t and t.strip()}
        self.patches: dict[str, str | None] = {UNEDITED: None} | {c.id: c.patch for c in self.candidates}
        self.sandbox_factory, self.apply_patch, self.cache_path = sandbox_factory, apply_patch, Path(cache_path)
        self.workers = max(1, workers)
        """Sandboxes in the pool, and cells running at once."""
        self.repo_tests = repo_tests
        self.stats = stats if stats is not None else RunStats()
        self.done = read_votes(self.cache_path)
        self.unappliable = {v.candidate for v in self.done
                            if v.test == APPLY_CHECK and Outcome(v.outcome) is Outcome.FAIL}
        self.errors_known = {(v.candidate, v.test) for v in self.done if Outcome(v.outcome) is Outcome.ERROR}
        self._lock = threading.Lock()

    def run(self) -> tuple[list[Vote], RunStats]:
        pool = SandboxPool(self.sandbox_factory, self.workers)
        try:
            commands, cells = self._commands_and_cells(pool)
            cells = [c for c in cells if not (c[0] in self.unappliable and c in self.errors_known)]
            self.stats.cached = self.stats.cells - len(cells)
            self.stats.apply_failures.extend(sorted(c for c in self.unappliable if c in self.patches))
            map_isolated(lambda cell: self._cell(pool, cell, commands[cell[1]]), cells, self.workers)
        finally:
            self.stats.sandboxes_started += pool.started
            pool.close()
        votes = [v for v in read_votes(self.cache_path) if v.candidate in self.patches and v.test in commands]
        return votes, self.stats

    def _commands_and_cells(self, pool: SandboxPool) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """{test id: its command line} and the cells not settled by the cache."""
        commands = {sid: self.config.command(script)[1] for sid, script in self.scripts.items()}
        cells = pending_cells(list(self.patches), list(self.scripts), self.done)
        self.stats.cells = len(self.patches) * len(self.scripts)
        if self.repo_tests:
            repo = _repo_test_cells(self.candidates, pool, self.done, self.cache_path)
            commands |= {test: REPO_TEST_COMMAND.format(path=shlex.quote(test[len(REPO_TEST_PREFIX):]))
                         for _, test in repo.all}
            self.stats.cells += len(repo.all)
            cells += repo.pending
        return commands, cells

    def _record(self, vote: Vote) -> Vote:
        with self._lock:
            append_vote(self.cache_path, vote)
        return vote

    def _cell(self, pool: SandboxPool, cell: tuple[str, str], command: str) -> Vote:
        column, test = cell
        if column in self.unappliable:
            vote = Vote(column, test, Outcome.ERROR)
            return vote if cell in self.errors_known else self._record(vote)
        try:
            with pool.lease() as box:
                run = run_cell(box, self.patches[column], command, apply_patch=self.apply_patch,
                               script=self.scripts.get(test), config=self.config)
        except SandboxError:
            with self._lock:
                self.stats.runs += 1
            return self._record(Vote(column, test, Outcome.ERROR))
        with self._lock:
            if run.note.startswith("patch does not apply"):  # the script never ran
                if column not in self.unappliable:
                    self.unappliable.add(column)
                    self.stats.apply_failures.append(column)
                    append_vote(self.cache_path, Vote(column, APPLY_CHECK, Outcome.FAIL))
            else:
                self.stats.runs += 1
        return self._record(Vote(column, test, run.outcome))


@dataclass
class RepoTestCells:
    all: list[tuple[str, str]]
    """Every repository-test cell of the matrix."""
    pending: list[tuple[str, str]]
    """Those the cache has no verdict for."""


def _repo_test_cells(candidates, pool: SandboxPool, done: list[Vote], cache_path: Path) -> RepoTestCells:
    """The repository-test cells of the candidates' touched modules."""
    test_files = _repo_python_files(pool, cache_path.with_name(cache_path.stem + ".repo_files.json"))
    per_candidate = {c.id: repo_tests_for(c.files, test_files) for c in candidates}
    wanted = sorted({t for ts in per_candidate.values() for t in ts})
    settled = {(v.candidate, v.test) for v in done if Outcome(v.outcome) is not Outcome.ERROR}
    cells = [(UNEDITED, REPO_TEST_PREFIX + t) for t in wanted]
    cells += [(cid, REPO_TEST_PREFIX + t) for cid, ts in per_candidate.items() for t in ts]
    return RepoTestCells(cells, [cell for cell in cells if cell not in settled])


def _repo_python_files(pool: SandboxPool, listing_path: Path) -> list[str]:
    """The repository's tracked `.py` files, listed once and kept next to the vote cache."""
    if listing_path.is_file():
        return json.loads(listing_path.read_text(encoding="utf-8"))
    try:
        with pool.lease() as box:
            box.reset()
            listing = box.run("git ls-files -- '*.py'", timeout=60)
    except SandboxError:
        return []
    if listing.exit_code != 0:
        return []
    files = [p.strip() for p in listing.output.splitlines() if p.strip()]
    atomic_write_text(listing_path, json.dumps(files))
    return files


def repo_tests_for(touched: Sequence[str], repo_files: Sequence[str]) -> list[str]:
    """The repository's test files for the modules in `touched`: `test_<mod>.py` or
    `<mod>_test.py` anywhere in the tree (test files a patch touches count themselves)."""
    names: set[str] = set()
    for path in touched:
        p = PurePosixPath(path)
        if p.suffix != ".py":
            continue
        if _is_test_file(p.name):
            names.add(p.name)
        else:
            names.update({f"test_{p.stem}.py", f"{p.stem}_test.py"})
    return sorted(f for f in repo_files if PurePosixPath(f).name in names)


def _is_test_file(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py")


def split_repo_votes(votes: Sequence[Vote]) -> tuple[list[Vote], list[Vote]]:
    """(votes of generated tests, votes of repository tests)."""
    generated = [v for v in votes if not v.test.startswith(REPO_TEST_PREFIX)]
    repo = [v for v in votes if v.test.startswith(REPO_TEST_PREFIX)]
    return generated, repo
