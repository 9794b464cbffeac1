"""Read external submissions (the SWE-bench experiments layout), codefix runs and patch
collections, and build per-instance candidate pools from them.

Lenient by design, never silent: a malformed line, a duplicated instance, a record missing a
field or a patch for an instance the dataset does not have is recorded as an `IngestProblem`
(file, line, message) and skipped; the rest is used. Only a submission that yields nothing
usable at all (no predictions file) raises `InputError`.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.errors import InputError
from selection.candidates import CandidatePolicy, CandidatePool, build_pool

PREDICTION_FILES = ("all_preds.jsonl", "preds.json")
RESULTS_FILE = Path("results") / "results.json"


@dataclass(frozen=True)
class IngestProblem:
    """One thing in the input that was skipped, and where."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass
class Submission:
    """One member of an ensemble: its patch per instance and, when known, what it resolved."""

    name: str
    """Unique name; becomes the candidate source."""
    predictions: dict[str, str] = field(default_factory=dict)
    """instance_id -> patch text ("" for an empty prediction)."""
    resolved: set[str] | None = None
    """Instances it resolved; None when no labels are known."""
    problems: list[IngestProblem] = field(default_factory=list)
    """Everything skipped while reading it."""


def read_submission(
    directory: Path, *, known_instances: Container[str] | None = None, name: str | None = None
) -> Submission:
    """A submission directory: `all_preds.jsonl` or `preds.json`, and `results/results.json` if present.

    `known_instances` (a set of ids, or a `codefix.core.datasets.Dataset`) turns patches for other
    instances into problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: no such submission directory")
    found = [directory / f for f in PREDICTION_FILES if (directory / f).is_file()]
    if not found:
        raise InputError(f"{directory}: has neither {' nor '.join(PREDICTION_FILES)}")
    sub = Submission(name or directory.name)
    sub.predictions = _read_predictions(found[0], known_instances, sub.problems)
    results = directory / RESULTS_FILE
    if results.is_file():
        sub.resolved = _read_results(results, known_instances, sub.problems)
    return sub


def read_codefix_run(run_dir: Path, *, known_instances: Container[str] | None = None) -> Submission:
    """A codefix run: `preds.jsonl`, labelled from each instance's `eval.json` when all were graded."""
    run_dir = Path(run_dir)
    preds = run_dir / layout.PREDICTIONS
    if not preds.is_file():
        raise InputError(f"{run_dir}: has no preds.jsonl (is it a codefix run directory?)")
    sub = Submission(run_dir.name)
    sub.predictions = _read_predictions(preds, known_instances, sub.problems)
    resolved: set[str] = set()
    ungraded = []
    for iid in sub.predictions:
        report = run_dir / iid / layout.EVAL
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            ungraded.append(iid)
            continue
        if not isinstance(data, dict) or data.get("status") == "error":
            ungraded.append(iid)
        elif data.get("resolved") is True:
            resolved.add(iid)
    if ungraded:
        sub.problems.append(IngestProblem(str(run_dir), "labels", f"{len(ungraded)} instance(s) without a "
                                          f"usable eval.json (e.g. {ungraded[0]}); resolved labels unknown"))
    elif sub.predictions:
        sub.resolved = resolved
    return sub


