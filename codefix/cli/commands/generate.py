"""`codefix generate`: testing → editing pairs for one instance (context stage first if needed)."""

from __future__ import annotations

import click

from codefix.cli.image_options import image_options
from codefix.cli.model_options import budget_tokens_option, model_options
from codefix.cli.options import (check_stop_when_agree, dataset_option, run_id_option, runs_dir_option,
                                 stop_when_agree_option)
from codefix.cli.run_options import (build_run_config, config_option, docker_host_option, force_option,
                                     generation_options)


@click.command("generate")
@dataset_option
@click.option("--instance", "-i", "instance_id", required=True, help="Instance id.")
@config_option
@model_options(budget_help="USD this instance may spend on model calls.")
@generation_options()
@stop_when_agree_option
@budget_tokens_option
@docker_host_option
@image_options()
@runs_dir_option
@run_id_option
@force_option
def command(dataset, instance_id, config_file, image_opts, runs_dir, run_id, force, **given):
    """Run N testing → editing pairs in Docker sandboxes and collect (patch, test) candidates.

    Writes runs/<run>/<instance>/trajectories/*.traj.json and candidates.jsonl, and the run's
    configuration to runs/<run>/config.yaml; rerun with the same --run-id to resume (finished
    model calls are never repeated)."""
    from codefix.core.datasets import load_dataset
    from codefix.stages.generation_only import generate_instance
    from codefix.stages.run_session import open_session

    run = run_config({**given, "config_file": config_file, **image_opts})
    check_stop_when_agree(run)
    ds = load_dataset(dataset)
    inst = ds.get(instance_id)
    say = lambda msg: click.echo(msg, err=True)  # noqa: E731
    with open_session(ds, run, runs_dir=runs_dir, run_id=run_id, prefix="generate", force=force) as session:
        done = generate_instance(session, inst, on_pair=lambda r: say(f"pair {r.pair}: {r.status}"))
    print_pairs(done.instance_id, done.results)
    if done.figures["early_stop"]:
        click.echo(early_stop_line(done.figures["early_stop"]))
    click.echo(f"{sum(1 for r in done.results if r.patch)} candidate(s) in {done.candidates_path}; "
               f"{done.figures['sandboxes_started']} sandbox(es) started; {done.seconds:.1f} s; "
               f"context {done.context_status}, ${done.ledger.spent:.4f} spent in total")


def early_stop_line(record: dict) -> str:
    """One line saying whether the early stop fired, after which pairs and what it skipped."""
    if not record["stopped"]:
        return f"early stop (--stop-when-agree {record['stop_when_agree']}): not reached, every pair ran"
    return (f"early stop: pairs {record['agreeing_pairs']} agree and pass each other's tests "
            f"(decided once pairs {record['after_pairs']} had finished); skipped pairs {record['skipped_pairs']}")


def print_pairs(instance_id: str, results) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{instance_id}: generation pairs")
    for col in ("pair", "status", "testing", "calls", "before", "after", "patch lines", "cost $", "error"):
        table.add_column(col, justify="right" if col in ("pair", "calls", "before", "after", "patch lines", "cost $") else "left")
    for r in results:
        table.add_row(
            str(r.pair), r.status, r.testing_status, str(r.calls),
            "" if r.before is None else str(r.before), "" if r.after is None else str(r.after),
            str(len(r.patch.splitlines())), f"{r.cost:.4f}", r.error[:60],
        )
    Console().print(table)


def run_config(params: dict):
    """The RunConfig of this command's parameters (`--config` under the options given)."""
    return build_run_config(params, config_file=params.get("config_file"))
