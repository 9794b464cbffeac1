"""`solve` for one instance: context → generation → selection → the final patch, each stage
resumed from its artefacts so that a rerun repeats no model call and no finished stage.

Artefacts in `runs/<run>/<instance>/` (names in `codefix.core.run_layout`): context.json,
trajectories/, candidates.jsonl (the generation stage's), early_stop.json (with
`stop_when_agree`), selection/ and selection.json, ledger.json (every call so far), solve.json
(the outcome, `complete` false when a stage was cut short); and one line per instance in the
predictions file the caller names (`runs/<run>/preds.jsonl`, or the instance's own in a batch).
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

from pydantic import BaseModel

from codefix.core import run_layout as layout
from codefix.core.errors import CodefixWarning
from codefix.core.predictions import Prediction, append_prediction
from codefix.core.store import atomic_write_text, read_json, read_or_set_aside, write_json

logger = logging.getLogger(__name__)


@dataclass
class SolveOutcome:
    """What `solve` produced for one instance."""

    instance_id: str
    status: str
    """"solved" (a patch was chosen), "no_candidate" (generation produced no usable patch)."""
    patch: str
    method: str = ""
    """How the winner was chosen (the selection result's method, e.g. "only_candidate")."""
    candidates: int = 0
    """Distinct candidates selection chose among."""
    winner: str = ""
    """The winning candidate's id."""
    machine_status: str = ""
    """The selection state machine's exit ("" when it did not run)."""
    complete: bool = True
    """False when a stage was cut short (budget, model or sandbox errors): a rerun resumes it."""
    unfinished: list[str] = field(default_factory=list)
    """What was cut short, e.g. "pair 3 budget_exceeded"."""
    resumed: bool = False
    """True when the instance was already finished and nothing ran."""
    skipped_pairs: list[int] = field(default_factory=list)
    """Generation pairs never launched because enough candidates agreed (why: early_stop.json)."""
    test_infrastructure: list[str] = field(default_factory=list)
    """Files of the chosen patch that can change what tests report (conftest.py, pytest plugins,
    sitecustomize, .pth, the evaluation's test files): worth a look before trusting a verdict."""


def model_name(model_spec: str) -> str:
    """`model_name_or_path` of codefix predictions."""
    return f"codefix/{model_spec}"


def load_ledger(directory: Path, budget: float | None):
    """The instance's ledger from its journal in `directory` (every paid call of every earlier run
    counted, calls cut off by a kill at their worst case). Without a given budget, the one stored
    by the previous run holds."""
    from codefix.core.ledger import Ledger

    directory = Path(directory)
    if budget is None and (directory / layout.LEDGER).is_file():
        try:
            budget = read_json(directory / layout.LEDGER).get("budget_usd")
        except (OSError, ValueError, AttributeError):
            logger.warning(f"{directory / layout.LEDGER} is damaged; the journal {layout.LEDGER_JOURNAL} is used")
    ledger = Ledger.open(directory, budget)
    for warning in ledger.warnings:
        logger.warning(warning)
    return ledger


def _nothing(message: str) -> None:
    """No progress display."""


def solve_instance(inst, *, primary, reader, ledger, store, predictions: Path, config, sandbox_factory=None,
                   progress: Callable[[str], None] | None = None, backend=None) -> SolveOutcome:
    """Run or resume every stage of `inst` as `config` (a `codefix.stages.run_config.RunConfig`)
    says, its artefacts in `store`'s instance folder, and record its prediction in the
    `predictions` file (one line per instance).

    An outcome cut short (budget, model or sandbox errors) is recorded too, as `complete=False`:
    a rerun resumes the unfinished stages and replaces the prediction if the choice changes.
    `backend` (the run's live sandbox backend; default: one opened from `config.sandbox`) gives the
    host checkout, the sandboxes and the way patches go into them, fetching the instance's image onto
    its engine when it is missing; `progress` hears which stage starts (a live display's hook)."""
    from codefix.stages.wiring import checked_out, run_context
    from codefix.core.test_infra import instance_infrastructure_paths

    model_spec = config.model.name
    out_dir = store.instance_dir(inst.instance_id)
    ledger_path = out_dir / layout.LEDGER
    preds_path = Path(predictions)
    done_path = out_dir / layout.SOLVE
    progress = progress or _nothing
    done = read_or_set_aside(done_path, "the instance's stages are resumed from their artefacts")
    if done is not None:
        outcome = SolveOutcome(**done)
        if outcome.complete:
            record_prediction(preds_path, Prediction(inst.instance_id, model_name(model_spec), outcome.patch))
            outcome.resumed = True
            return outcome
    backend = backend if backend is not None else config.sandbox.open()
    inst, repo_dir = checked_out(inst, backend)
    parallel = config.parallel_sandboxes or config.generation.workers
    factory = sandbox_factory or backend.sandboxes(inst, parallel=parallel)[0]
    try:
        from agent.issue_text import cap_notice

        notice = cap_notice(inst.instance_id, inst.problem_statement)
        if notice:
            logger.warning(notice)
        progress("context stage")
        context = run_context(inst, repo_dir, primary=primary, reader=reader, ledger=ledger,
                              out_path=out_dir / layout.CONTEXT, config=config.context)
        progress(f"context {context.status}; generation stage ({config.generation.samples} pair(s))")
        candidates, unfinished, skipped = _generation(inst, primary, ledger, factory, context.render(), out_dir,
                                                      config.generation, context.languages)
        write_json(ledger_path, ledger.to_dict())
        if skipped:
            progress(f"generation stopped early: {len(skipped)} pair(s) skipped, "
                f"{config.generation.stop_when_agree} candidates agree")
        progress(f"{len(candidates)} distinct candidate(s); selection stage")
        outcome = _selection(inst, candidates, primary, ledger, factory, out_dir, config.selection,
                             backend.apply_patch)
    finally:
        write_json(ledger_path, ledger.to_dict())
    from agent.context.result import FINAL_STATUSES
    from agent.task import RESUMABLE

    short = ([f"context {context.status}"] if context.status not in FINAL_STATUSES else []) + unfinished
    if outcome.machine_status in RESUMABLE:
        short.append(f"selection {outcome.machine_status}")
    outcome.complete, outcome.unfinished, outcome.skipped_pairs = not short, short, skipped
    outcome.test_infrastructure = instance_infrastructure_paths(inst, outcome.patch)
    if outcome.test_infrastructure:
        logger.warning(f"the chosen patch touches test infrastructure: {', '.join(outcome.test_infrastructure)}")
    write_json(done_path, asdict(outcome))
    record_prediction(preds_path, Prediction(inst.instance_id, model_name(model_spec), outcome.patch))
    return outcome


def record_prediction(preds_path: Path, pred: Prediction) -> None:
    """Append `pred`, or replace the instance's earlier line when its patch changed; never two lines."""
    if not preds_path.is_file():
        append_prediction(preds_path, pred)
        return
    text = preds_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and not text.endswith("\n") and not _is_json(lines[-1]):  # a kill tore it: rewritten without it
        warnings.warn(f"{preds_path}: the torn last line (the process died while writing it) is dropped",
                      CodefixWarning, stacklevel=2)
        lines = lines[:-1]
    kept, found = [], False
    for line in lines:
        try:
            same = json.loads(line).get("instance_id") == pred.instance_id
        except (ValueError, AttributeError):
            same = False
        if same and not found:
            kept.append(json.dumps(pred.to_record()))
            found = True
        elif not same:
            kept.append(line)
    if not found:
        kept.append(json.dumps(pred.to_record()))
    if kept != lines or not text.endswith("\n"):
        atomic_write_text(preds_path, "".join(line + "\n" for line in kept))


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _generation(inst, model, ledger, factory, context: str, out_dir: Path, gen, languages: list[str] | None = None):
    """(distinct candidates, ["pair N <status>" for every pair cut short], pairs skipped by the
    early stop); `gen` is the GenerationConfig, `languages` the context stage's."""
    from agent.generation import SKIPPED
    from agent.task import FINISHED
    from codefix.stages.generation_only import run_generation
    from selection.candidates import build_pool

    results, figures = run_generation(inst, model=model, ledger=ledger, sandbox_factory=factory,
                                      context=context, out_dir=out_dir, config=gen, languages=languages)
    proposals = [(r.patch, f"pair-{r.pair}", [r.test] if r.test else []) for r in results if r.patch]
    unfinished = [f"pair {r.pair} {r.status}" for r in results if r.status not in FINISHED | {SKIPPED}]
    return build_pool(inst.instance_id, proposals).candidates, unfinished, figures["skipped_pairs"]


def _selection(inst, candidates, model, ledger, factory, out_dir: Path, config, apply_patch) -> SolveOutcome:
    """Selection among `candidates`, stored per candidate set so a different set is selected anew."""
    if not candidates:
        return SolveOutcome(inst.instance_id, "no_candidate", "")
    from agent.task import RESUMABLE

    key = hashlib.sha256(" ".join(sorted(c.id for c in candidates)).encode()).hexdigest()[:12]
    stored = out_dir / layout.SELECTION_DIR / key / layout.SELECTION
    if (read_or_set_aside(stored, "selection is resumed") or {}).get("machine_status") in RESUMABLE:
        stored.unlink()  # cut short (budget, errors): resume its trajectory instead of keeping the fallback
    result = plain(select(inst, candidates, model=model, ledger=ledger, sandbox_factory=factory,
                          out_dir=out_dir / layout.SELECTION_DIR / key, config=config, apply_patch=apply_patch))
    write_json(out_dir / layout.SELECTION, result)
    return SolveOutcome(inst.instance_id, "solved", result["patch"], method=str(result.get("method", "")),
                        candidates=len(candidates), winner=str(result.get("winner", "")),
                        machine_status=str(result.get("machine_status", "")))


def select(inst, candidates, *, model, ledger, sandbox_factory, out_dir: Path, config, apply_patch=None):
    """Pick among `candidates` with the selection stage as `config` (its SelectionConfig) says;
    returns its `SelectionResult`. `apply_patch` is the backend's (None: the Docker backend's, which
    works through the `Sandbox` protocol alone, so any sandbox double takes it too)."""
    from selection.stage import run_selection

    if apply_patch is None:
        from sandbox.docker_backend import DockerBackend

        apply_patch = DockerBackend.apply_patch

    return run_selection(inst, candidates, model=model, ledger=ledger, sandbox_factory=sandbox_factory,
                         apply_patch=apply_patch, out_dir=out_dir, config=config)


def plain(result) -> dict:
    """A selection result as a JSON-ready dict with at least `winner`, `patch` and `method`."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if is_dataclass(result):
        return json.loads(json.dumps(asdict(result), default=str))
    return dict(result)
