"""Fixtures for selection tests: the real shared data, skipped when absent."""

from __future__ import annotations

import pytest

from tests.selection.shared_data import PARTIAL_PATCHES, VERIFIED, read_jsonl


@pytest.fixture(scope="session")
def verified_ids() -> list[str]:
    """The 500 SWE-bench Verified instance ids."""
    return [rec["instance_id"] for rec in read_jsonl(VERIFIED)]


@pytest.fixture(scope="session")
def partial_rows() -> list[dict]:
    """The 1,107 real resolved patch records, as raw dicts."""
    return read_jsonl(PARTIAL_PATCHES)
