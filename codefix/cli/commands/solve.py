"""`codefix solve`: context → generation → selection → one patch for an instance."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.core.errors import InputError
from codefix.cli.image_options import image_options
from codefix.cli.model_options import budget_tokens_option, model_options
from codefix.cli.options import (check_stop_when_agree, offline_eval_option, run_id_option, runs_dir_option,
                                 stop_when_agree_option)
from codefix.cli.run_options import (build_run_config, config_option, docker_host_option, force_option,
                                     generation_options, selection_options)


@click.command("solve")
@click.option("--dataset", "-d", default=None, help="verified, lite, a Hugging Face id, or a local .json/.jsonl file.")
@click.option("--instance", "-i", "instance_id", default=None, help="Instance id (with --dataset).")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Your own git repository (HEAD is the base commit), instead of --dataset/--instance.")
@click.option("--issue", "issue_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A text/markdown file with the issue (with --repo).")
@click.option("--test-cmd", default=None, help="Command running the repository's tests (with --repo; default pytest).")
@config_option
@model_options()
@generation_options()
@budget_tokens_option
@stop_when_agree_option
@selection_options()
@docker_host_option
@click.option("--evaluate", "grade", is_flag=True, help="Grade the final patch against the instance's tests (needs a gold patch).")
@offline_eval_option
@image_options()
@runs_dir_option
@run_id_option
@force_option
def command(dataset, instance_id, repo, issue_file, test_cmd, config_file, grade, offline_eval, image_opts, runs_dir,
            run_id, force, **given):
    """Solve one issue end to end and print the chosen patch.

    Appends it to runs/<run>/preds.jsonl (SWE-bench predictions format) and prints calls, tokens
    and cost per stage. The run's whole configuration goes to runs/<run>/config.yaml; `--config`
    that file reruns it. Rerun with the same --run-id to resume: finished stages and model calls
    are never repeated, and a finished instance is not predicted twice."""
    from codefix.core.datasets import Dataset, load_dataset
    from codefix.stages.run_session import open_session
    from codefix.stages.solve import solve_instance

    config = run_config({**given, "config_file": config_file, **image_opts})
    check_stop_when_agree(config)
    if repo is not None or issue_file is not None:
        if repo is None or issue_file is None:
            raise InputError("--repo and --issue go together")
        if dataset or instance_id:
            raise InputError("give either --repo/--issue or --dataset/--instance, not both")
        from codefix.core.local_repo import local_instance
        from sandbox.images.images import default_cache_dir

        inst = local_instance(repo, issue_file, cache_dir=default_cache_dir(), test_cmd=test_cmd)
        ds = Dataset(str(repo), [inst])
    else:
        if not dataset or not instance_id:
            raise InputError("give --dataset and --instance (or --repo and --issue)")
        if test_cmd:
            raise InputError("--test-cmd goes with --repo")
        ds = load_dataset(dataset)
        inst = ds.get(instance_id)
    say = lambda msg: click.echo(msg, err=True)  # noqa: E731
    with open_session(ds, config, runs_dir=runs_dir, run_id=run_id, prefix="solve", force=force) as session:
        ledger = session.ledger(inst.instance_id)
        calls_before = len(ledger.calls)
        with session.images.lease(inst):
            outcome = solve_instance(inst, primary=session.primary, reader=session.reader, ledger=ledger,
                                     store=session.store, predictions=session.predictions, config=config, progress=say,
                                     backend=session.backend)
            _show(outcome, ledger, calls_before, inst, session)
            if grade:
                _evaluate(ds, inst, outcome, session.store, config, backend=session.backend, network=not offline_eval)


def _show(outcome, ledger, calls_before: int, inst, session) -> None:
    from codefix.core.run_layout import EARLY_STOP
    from codefix.stages.wiring import print_ledger

    print_ledger(ledger, f"{inst.instance_id}: model calls per stage", calls_this_run=len(ledger.calls) - calls_before)
    if outcome.resumed:
        click.echo("already solved in this run; nothing ran", err=True)
    click.echo(f"{outcome.status}: {outcome.candidates} distinct candidate(s), chosen by {outcome.method or '-'}", err=True)
    if outcome.skipped_pairs:
        click.echo(f"generation stopped early: pairs {outcome.skipped_pairs} skipped "
                   f"(why: {session.store.instance_dir(inst.instance_id) / EARLY_STOP})", err=True)
    if outcome.test_infrastructure:
        click.echo(f"warning: the patch touches test infrastructure ({', '.join(outcome.test_infrastructure)}); "
                   "its verdicts may not be the code's", err=True)
    if not outcome.complete:
        click.echo(f"cut short ({'; '.join(outcome.unfinished)}): rerun with the same --run-id "
                   "(and a larger --budget if that stopped it) to finish", err=True)
    click.echo(outcome.patch, nl=False)
    click.echo(f"prediction in {session.predictions}", err=True)


def _evaluate(ds, inst, outcome, store, config, *, backend, network: bool) -> None:
    from codefix.core.predictions import Prediction
    from codefix.stages.evaluation import evaluate_predictions, print_eval_table
    from codefix.stages.solve import model_name

    if not inst.patch.strip():
        raise InputError(f"{inst.instance_id}: --evaluate needs the instance's gold tests; it has no gold patch")
    reports = evaluate_predictions(ds, [Prediction(inst.instance_id, model_name(config.model.name), outcome.patch)],
                                   store, network=network, backend=backend)
    print_eval_table(reports)
    if any(r.status == "error" for r in reports):
        raise SystemExit(1)


def run_config(params: dict):
    """The RunConfig of this command's parameters (`--config` under the options given)."""
    return build_run_config(params, config_file=params.get("config_file"))
