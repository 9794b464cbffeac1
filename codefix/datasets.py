"""Load instances: SWE-bench datasets by name or Hugging Face id, or local JSON/JSONL files.

Every problem with the input becomes one `InputError` line naming the file and the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from codefix.errors import InputError
from codefix.instance import REQUIRED_FIELDS, Instance
from codefix.records_file import read_records

DATASET_ALIASES = {
    "verified": "princeton-nlp/SWE-bench_Verified",
    "lite": "princeton-nlp/SWE-bench_Lite",
    "full": "princeton-nlp/SWE-bench",
}


class Dataset:
    """An ordered collection of instances, looked up by id."""

    def __init__(self, name: str, instances: Iterable[Instance]):
        self.name = name
        self._by_id: dict[str, Instance] = {}
        for inst in instances:
            if inst.instance_id in self._by_id:
                raise InputError(f"{name}: instance id {inst.instance_id!r} appears twice")
            self._by_id[inst.instance_id] = inst

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Instance]:
        return iter(self._by_id.values())

    def __contains__(self, instance_id: object) -> bool:
        return instance_id in self._by_id

    def get(self, instance_id: str) -> Instance:
        try:
            return self._by_id[instance_id]
        except KeyError:
            known = ", ".join(list(self._by_id)[:5])
            more = ", ..." if len(self._by_id) > 5 else ""
            raise InputError(
                f"{self.name}: unknown instance id {instance_id!r} (it has {len(self)}: {known}{more})"
            ) from None


def load_dataset(spec: str | Path) -> Dataset:
    """Load a dataset from a local `.json`/`.jsonl` path, an alias, or a Hugging Face id."""
    text = str(spec)
    path = Path(text)
    if path.suffix in (".json", ".jsonl") or path.exists():
        return load_local(path)
    return load_hub(DATASET_ALIASES.get(text.lower(), text))


def load_local(path: Path) -> Dataset:
    records = read_records(path, "dataset")
    if not records:
        raise InputError(f"{path}: holds no instances")
    base = path.resolve().parent
    return Dataset(str(path), (_to_instance(path, where, rec, base) for where, rec in records))


def _to_instance(path: Path, where: str, rec: Any, base: Path) -> Instance:
    if not isinstance(rec, dict):
        raise InputError(f"{path}: {where}: expected a JSON object, got {type(rec).__name__}")
    local = "source" in rec or "image" in rec
    required = [f for f in REQUIRED_FIELDS if not (local and f == "base_commit")]
    missing = [f for f in required if f not in rec]
    if missing:
        ident = rec.get("instance_id", "?")
        raise InputError(f"{path}: {where} ({ident}): missing field(s) {', '.join(missing)}")
    rec = dict(rec)
    if rec.get("source") is not None:
        source = (base / rec["source"]).resolve()
        if not source.is_dir():
            raise InputError(f"{path}: {where}: source directory {rec['source']!r} not found")
        rec["source"] = source
        rec.setdefault("base_commit", "")
    try:
        return Instance.model_validate(rec)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{path}: {where} ({rec.get('instance_id', '?')}): {field}: {err['msg']}") from None


def load_hub(name: str) -> Dataset:
    """A SWE-bench dataset from the Hugging Face hub (needs the network)."""
    try:
        import datasets  # heavy; only here
    except ImportError:  # pragma: no cover - swebench depends on datasets
        raise InputError("loading a hub dataset needs the 'datasets' package") from None
    try:
        rows = datasets.load_dataset(name, split="test")
    except Exception as exc:  # the hub's errors are many and untyped
        raise InputError(f"{name}: could not load the dataset ({type(exc).__name__}: {exc})") from None
    return Dataset(name, (Instance.model_validate(dict(r)) for r in rows))