def read_patch_records(
    path: Path, *, known_instances: Container[str] | None = None
) -> tuple[list[Submission], list[IngestProblem]]:
    """A JSONL of `{instance_id, submission, model_patch, resolved}` records: one submission per
    distinct `submission` value (first-seen order), `resolved` holding the instances whose
    record says true; and the problems of the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such patch records file")
    subs: dict[str, Submission] = {}
    problems: list[IngestProblem] = []
    for where, rec in _jsonl(path, problems):
        if not _check(path, where, rec, ("instance_id", "submission", "model_patch"), known_instances, problems):
            continue
        sub = subs.setdefault(rec["submission"], Submission(rec["submission"], resolved=set()))
        iid = rec["instance_id"]
        if iid in sub.predictions:
            problems.append(IngestProblem(str(path), where, f"{sub.name} has {iid} twice; kept the first"))
            continue
        sub.predictions[iid] = rec["model_patch"] or ""
        if rec.get("resolved") is True:
            sub.resolved.add(iid)
    if not subs and not problems:
        raise InputError(f"{path}: holds no patch records")
    return list(subs.values()), problems


def build_pools(
    submissions: Sequence[Submission], *, policy: CandidatePolicy | None = None
) -> dict[str, CandidatePool]:
    """Per instance (sorted), the distinct candidates across submissions, every source kept."""
    names = [s.name for s in submissions]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"two submissions are named {dupes[0]!r}; names must be unique")
    proposals: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for sub in submissions:
        for iid, patch in sub.predictions.items():
            proposals.setdefault(iid, []).append((patch, sub.name, ()))
    return {iid: build_pool(iid, proposals[iid], policy) for iid in sorted(proposals)}


def _read_predictions(path: Path, known: Container[str] | None, problems: list[IngestProblem]) -> dict[str, str]:
    preds: dict[str, str] = {}
    first_seen: dict[str, str] = {}
    records = _jsonl(path, problems) if path.suffix == ".jsonl" else _json_records(path, problems)
    for where, rec in records:
        if not _check(path, where, rec, ("instance_id", "model_patch"), known, problems):
            continue
        iid = rec["instance_id"]
        if iid in preds:
            problems.append(IngestProblem(str(path), where, f"instance {iid} predicted twice "
                                          f"(first at {first_seen[iid]}); kept the first"))
            continue
        preds[iid] = rec["model_patch"] or ""
        first_seen[iid] = where
    return preds


def _check(
    path: Path, where: str, rec: object, required: tuple[str, ...], known: Container[str] | None,
    problems: list[IngestProblem],
) -> bool:
    """True when `rec` is usable; otherwise the reason is recorded."""
    if not isinstance(rec, dict):
        problems.append(IngestProblem(str(path), where, f"expected a JSON object, got {type(rec).__name__}"))
        return False
    missing = [f for f in required if f not in rec]
    if missing:
        problems.append(IngestProblem(str(path), where, f"missing field(s) {', '.join(missing)}"))
        return False
    bad = [f for f in required if not isinstance(rec[f], str) and not (f == "model_patch" and rec[f] is None)]
    if bad:
        problems.append(IngestProblem(str(path), where, f"field(s) {', '.join(bad)} must be strings"))
        return False
    if known is not None and rec["instance_id"] not in known:
        problems.append(IngestProblem(str(path), where, f"unknown instance {rec['instance_id']}"))
        return False
    return True


def _jsonl(path: Path, problems: list[IngestProblem]) -> Iterator[tuple[str, object]]:
    text = path.read_text(encoding="utf-8", errors="replace")
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield f"line {lineno}", json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(IngestProblem(str(path), f"line {lineno}", f"malformed JSON ({exc.msg}); truncated?"))


def _json_records(path: Path, problems: list[IngestProblem]) -> Iterable[tuple[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        problems.append(IngestProblem(str(path), f"line {exc.lineno}", f"malformed JSON ({exc.msg}); file skipped"))
        return []
    if isinstance(data, list):
        return [(f"record {i + 1}", rec) for i, rec in enumerate(data)]
    if isinstance(data, dict):
        out = []
        for key, val in data.items():
            if isinstance(val, dict) and val.get("instance_id", key) != key:
                problems.append(IngestProblem(str(path), f"entry {key!r}", f"its instance_id is {val['instance_id']!r}"))
                continue
            out.append((f"entry {key!r}", {"instance_id": key, **val} if isinstance(val, dict) else val))
        return out
    problems.append(IngestProblem(str(path), "file", "expected a list or an object of predictions"))
    return []


def _read_results(path: Path, known: Container[str] | None, problems: list[IngestProblem]) -> set[str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        problems.append(IngestProblem(str(path), f"line {exc.lineno}", f"malformed JSON ({exc.msg}); labels unknown"))
        return None
    ids = data.get("resolved") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(IngestProblem(str(path), "file", "no 'resolved' list of instance ids; labels unknown"))
        return None
    unknown = sorted(i for i in ids if known is not None and i not in known)
    for iid in unknown:
        problems.append(IngestProblem(str(path), "resolved", f"unknown instance {iid}"))
    return set(ids) - set(unknown)
