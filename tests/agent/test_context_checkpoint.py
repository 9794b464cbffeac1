"""context.json checkpoints: batched, atomic, and only trusted for the same instance."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from agent.context.checkpoint import Checkpoint
from codefix.core.errors import CodefixWarning
from codefix.core.store import read_json


def test_decisions_are_written_in_batches_from_many_threads(tmp_path) -> None:
    path = tmp_path / "context.json"
    ckpt = Checkpoint.open(path, "i-1", every=10, seconds=3600)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: ckpt.set_decision(f"f{i}.py", {"status": "not_relevant"}), range(25)))
    assert len(read_json(path)["relevance"]) == 20  # two full batches on disk, five pending
    ckpt.flush()
    assert len(read_json(path)["relevance"]) == 25
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_record_of_another_instance_or_a_damaged_file_starts_fresh(tmp_path) -> None:
    path = tmp_path / "context.json"
    Checkpoint.open(path, "i-1").update(status="done")
    assert Checkpoint.open(path, "i-1").record["status"] == "done"
    assert Checkpoint.open(path, "i-2").record["status"] == "in_progress"
    path.write_text('{"format": 1, "instance_id": "i-1", "relevance": {')
    with pytest.warns(CodefixWarning, match=r"context.json: damaged \(truncated.*set aside as context.json.damaged-"):
        assert Checkpoint.open(path, "i-1").record["relevance"] == {}
    assert not path.exists() and len(list(tmp_path.glob("context.json.damaged-*"))) == 1
    path.write_text(json.dumps([1, 2]))
    assert Checkpoint.open(path, "i-1").record["status"] == "in_progress"
