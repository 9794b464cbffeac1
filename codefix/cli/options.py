"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.core.setting_bounds import AGREEMENT

runs_dir_option = click.option(
    "--runs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
    help="Where outputs go (relative to the current directory).",
)
def _safe_run_id(ctx, param, value):
    from codefix.core.safe_names import name_problem

    problem = None if value is None else name_problem(value)
    if problem:
        raise click.BadParameter(f"{value[:80]!r} {problem}")
    return value


run_id_option = click.option("--run-id", default=None, callback=_safe_run_id,
                             help="Name of the run: letters, digits, '.', '_', '-' (default: a timestamp).")
dataset_option = click.option(
    "--dataset",
    "-d",
    required=True,
    help="verified, lite, multilingual, multimodal, a Hugging Face id (SWE-bench/SWE-bench_Verified), a local .json/.jsonl/.parquet file, or a save_to_disk directory.",
)


offline_eval_option = click.option(
    "--offline-eval", is_flag=True,
    help="Grade in sandboxes without a network. By default grading has the network, as the official SWE-bench "
         "harness does (some tests need a network stack); generation and voting are always offline.",
)


def _agreement(ctx, param, value):
    if value is not None and not AGREEMENT.allows(value):
        raise click.BadParameter(f"{value}: agreement needs at least {AGREEMENT.low:g} candidates and at most "
                                 f"{AGREEMENT.high:g} (leave the option out to run every pair)")
    return value


def check_stop_when_agree(config) -> None:
    """A stop that can never trigger is a mistake worth saying (`config`: the RunConfig)."""
    value, samples = config.generation.stop_when_agree, config.generation.samples
    if value is not None and value > samples:
        raise click.BadParameter(f"{value} agreeing candidates can never come from --samples {samples} pairs",
                                 param_hint="'--stop-when-agree'")


stop_when_agree_option = click.option(
    "--stop-when-agree", type=int, default=None, metavar="A", callback=_agreement,
    help="Adaptive compute: launch no further generation pair of an instance once A (>= 2) finished "
         "candidates have the same normalized patch and pass each other's reproduction tests (each fails "
         "unedited, passes patched); pairs in flight finish, the rest are recorded as skipped "
         "(<instance>/early_stop.json). Off by default: every pair runs.",
)
