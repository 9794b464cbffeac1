"""`codefix context`: run the context stage alone for one instance and show what it packed."""

from __future__ import annotations

import click

from codefix.cli.bounded import int_range
from codefix.cli.image_options import image_options
from codefix.cli.model_options import budget_tokens_option, model_options
from codefix.cli.options import dataset_option, run_id_option, runs_dir_option
from codefix.cli.run_options import build_run_config, config_option, field_help
from codefix.core.setting_bounds import RELEVANCE_CONCURRENCY


@click.command("context")
@dataset_option
@click.option("--instance", "-i", "instance_id", required=True, help="Instance id.")
@config_option
@model_options()
@budget_tokens_option
@click.option("--concurrency", type=int_range(RELEVANCE_CONCURRENCY), default=None,
              help=field_help("Relevance requests in flight.", "context.concurrency"))
@image_options()
@runs_dir_option
@run_id_option
def command(dataset, instance_id, config_file, image_opts, runs_dir, run_id, **given):
    """Read every source file with the relevance model, rank the relevant ones with the primary
    model and pack them into the token budget. Writes runs/<run>/<instance>/context.json; rerun
    with the same --run-id to resume (finished work makes no model call). `--config` takes a
    run's config.yaml (its model and context settings apply; the file is not recorded)."""
    from agent.context.report import print_context_report
    from codefix.core.datasets import load_dataset
    from codefix.stages.context_only import context_instance
    from codefix.stages.run_session import open_session

    config = build_run_config({**given, **image_opts}, config_file=config_file)
    ds = load_dataset(dataset)
    inst = ds.get(instance_id)
    with open_session(ds, config, runs_dir=runs_dir, run_id=run_id, prefix="context", record_config=False,
                      sandboxes=False) as session:
        done = context_instance(session, inst)
    print_context_report(done.result, done.ledger, earlier_cost=done.earlier_cost)
    click.echo(f"context in {done.path}")
