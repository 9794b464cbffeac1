"""The generation stage for one instance: N testing → editing pairs in parallel on a bounded
pool of reusable sandboxes, every trajectory stored and resumable, candidates collected;
optionally no further pairs launched once enough candidates agree (`agent.agreement`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codefix.core.errors import RateLimited, SandboxError
from codefix.core.parallel import map_isolated
from codefix.core.run_layout import CANDIDATES, TRAJECTORIES, pair_trajectory
from codefix.core.setting_bounds import AGREEMENT, MACHINE_CALLS, OUTPUT_TOKENS, SAMPLES, TEMPERATURE, WORKERS
from codefix.core.store import atomic_write_text

from agent.agreement import AgreementStop
from agent.editing_machine import EditingTask
from agent.issue_text import prompt_issue
from agent.loop import is_finished, load_trajectory, run_trajectory
from agent.models.cache_warmup import WarmedModel
from agent.models.output_limit import stage_output_limit
from agent.record_tests import public_test_command
from agent.sandbox_pool import SandboxPool
from agent.script_kinds import choose_target
from agent.script_runs import ScriptRunConfig, run_script
from agent.task import EXIT_SANDBOX_ERROR, FINISHED
from agent.testing_machine import TestingTask, last_test_run
from agent.trajectory_record import TrajectoryRecord

SKIPPED = "skipped"
"""A pair's status when it was never launched because enough candidates already agreed."""


class GenerationConfig(BaseModel):
    """How many pairs, how long each machine may go, and how they run."""

    model_config = ConfigDict(extra="forbid")

    samples: int = SAMPLES.field(10)
    """Testing → editing pairs per instance."""
    max_calls: int = MACHINE_CALLS.field(8)
    """Model calls each machine may make (format-fix re-prompts count)."""
    temperature: float = TEMPERATURE.field(0.5)
    """Sampling temperature of every call."""
    max_tokens: int | None = OUTPUT_TOKENS.field(None)
    """Output tokens per testing and editing call; None: the model's default (the answer plus
    room for hidden reasoning, within its known output limit: `agent.models.output_limit`)."""
    workers: int = WORKERS.field(4)
    """Pairs running at once; also the number of sandboxes in the pool."""
    share_attempts: bool = False
    """Tell each editing machine the patches earlier pairs already produced (beyond the paper)."""
    sandbox_retries: int = Field(1, ge=0)
    """Times a pair whose sandbox died is resumed on a fresh sandbox (no model call is repeated)."""
    scripts: ScriptRunConfig = Field(default_factory=ScriptRunConfig)
    """How reproduction scripts run (timeout, output limit)."""
    stop_when_agree: int | None = AGREEMENT.field(None)
    """Adaptive compute (beyond the paper; off when None): before launching each further pair,
    stop once this many finished candidates have the same normalized patch and pass each
    other's reproduction tests (fail on the unedited repo, pass patched). Pairs not launched
    are recorded as "skipped", pairs in flight finish; see `agent.agreement`."""


@dataclass
class PairResult:
    """One pair's outcome, as the command's table shows it."""

    pair: int
    status: str
    """The editing machine's exit, or the testing machine's when editing never ran ("error" when
    the pair crashed, `SKIPPED` when it was never launched because enough candidates agreed)."""
    testing_status: str = ""
    editing_status: str = ""
    calls: int = 0
    cost: float = 0.0
    before: int | None = None
    after: int | None = None
    patch: str = ""
    test: str = ""
    error: str = ""
    model_seconds: float = 0.0
    """Time inside model calls, both machines."""
    sandbox_seconds: float = 0.0
    """Time inside observe steps (sandbox runs and resets), both machines."""
    seconds: float = 0.0
    """Wall time this run spent on the pair (0 when it was skipped as finished)."""


def trajectory_path(out_dir: Path, pair: int, machine: str) -> Path:
    return Path(out_dir) / TRAJECTORIES / pair_trajectory(pair, machine)


