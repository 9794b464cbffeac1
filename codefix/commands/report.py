"""`codefix report RUN_DIR`: the stage funnel, cost by stage, outcomes and coverage@k of a run."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="report")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Where to write the report JSON (default RUN_DIR/report.json).")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path), default=None,
              help="Write PNG charts (funnel, cost by stage, coverage vs samples) to this directory.")
def command(run_dir: Path, json_path: Path | None, plot_dir: Path | None) -> None:
    """Summarise a solve/batch run directory (runs/<run>)."""
    from codefix.stages.report import run_report

    report = run_report(run_dir, json_path=json_path, plot_dir=plot_dir)
    for path in report.get("plots", []):
        click.echo(f"plot: {path}")
