"""`codefix context`: run the context stage alone for one instance and show what it packed."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.cli.bounded import int_range
from codefix.cli.image_options import image_options
from codefix.cli.model_options import budget_tokens_option, model_options
from codefix.cli.options import dataset_option, run_id_option, runs_dir_option
from codefix.cli.run_options import build_run_config, field_help
from codefix.setting_bounds import RELEVANCE_CONCURRENCY


@click.command("context")
@dataset_option
@click.option("--instance", "-i", "instance_id", required=True, help="Instance id.")
@model_options()
@budget_tokens_option
@click.option("--concurrency", type=int_range(RELEVANCE_CONCURRENCY), default=None,
              help=field_help("Relevance requests in flight.", "context.concurrency"))
@image_options()
@runs_dir_option
@run_id_option
def command(dataset, instance_id, image_opts, runs_dir, run_id, **given):
    """Read every source file with the relevance model, rank the relevant ones with the primary
    model and pack them into the token budget. Writes runs/<run>/<instance>/context.json; rerun
    with the same --run-id to resume (finished work makes no model call)."""
    from agent.context.report import print_context_report
    from codefix.datasets import load_dataset
    from codefix.ledger import Ledger, journal_spent
    from codefix.ledger_journal import JOURNAL_NAME, Journal
    from codefix.cli.run_hold import hold_run
    from codefix.stages.wiring import checked_out, make_models, refuse_unpriced_budget, run_context

    config = build_run_config(given)
    ds = load_dataset(dataset)
    inst = ds.get(instance_id)
    primary, reader = make_models(ds, config.model)
    refuse_unpriced_budget(config.budget, primary, reader)
    store = hold_run(runs_dir, run_id, "context")
    out = store.artefact(inst.instance_id, "context.json")
    from codefix.stages.images import make_acquirer

    with make_acquirer(image_opts) as images, images.lease(inst):
        inst, repo_dir = checked_out(inst, images)
    instance_dir = store.instance_dir(inst.instance_id)
    earlier = max(spent_before(out, inst.instance_id), journal_spent(instance_dir))
    # this run's calls, written to the instance's journal as they happen; the budget counts earlier ones
    ledger = Ledger(budget_usd=None if config.budget is None else max(0.0, config.budget - earlier),
                    journal=Journal(instance_dir / JOURNAL_NAME))
    result = run_context(inst, repo_dir, primary=primary, reader=reader, ledger=ledger, out_path=out,
                         config=config.context)
    print_context_report(result, ledger, earlier_cost=earlier)
    click.echo(f"context in {out}")


def spent_before(out: Path, instance_id: str) -> float:
    """USD that unfinished earlier runs of this instance's context stage already spent."""
    from agent.context.checkpoint import Checkpoint
    from agent.context.result import FINAL_STATUSES

    record = Checkpoint.open(out, instance_id).record
    if record.get("status") in FINAL_STATUSES:
        return 0.0
    usages = [*record.get("earlier_usage", []), *([record["usage"]] if record.get("usage") else [])]
    return sum(float(u.get("totals", {}).get("cost", 0.0)) for u in usages)

