"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

runs_dir_option = click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
    help="Where outputs go (relative to the current directory).",
)
run_id_option = click.option("--run-id", default=None, help="Name of the run (default: a timestamp).")
dataset_option = click.option(
    "--dataset",
    "-d",
    required=True,
    help="verified, lite, a Hugging Face id, or a local .json/.jsonl file.",
)
