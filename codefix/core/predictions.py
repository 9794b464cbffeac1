"""Predictions in SWE-bench's format: `{instance_id, model_name_or_path, model_patch}`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codefix.core.errors import InputError
from codefix.core.records_file import read_records

PREDICTION_FIELDS = ("instance_id", "model_name_or_path", "model_patch")


@dataclass(frozen=True)
class Prediction:
    instance_id: str
    model_name_or_path: str
    model_patch: str

    def to_record(self) -> dict[str, str]:
        return {
            "instance_id": self.instance_id,
            "model_name_or_path": self.model_name_or_path,
            "model_patch": self.model_patch,
        }


def load_predictions(path: Path) -> list[Prediction]:
    """Read a `.jsonl` (one prediction a line) or `.json` (a list, or a dict keyed by id).

    Strict: the first problem raises an `InputError` naming the file, line and field; only a
    last line cut short by a killed writer is skipped, with a warning.
    """
    records: list[tuple[str, object]] = []
    for where, data in read_records(path, "predictions", skip_torn_last=True):
        if _keyed_by_id(data):  # preds.json as {instance_id: {model_patch, ...}}
            records += [(f"entry {key!r}", {"instance_id": key, **val}) for key, val in data.items()]
        else:
            records.append((where, data))
    preds: list[Prediction] = []
    seen: set[str] = set()
    for where, rec in records:
        if not isinstance(rec, dict):
            raise InputError(f"{path}: {where}: expected a JSON object")
        missing = [f for f in PREDICTION_FIELDS if f not in rec]
        if missing:
            raise InputError(f"{path}: {where}: missing field(s) {', '.join(missing)}")
        bad = [f for f in PREDICTION_FIELDS if not isinstance(rec[f], str) and not (f == "model_patch" and rec[f] is None)]
        if bad:
            raise InputError(f"{path}: {where}: field(s) {', '.join(bad)} must be strings")
        if rec["instance_id"] in seen:
            raise InputError(f"{path}: {where}: instance {rec['instance_id']!r} predicted twice")
        seen.add(rec["instance_id"])
        preds.append(Prediction(rec["instance_id"], rec["model_name_or_path"], rec["model_patch"] or ""))
    if not preds:
        raise InputError(f"{path}: holds no predictions")
    return preds


def _keyed_by_id(data: object) -> bool:
    return (
        isinstance(data, dict)
        and "instance_id" not in data
        and bool(data)
        and all(isinstance(v, dict) for v in data.values())
    )


def append_prediction(path: Path, pred: Prediction) -> None:
    """Append one prediction line (callers serialise access)."""
    from codefix.core.redaction import redact

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(redact(json.dumps(pred.to_record())) + "\n")


def read_patch_file(path: Path) -> str:
    """A patch given on the command line: must exist, be UTF-8 text, and not be empty."""
    if not path.is_file():
        raise InputError(f"{path}: no such patch file")
    data = path.read_bytes()
    if b"\0" in data:
        raise InputError(f"{path}: is a binary file, not a patch")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text, not a patch") from None
    if not text.strip():
        raise InputError(f"{path}: is empty")
    return text
