"""`codefix ensemble`: pool external submissions and codefix runs, select per instance, report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from codefix.core.errors import InputError
from codefix.core.run_layout import ENSEMBLE_REPORT
from codefix.core.store import write_json
from codefix.cli.image_options import image_options
from codefix.cli.model_options import api_base_option, budget_option, model_option
from codefix.cli.options import dataset_option, run_id_option, runs_dir_option
from codefix.cli.run_options import (build_run_config, config_option, docker_host_option, force_option,
                                     selection_options)

COMMAND_DEFAULTS = {"selection.strategy": "adjudication_only", "sandbox.images.cache_level": "env"}
"""The paper's ensemble sends every candidate of a pool to the selection machine."""


@click.command("ensemble")
@click.argument("submission_dirs", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@dataset_option
@click.option("--codefix-run", "codefix_runs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="A codefix run directory (runs/<run>) to pool as a member; repeatable.")
@click.option("--select/--no-select", "do_select", default=True, show_default=True,
              help="Pick one candidate per instance with the selection stage (else report only).")
@config_option
@model_option("Selection model (needed with --select)")
@api_base_option
@budget_option("USD all selection calls together may spend.")
@selection_options(max_calls_flags=("--max-calls", "-k"), script_timeout=True,
                   strategy_default=COMMAND_DEFAULTS["selection.strategy"])
@docker_host_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report here (always written to runs/<run>/ensemble_report.json).")
@image_options(cache_level_default="env")
@runs_dir_option
@run_id_option
@force_option
def command(submission_dirs, dataset, codefix_runs, do_select, config_file, json_out, image_opts, runs_dir, run_id,
            force, **given):
    """Ingest SUBMISSION_DIR... (SWE-bench experiments layout: all_preds.jsonl or preds.json, and
    results/results.json when present) and codefix runs; report every malformed line; build
    per-instance candidate pools; with --select write runs/<run>/preds.jsonl; print each member's
    score, the coverage (oracle), the expected random pick and the selected score."""
    from codefix.core.datasets import load_dataset
    from codefix.stages.ensemble import read_members, report_for, select_all, write_pools
    from codefix.stages.run_session import open_session
    from codefix.stages.wiring import print_ledger
    from selection.submissions import build_pools

    config = run_config({**given, "config_file": config_file, **image_opts})
    if not submission_dirs and not codefix_runs:
        raise InputError("give at least one SUBMISSION_DIR or --codefix-run")
    ds = load_dataset(dataset)
    ids = {inst.instance_id for inst in ds}
    if do_select and not config.model.name:
        raise InputError("--select needs --model (the selection model)")
    members = read_members(submission_dirs, codefix_runs, known=ids)
    for problem in members.problems:
        click.echo(f"skipped: {problem}", err=True)
    pools = build_pools(members.submissions)
    with open_session(ds, config, runs_dir=runs_dir, run_id=run_id, prefix="ensemble", force=force, models=do_select,
                      record_config=do_select, sandboxes=do_select) as session:
        write_pools(session.store, pools)
        selected, failed = None, {}
        if do_select:
            picked = select_all(session, ds, pools)
            selected, failed = picked.chosen, picked.failed
            print_ledger(picked.ledger, "selection model calls", calls_this_run=picked.calls_this_run)
        report = report_for(ids, members.submissions, pools, selected)
        data = {**report.to_dict(), "problems": [str(p) for p in members.problems], "selection_failures": failed}
        write_json(session.store.root / ENSEMBLE_REPORT, data)
    if json_out:
        write_json(json_out, data)
    for line in report.lines():
        click.echo(line)
    unlabelled = [s.name for s in members.submissions if s.resolved is None]
    if unlabelled:
        click.echo(f"no resolved labels for: {', '.join(unlabelled)} (left out of the scores)", err=True)
    click.echo(f"{len(members.problems)} problem(s) skipped; report in {session.store.root / ENSEMBLE_REPORT}",
               err=True)
    if selected is not None:
        click.echo(f"{len(selected)} prediction(s) in {session.predictions}", err=True)
    click.echo(json.dumps(data, indent=2))


def run_config(params: dict):
    """The RunConfig of this command's parameters (`--config` under the options given, over the
    ensemble's own defaults)."""
    return build_run_config(params, config_file=params.get("config_file"), command_defaults=COMMAND_DEFAULTS)