def generate(
    instance,
    *,
    model,
    ledger,
    sandbox_factory: Callable[[], object],
    context: str,
    out_dir: Path,
    config: GenerationConfig | None = None,
    on_pair: Callable[[PairResult], None] | None = None,
    patch_key: Callable[[str], str] | None = None,
    row_ids: Callable[[str, str], dict] | None = None,
    languages: list[str] | None = None,
) -> tuple[list[PairResult], dict]:
    """Run (or resume) every pair of `instance`; return the pair results and pool figures.

    `sandbox_factory()` returns an unopened sandbox (a context manager implementing
    `codefix.core.protocols.Sandbox`); at most `config.workers` are opened. Writes
    `out_dir/trajectories/<pair>.{testing,editing}.traj.json` and `out_dir/candidates.jsonl`;
    with `config.stop_when_agree`, also `out_dir/early_stop.json`, and `patch_key` says when two
    patches agree (the patch text itself when None; it must not raise: the stages pass
    `selection.normalize.normalized_or_text`).
    `row_ids(patch, test)` gives the ids stored in each candidates row (`id`, `test_id`).
    `languages` (the context stage's) decide the reproduction script asked for (`agent.script_kinds`).
    Figures: sandboxes started and at peak, `skipped_pairs`, and `early_stop` (the record or None).
    """
    config = config or GenerationConfig()
    out_dir = Path(out_dir)
    pool = SandboxPool(sandbox_factory, config.workers)
    stage = _Generation(instance, model, ledger, pool, context, out_dir, config, languages)
    if config.stop_when_agree:
        stage.stop = AgreementStop(config.stop_when_agree, patch_key or (lambda patch: patch), stage.cross_run, out_dir)
        stage.load_finished()
    try:
        outcomes = map_isolated(stage.pair, range(config.samples), config.workers,
                                on_done=lambda o: on_pair and on_pair(stage.result_of(o)),
                                should_launch=stage.should_launch if stage.stop else None)
    finally:
        pool.close()
    results = [stage.result_of(o) for o in outcomes]
    write_candidates(out_dir, results, row_ids)
    if stage.stop:
        stage.stop.save()
    limited = next((o.error for o in outcomes if isinstance(o.error, RateLimited)), None)
    if limited is not None:  # never a verdict: the instance stops as an infrastructure failure
        raise limited
    return results, {"sandboxes_started": pool.started, "sandboxes_peak": pool.peak,
                     "skipped_pairs": [r.pair for r in results if r.status == SKIPPED],
                     "early_stop": stage.stop.record() if stage.stop else None}


class _Generation:
    def __init__(self, instance, model, ledger, pool, context, out_dir, config, languages=None):
        self.instance, self.model, self.ledger, self.pool = instance, model, ledger, pool
        self.context, self.out_dir, self.config = context, out_dir, config
        self.target = choose_target(languages, public_test_command(instance), config.scripts.kind,
                                    getattr(instance, "repo_language", "") or "")
        """The reproduction script the prompts ask for."""
        self.issue = prompt_issue(instance.problem_statement)
        self.editing_model = WarmedModel(model)
        """The first editing call goes alone so the others read the cached prefix (agent.models.cache_warmup)."""
        self.tried: list[str] = []
        self.lock = threading.Lock()
        self.stop: AgreementStop | None = None
        self.begun: set[int] = set()
        """Pairs with a stored trajectory: always launched (resumed or loaded), never skipped."""

    def load_finished(self) -> None:
        """Give the stop check every pair a previous run finished (no sandbox, no model call)."""
        for pair in range(self.config.samples):
            testing = load_trajectory(trajectory_path(self.out_dir, pair, "testing"))
            editing = load_trajectory(trajectory_path(self.out_dir, pair, "editing"))
            if testing or editing:
                self.begun.add(pair)
            if _finished(testing, editing):
                self.stop.add(summarize(pair, testing, editing))

    def should_launch(self, pair: int) -> bool:
        if pair in self.begun or not self.stop.holds():
            return True
        self.stop.skip(pair)
        return False

    def cross_run(self, reference: PairResult, member: PairResult) -> int | None:
        """Exit code of `member`'s test with `reference`'s edited files in place."""
        state = load_trajectory(trajectory_path(self.out_dir, reference.pair, "editing")).task_state
        originals = state.get("originals") or {}
        changed = {p: t for p, t in (state.get("files") or {}).items() if t != originals.get(p)}
        with self.pool.lease(check=True) as sandbox:
            return run_script(sandbox, member.test, self.config.scripts, changed).exit_code

    def _run(self, task, stage: str, pair: int, sandbox) -> TrajectoryRecord:
        meta = {"instance_id": self.instance.instance_id, "trajectory": pair, "machine": stage}
        return run_trajectory(
            task, self.editing_model if stage == "editing" else self.model, sandbox, ledger=self.ledger, stage=stage, meta=meta,
            path=trajectory_path(self.out_dir, pair, stage), max_calls=self.config.max_calls,
            temperature=self.config.temperature, **stage_output_limit(self.config.max_tokens),
        )

    def pair(self, pair: int) -> PairResult:
        started = time.monotonic()
        result = self._pair(pair)
        result.seconds = round(time.monotonic() - started, 4)
        return result

    def _pair(self, pair: int) -> PairResult:
        testing = load_trajectory(trajectory_path(self.out_dir, pair, "testing"))
        editing = load_trajectory(trajectory_path(self.out_dir, pair, "editing"))
        for attempt in range(self.config.sandbox_retries + 1):
            if _finished(testing, editing):
                break
            try:
                testing, editing = self._attempt(pair, testing, editing, check=attempt > 0)
            except SandboxError:  # the sandbox could not start: try a fresh one
                if attempt == self.config.sandbox_retries:
                    raise
                continue
            if EXIT_SANDBOX_ERROR not in (testing.status, editing.status if editing else None):
                break
        result = summarize(pair, testing, editing)
        if result.patch:
            with self.lock:
                self.tried.append(result.patch)
        if self.stop:
            self.stop.add(result)
        return result

    def _attempt(self, pair, testing, editing, *, check: bool = False) -> tuple[TrajectoryRecord, TrajectoryRecord | None]:
        """Run or resume both machines on one borrowed sandbox; a dead sandbox is discarded."""
        with self.pool.lease(check=check, broken_by=(Exception,), spared=(RateLimited,)) as sandbox:  # a refusal leaves the sandbox sound
            inst = self.instance
            where = {"repo": getattr(inst, "repo", ""), "version": getattr(inst, "version", "")}
            if not is_finished(testing):
                testing = self._run(TestingTask(self.issue, self.config.scripts, target=self.target, **where), "testing",
                                    pair, sandbox)
                self._retire_if_dead(sandbox, testing)
            test = (testing.result or {}).get("test")
            if testing.status in FINISHED and test:
                task = EditingTask(self.issue, test, self._context(), self.config.scripts,
                                   test_run=last_test_run(testing), target=self.target, **where)
                editing = self._run(task, "editing", pair, sandbox)
                self._retire_if_dead(sandbox, editing)
        return testing, editing

    def _retire_if_dead(self, sandbox, record: TrajectoryRecord) -> None:
        if record.status == EXIT_SANDBOX_ERROR:
            self.pool.retire(sandbox)

    def _context(self) -> str:
        if not self.config.share_attempts:
            return self.context
        with self.lock:
            tried = list(self.tried)
        if not tried:
            return self.context
        shown = "\n".join(f"<attempt>\n{patch}</attempt>" for patch in tried[-3:])
        return (f"{self.context}\n\nOther attempts at this issue already produced these patches; "
                f"if they look wrong or incomplete, try a different fix:\n{shown}")

    def result_of(self, outcome) -> PairResult:
        if outcome.skipped:
            return PairResult(pair=outcome.item, status=SKIPPED)
        if outcome.error is None:
            return outcome.result
        testing = load_trajectory(trajectory_path(self.out_dir, outcome.item, "testing"))
        editing = load_trajectory(trajectory_path(self.out_dir, outcome.item, "editing"))
        result = summarize(outcome.item, testing, editing)
        result.status, result.error = "error", f"{type(outcome.error).__name__}: {outcome.error}"
        return result


