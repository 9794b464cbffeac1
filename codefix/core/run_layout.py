"""The names of every file of a run directory: `runs/<run>/` and `runs/<run>/<instance>/`.

Writers and readers (stages, reporting, the viewer) take the names from here, so the layout is
written down once; `docs/architecture.md` says which stage writes each file.
"""

from __future__ import annotations

# runs/<run>/
RUN_CONFIG = "config.yaml"
"""Every setting of the run, each with its docstring as a comment."""
PREDICTIONS = "preds.jsonl"
"""One SWE-bench prediction per instance (also `<instance>/prediction/preds.jsonl` in a batch)."""
EVAL_SUMMARY = "eval_summary.json"
BATCH_SUMMARY = "batch.json"
ENSEMBLE_REPORT = "ensemble_report.json"
IMAGES_LOG = "images.log"
REPORT = "report.json"
VIEW = "view.html"

# runs/<run>/<instance>/
CONTEXT = "context.json"
"""The context stage: relevance per file, rankings, the packed files."""
TRAJECTORIES = "trajectories"
"""Folder of `<pair>.testing.traj.json` and `<pair>.editing.traj.json` (`pair_trajectory`)."""
TRAJECTORY_SUFFIX = ".traj.json"
"""How every trajectory file's name ends (the pairs' and the selection machine's)."""
CANDIDATES = "candidates.jsonl"
"""Generation: one row per pair with a patch (pair, id, test_id, patch, test, verdicts)."""
EARLY_STOP = "early_stop.json"
SELECTION_DIR = "selection"
"""Folder of `<key>/votes.jsonl`, `<key>/trajectories/selection.traj.json`, `<key>/selection.json`."""
VOTES = "votes.jsonl"
SELECTION = "selection.json"
SELECTION_TRAJECTORY = "selection" + TRAJECTORY_SUFFIX
"""The selection machine's trajectory, in `selection/<key>/trajectories/`."""
LEDGER = "ledger.json"
LEDGER_JOURNAL = "ledger.jsonl"
SOLVE = "solve.json"
"""The instance's outcome (status, patch, method, `complete`)."""
EVAL = "eval.json"
EVAL_LOG = "eval.log"
GRADES_DIR = "grades"
"""Folder of `<hash>.json`: `codefix report --grade-candidates`."""
BATCH_STATUS = "batch_status.json"
PREDICTION_DIR = "prediction"
"""A batch instance's own `preds.jsonl`, so parallel jobs never share a file."""
POOL = "pool.json"
"""An ensemble's pool of candidates for the instance."""
LEGACY_GENERATION_CONFIG = "generation_config.json"
"""Written by runs before the `generation:` section of `config.yaml` replaced it; still read."""


def pair_trajectory(pair: int, machine: str) -> str:
    """The file name of pair `pair`'s `machine` ("testing" or "editing") trajectory."""
    return f"{pair}.{machine}{TRAJECTORY_SUFFIX}"
