"""`solve` for one instance: context → generation → selection → the final patch, each stage
resumed from its artefacts so that a rerun repeats no model call and no finished stage.

Artefacts in `runs/<run>/<instance>/`: context.json, trajectories/, candidates.jsonl (the
generation stage's), selection/ and selection.json, ledger.json (every call so far), solve.json
(the outcome); and one line per instance in `runs/<run>/preds.jsonl`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codefix.predictions import Prediction, append_prediction
from codefix.store import read_json, write_json


class SolveConfig(BaseModel):
    """How hard `solve` tries on one instance."""

    model_config = ConfigDict(extra="forbid")

    samples: int = Field(10, ge=1)
    """Testing → editing pairs of the generation stage."""
    max_calls: int = Field(8, ge=1)
    """Model calls each generation machine may make."""
    temperature: float = 0.5
    """Sampling temperature of generation calls."""
    workers: int = Field(4, ge=1)
    """Pairs at once (sandboxes in the pool)."""
    budget_tokens: int = Field(128_000, ge=1000)
    """Tokens of packed context."""
    script_timeout: float = 100.0
    """Seconds a reproduction script may run."""
    selection_max_calls: int = Field(8, ge=1)
    """Model calls the selection machine may make."""


@dataclass
class SolveOutcome:
    """What `solve` produced for one instance."""

    instance_id: str
    status: str
    """"solved" (a patch was chosen), "no_candidate" (generation produced no usable patch)."""
    patch: str
    method: str = ""
    """How the winner was chosen (the selection result's method, or "only candidate")."""
    candidates: int = 0
    """Distinct candidates selection chose among."""
    winner: str = ""
    """The winning candidate's id."""
    resumed: bool = False
    """True when the instance was already finished and nothing ran."""


def model_name(model_spec: str) -> str:
    """`model_name_or_path` of codefix predictions."""
    return f"codefix/{model_spec}"


def load_ledger(path: Path, budget: float | None):
    """The instance's ledger, carried over from earlier runs (a given budget replaces the stored one)."""
    from codefix.ledger import Ledger

    if path.is_file():
        data = read_json(path)
        if budget is not None:
            data["budget_usd"] = budget
        return Ledger.from_dict(data)
    return Ledger(budget_usd=budget)


def predicted_ids(preds_path: Path) -> set[str]:
    if not preds_path.is_file():
        return set()
    ids = set()
    for line in preds_path.read_text(encoding="utf-8").splitlines():
        try:
            ids.add(json.loads(line)["instance_id"])
        except (ValueError, KeyError, TypeError):
            continue
    return ids


def solve_instance(inst, *, primary, reader, ledger, store, config: SolveConfig, model_spec: str,
                   sandbox_factory=None, log=None) -> SolveOutcome:
    """Run or resume every stage of `inst` (already checked out: see `wiring.checked_out`)."""
    from codefix.stages.wiring import checked_out, docker_factory, run_context

    out_dir = store.instance_dir(inst.instance_id)
    ledger_path = out_dir / "ledger.json"
    preds_path = store.root / "preds.jsonl"
    done_path = out_dir / "solve.json"
    log = log or (lambda msg: None)
    if done_path.is_file():
        outcome = SolveOutcome(**read_json(done_path))
        if inst.instance_id not in predicted_ids(preds_path):
            append_prediction(preds_path, Prediction(inst.instance_id, model_name(model_spec), outcome.patch))
        outcome.resumed = True
        return outcome
    inst, repo_dir = checked_out(inst)
    factory = sandbox_factory or docker_factory(inst)
    try:
        log("context stage")
        context = run_context(inst, repo_dir, primary=primary, reader=reader, ledger=ledger,
                              out_path=out_dir / "context.json", budget_tokens=config.budget_tokens)
        log(f"context {context.status}; generation stage ({config.samples} pair(s))")
        candidates = _generation(inst, primary, ledger, factory, context.render(), out_dir, config)
        write_json(ledger_path, ledger.to_dict())
        log(f"{len(candidates)} distinct candidate(s); selection stage")
        outcome = _selection(inst, candidates, primary, ledger, factory, out_dir, config)
    finally:
        write_json(ledger_path, ledger.to_dict())
    write_json(done_path, asdict(outcome))
    if inst.instance_id not in predicted_ids(preds_path):
        append_prediction(preds_path, Prediction(inst.instance_id, model_name(model_spec), outcome.patch))
    return outcome


def _generation(inst, model, ledger, factory, context: str, out_dir: Path, config: SolveConfig):
    from agent.generation import GenerationConfig, generate
    from agent.testing_machine import ScriptRunConfig
    from selection.candidates import build_pool

    gen = GenerationConfig(samples=config.samples, max_calls=config.max_calls, temperature=config.temperature,
                           workers=config.workers, scripts=ScriptRunConfig(timeout=config.script_timeout))
    write_json(out_dir / "generation_config.json", gen.model_dump())
    results, _ = generate(inst, model=model, ledger=ledger, sandbox_factory=factory, context=context,
                          out_dir=out_dir, config=gen)
    proposals = [(r.patch, f"pair-{r.pair}", [r.test] if r.test else []) for r in results if r.patch]
    return build_pool(inst.instance_id, proposals).candidates


def _selection(inst, candidates, model, ledger, factory, out_dir: Path, config: SolveConfig) -> SolveOutcome:
    if not candidates:
        return SolveOutcome(inst.instance_id, "no_candidate", "")
    result_path = out_dir / "selection.json"
    if result_path.is_file():
        result = read_json(result_path)
    else:
        result = plain(select(inst, candidates, model=model, ledger=ledger, sandbox_factory=factory,
                              out_dir=out_dir / "selection", max_calls=config.selection_max_calls))
        write_json(result_path, result)
    return SolveOutcome(inst.instance_id, "solved", result["patch"], method=str(result.get("method", "")),
                        candidates=len(candidates), winner=str(result.get("winner", "")))


def select(inst, candidates, *, model, ledger, sandbox_factory, out_dir: Path, max_calls: int, voting: bool = True):
    """Pick among `candidates` with the selection stage; returns its `SelectionResult`."""
    from sandbox.patching import apply_patch
    from selection.stage import SelectionConfig, run_selection

    config = SelectionConfig(max_calls=max_calls, use_voting=voting)
    return run_selection(inst, candidates, model=model, ledger=ledger, sandbox_factory=sandbox_factory,
                         apply_patch=apply_patch, out_dir=out_dir, config=config)


def plain(result) -> dict:
    """A selection result as a JSON-ready dict with at least `winner`, `patch` and `method`."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if is_dataclass(result):
        return json.loads(json.dumps(asdict(result), default=str))
    return dict(result)