def _finished(testing: TrajectoryRecord | None, editing: TrajectoryRecord | None) -> bool:
    """The pair has nothing left to run: editing finished, or testing finished without a test."""
    return is_finished(editing) or (is_finished(testing) and not (testing.result or {}).get("test"))


def summarize(pair: int, testing: TrajectoryRecord | None, editing: TrajectoryRecord | None) -> PairResult:
    ran = [r for r in (testing, editing) if r is not None]
    out = (editing.result if editing else None) or {}
    return PairResult(
        pair=pair,
        status=(editing.status if editing else "") or (testing.status if testing else "") or "not_started",
        testing_status=testing.status if testing else "",
        editing_status=editing.status if editing else "",
        calls=sum(r.calls for r in ran),
        cost=round(sum(r.cost for r in ran), 6),
        before=out.get("before"),
        after=out.get("after"),
        patch=out.get("patch", ""),
        test=out.get("test") or ((testing.result if testing else None) or {}).get("test", ""),
        error=(editing.error if editing else "") or (testing.error if testing else ""),
        model_seconds=round(sum(r.model_seconds for r in ran), 4),
        sandbox_seconds=round(sum(r.sandbox_seconds for r in ran), 4),
    )


def write_candidates(out_dir: Path, results: list[PairResult],
                     row_ids: Callable[[str, str], dict] | None = None) -> Path:
    """`candidates.jsonl`: one line per pair that produced a patch: pair, its ids (`row_ids`: the
    candidate id and the test id, so no reader computes them), patch, test, verdicts."""
    path = Path(out_dir) / CANDIDATES
    lines = [
        json.dumps({"pair": r.pair, **(row_ids(r.patch, r.test) if row_ids else {}),
                    **{k: v for k, v in asdict(r).items() if k in ("status", "patch", "test", "before", "after")}})
        for r in results if r.patch
    ]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return path
