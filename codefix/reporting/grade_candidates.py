"""`codefix report --grade-candidates`: grade every distinct generation candidate of a run, and every
distinct intermediate patch an iteration cap selects, with the evaluation flow in Docker, so coverage
(also vs iterations) is measured rather than "unknown". Grades are cached as
`runs/<run>/<instance>/grades/<hash>.json` (the EvalReport plus `model_patch`); a candidate whose
canonical patch already has a grade (there or in eval.json) is not graded again."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.errors import InputError
from codefix.core.parallel import map_isolated
from codefix.core.store import write_json

logger = logging.getLogger(__name__)


def ungraded_candidates(inst_dir: Path) -> list[str]:
    """The instance's distinct candidate patches (one per canonical form) that have no stored grade:
    the pairs' final patches first, then the intermediate ones the iteration caps select."""
    from codefix.reporting.collect import candidate_patches, canonical_patch, pair_ids, read_jsonl, stored_grades
    from codefix.reporting.iterations import capped_patches

    graded = set(stored_grades(inst_dir))
    candidates = candidate_patches(read_jsonl(inst_dir / layout.CANDIDATES))
    ids = pair_ids(inst_dir / layout.TRAJECTORIES, candidates)
    todo: dict[str, str] = {}
    for patch in [*candidates.values(), *capped_patches(inst_dir, candidates, ids)]:
        key = canonical_patch(patch)
        if patch.strip() and key not in graded:
            todo.setdefault(key, patch)
    return list(todo.values())


def grade_candidates(run_dir: Path, ds, *, workers: int = 1, timeout: float | None = None,
                     network: bool = True, backend=None) -> int:
    """Grade and cache every ungraded candidate of the run; returns how many were graded.

    An infrastructure error is logged and not cached, so the candidate stays unknown.
    Grading sandboxes have the network unless `network` is False, as in `codefix evaluate`;
    `backend` (the live sandbox backend) grades on its engine, fetching missing instance images there."""
    from codefix.reporting.collect import instance_dirs
    from sandbox.evaluation.evaluate import grade_in_own_sandbox

    jobs = []
    for inst_dir in instance_dirs(Path(run_dir)):
        patches = ungraded_candidates(inst_dir)
        if patches and inst_dir.name not in ds:
            raise InputError(f"instance {inst_dir.name} of {run_dir} is not in dataset {ds.name}")
        jobs.extend((inst_dir, p) for p in patches)

    def grade(job):
        inst_dir, patch = job
        return grade_in_own_sandbox(ds.get(inst_dir.name), patch, backend=backend, network=network,
                                    model_name="codefix/candidate", timeout=timeout)[0]

    graded = 0
    for out in map_isolated(grade, jobs, workers):
        inst_dir, patch = out.item
        if out.error is not None or out.result.status == "error":
            logger.warning(f"{inst_dir.name}: grading a candidate failed: {out.error or out.result.reason}")
            continue
        name = hashlib.sha256(patch.encode()).hexdigest()[:12]
        write_json(inst_dir / layout.GRADES_DIR / f"{name}.json", {**out.result.model_dump(), "model_patch": patch})
        logger.info(f"{inst_dir.name}: candidate {name} {out.result.status}")
        graded += 1
    return graded
