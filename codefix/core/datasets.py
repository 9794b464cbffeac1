"""Load instances: SWE-bench datasets by name or Hugging Face id, local JSON/JSONL or parquet
files, or `datasets.save_to_disk` directories.

A classic SWE-bench record gets its swebench 5 fields (image, eval_script, log_parser, eval_type)
here, once (`codefix.core.classic_records`). Every problem with the input becomes one `InputError`
line naming the file and the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from codefix.core.errors import InputError
from codefix.core.instance import REQUIRED_FIELDS, Instance
from codefix.core.records_file import read_records

DATASET_ALIASES = {
    "verified": "SWE-bench/SWE-bench_Verified",
    "lite": "SWE-bench/SWE-bench_Lite",
    "full": "SWE-bench/SWE-bench",
    "swe-bench": "SWE-bench/SWE-bench",
    "swebench": "SWE-bench/SWE-bench",
    "swe-bench-lite": "SWE-bench/SWE-bench_Lite",
    "multilingual": "SWE-bench/SWE-bench_Multilingual",
    "multimodal": "SWE-bench/SWE-bench_Multimodal",
    # the names before swebench 5 moved the datasets to the SWE-bench organisation
    "princeton-nlp/swe-bench_verified": "SWE-bench/SWE-bench_Verified",
    "princeton-nlp/swe-bench_lite": "SWE-bench/SWE-bench_Lite",
    "princeton-nlp/swe-bench": "SWE-bench/SWE-bench",
}
SPLIT = "test"


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
    """Load a dataset from a local `.json`/`.jsonl`/`.parquet` path, a `save_to_disk` directory,
    an alias, or a Hugging Face id."""
    text = str(spec)
    path = Path(text)
    if path.suffix == ".parquet" or (path.is_dir() and saved_split(path) is not None):
        return load_arrow(path)
    if path.suffix in (".json", ".jsonl") or path.exists():
        return load_local(path)
    return load_hub(DATASET_ALIASES.get(text.lower(), text))


def saved_split(directory: Path) -> Path | None:
    """The `load_from_disk` directory of the test split under `directory` (a DatasetDict's folder,
    or a Dataset's own), or its `test.parquet`; None when it holds neither."""
    for candidate in (directory / SPLIT, directory):
        if (candidate / "dataset_info.json").is_file():
            return candidate
    parquet = directory / f"{SPLIT}.parquet"
    return parquet if parquet.is_file() else None


def load_arrow(path: Path) -> Dataset:
    """A parquet file or a `save_to_disk` directory, read with the `datasets` package."""
    import datasets  # heavy; only here

    source = path if path.suffix == ".parquet" else saved_split(path)
    if source is None or not source.exists():
        raise InputError(f"{path}: not found")
    try:
        if source.suffix == ".parquet":
            rows = datasets.load_dataset("parquet", data_files=str(source), split="train")
        else:
            rows = datasets.load_from_disk(str(source))
    except Exception as exc:  # datasets' errors are many and untyped
        raise InputError(f"{path}: could not read it ({type(exc).__name__}: {exc})") from None
    return Dataset(str(path), (_to_instance(path, f"row {n + 1}", _present(r), path.resolve().parent)
                               for n, r in enumerate(rows)))


def _present(row: dict) -> dict:
    """A table row without its null columns (a column some records lack is null in theirs)."""
    return {key: value for key, value in row.items() if value is not None}


def load_local(path: Path) -> Dataset:
    records = read_records(path, "dataset")
    if not records:
        raise InputError(f"{path}: holds no instances")
    base = path.resolve().parent
    return Dataset(str(path), (_to_instance(path, where, rec, base) for where, rec in records))


def _to_instance(path: Path, where: str, rec: Any, base: Path) -> Instance:
    if not isinstance(rec, dict):
        raise InputError(f"{path}: {where}: expected a JSON object, got {type(rec).__name__}")
    local = "source" in rec or ("image" in rec and "eval_script" not in rec)
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
        return with_v5_fields(Instance.model_validate(rec))
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
        rows = datasets.load_dataset(name, split=SPLIT)
    except Exception as exc:  # the hub's errors are many and untyped
        raise InputError(f"{name}: could not load the dataset ({type(exc).__name__}: {exc})") from None
    return Dataset(name, (with_v5_fields(Instance.model_validate(_present(r))) for r in rows))


def with_v5_fields(instance: Instance) -> Instance:
    """A classic SWE-bench record with its swebench 5 fields filled in from codefix's classic specs;
    a swebench 5 record, a local instance, or a classic record codefix has no spec for, as it is."""
    if not instance.is_swebench or instance.eval_script is not None:
        return instance
    from codefix.core.classic_records import v5_fields

    fields = v5_fields(instance.to_record())
    return instance if fields is None else instance.model_copy(update=fields)
