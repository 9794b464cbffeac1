"""A run held for the length of a click command (the run lock, container labels, reaping: see
`codefix.stages.run_session.open_run`)."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.stages.run_session import open_run
from codefix.core.store import RunStore


def hold_run(runs_dir: Path, run_id: str | None, prefix: str, backend=None) -> RunStore:
    """`open_run` for a click command (`backend` reaps on its engine): held until the command's context closes."""
    return click.get_current_context().with_resource(open_run(runs_dir, run_id, prefix, backend))
