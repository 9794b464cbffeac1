"""`codefix report RUN_DIR`: the stage funnel, cost by stage, outcomes and coverage@k of a run, also
per cap on the editing calls."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.cli.bounded import int_range
from codefix.cli.image_options import image_options
from codefix.cli.options import offline_eval_option
from codefix.cli.run_options import backend_of, engine_options
from codefix.core.setting_bounds import WORKERS


@click.command(name="report")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--json", "json_path", type=click.Path(path_type=Path), default=None,
              help="Where to write the report JSON (default RUN_DIR/report.json).")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path), default=None,
              help="Write PNG charts (funnel, cost by stage, coverage vs samples, and per cap on "
                   "editing calls) to this directory.")
@click.option("--grade-candidates", is_flag=True,
              help="Grade every distinct ungraded candidate in Docker first (cached under <instance>/grades/).")
@click.option("--dataset", "-d", default=None, help="The run's dataset (needed by --grade-candidates).")
@click.option("--workers", "-w", default=1, show_default=True, type=int_range(WORKERS),
              help="Candidates graded at once.")
@offline_eval_option
@image_options(cache_level_default="env")
@engine_options
def command(run_dir: Path, json_path: Path | None, plot_dir: Path | None, grade_candidates: bool,
            dataset: str | None, workers: int, offline_eval: bool, image_opts: dict, config_file: Path | None,
            docker_host: str | None) -> None:
    """Summarise a solve/batch run directory (runs/<run>)."""
    from codefix.core.errors import InputError
    from codefix.reporting.run_report import run_report

    if grade_candidates:
        if not dataset:
            raise InputError("--grade-candidates needs --dataset (the run's dataset)")
        from codefix.core.datasets import load_dataset
        from codefix.reporting.grade_candidates import grade_candidates as grade

        with backend_of(config_file, docker_host, image_opts, cache_level="env") as backend:
            backend.check()
            n = grade(run_dir, load_dataset(dataset), workers=workers, backend=backend, network=not offline_eval)
        click.echo(f"graded {n} candidate(s)", err=True)
    elif dataset:
        raise InputError("--dataset is only used with --grade-candidates")
    report = run_report(run_dir, json_path=json_path, plot_dir=plot_dir)
    for path in report.get("plots", []):
        click.echo(f"plot: {path}")
