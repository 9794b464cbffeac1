"""Fixtures of the view's browser tests: the real runs (made once per session, see real_runs.py)
and one headless Chromium (Debian's `chromium`), skipped locally when absent, required in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.codefix.view.chromium import Chromium, chromium_path
from tests.codefix.view.real_runs import make_runs


@pytest.fixture(scope="session")
def view_runs(docker_client, tmp_path_factory) -> dict[str, Path]:
    """{"gold": solve run, "wrong": batch run, "ensemble": ensemble run}, each evaluated.

    CODEFIX_VIEW_TEST_RUNS=DIR reuses runs that real_runs.make_runs(DIR) made earlier (for
    iterating on the view without waiting for Docker)."""
    reuse = os.environ.get("CODEFIX_VIEW_TEST_RUNS")
    if reuse:
        return {name: Path(reuse) / name for name in ("gold", "wrong", "ensemble")}
    return make_runs(tmp_path_factory.mktemp("view-runs"))


@pytest.fixture(scope="session")
def browser():
    if not chromium_path():
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium (.ci/run installs it)")
        pytest.skip("no chromium on this machine (apt-get install -y chromium)")
    with Chromium() as chromium:
        yield chromium


@pytest.fixture
def run_copy(view_runs, tmp_path):
    """A writable copy of one of the session's runs (for damaging it)."""
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(view_runs[name], target)
        return target

    return copy
