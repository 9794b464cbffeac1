"""`codefix evaluate`: grade one patch, or a predictions file, against instances' tests."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.cli.bounded import int_range
from codefix.core.errors import InputError
from codefix.cli.image_options import image_options
from codefix.cli.options import dataset_option, offline_eval_option, run_id_option, runs_dir_option
from codefix.cli.run_options import backend_of, engine_options
from codefix.core.setting_bounds import WORKERS


@click.command("evaluate")
@dataset_option
@click.option("--instance", "-i", "instance_id", help="Instance id (with --patch or --gold).")
@click.option("--patch", "patch_file", type=click.Path(path_type=Path), help="A unified diff to grade.")
@click.option("--gold", is_flag=True, help="Grade the instance's own gold patch.")
@click.option("--predictions", "-p", type=click.Path(path_type=Path), help="A SWE-bench predictions .jsonl/.json.")
@click.option("--workers", "-w", default=1, show_default=True, type=int_range(WORKERS), help="Instances graded at once.")
@click.option("--timeout", type=float, default=None, help="Seconds the test run may take (default: the instance's, else 1800).")
@click.option("--strict", is_flag=True,
              help="Grade patches that touch test infrastructure (conftest.py, pytest plugins, sitecustomize, .pth, "
                   "the evaluation's test files) as unresolved; without it they are only reported.")
@offline_eval_option
@image_options(cache_level_default=None, cache_level_note=" Default: env with --predictions, instance with --instance.")
@engine_options
@runs_dir_option
@run_id_option
def command(dataset, instance_id, patch_file, gold, predictions, workers, timeout, strict, offline_eval, image_opts,
            config_file, docker_host, runs_dir, run_id):
    """Grade patches against an instance's FAIL_TO_PASS and PASS_TO_PASS tests in Docker.

    Either --instance ID with --patch FILE (or --gold), or --predictions FILE.
    Writes runs/<run>/<instance>/eval.json and eval.log, and runs/<run>/eval_summary.json.
    Grades with the network on, as the official harness does, unless --offline-eval; on the
    engine of --docker-host (or sandbox.docker_host of --config), images pulled onto it.
    """
    from codefix.core.datasets import load_dataset
    from codefix.stages.evaluation import evaluate_predictions, print_eval_table
    from codefix.core.predictions import Prediction, load_predictions, read_patch_file
    from codefix.cli.run_hold import hold_run

    if bool(predictions) == bool(instance_id):
        raise InputError("give either --instance (with --patch or --gold) or --predictions")
    if instance_id and bool(patch_file) == bool(gold):
        raise InputError("with --instance, give exactly one of --patch FILE or --gold")
    if predictions and (patch_file or gold):
        raise InputError("--patch/--gold go with --instance, not with --predictions")

    ds = load_dataset(dataset)
    if predictions:
        preds = load_predictions(predictions)
        unknown = [p.instance_id for p in preds if p.instance_id not in ds]
        if unknown:
            raise InputError(f"{predictions}: instance(s) not in {ds.name}: {', '.join(unknown[:5])}")
    else:
        inst = ds.get(instance_id)
        patch = inst.patch if gold else read_patch_file(patch_file)
        name = "gold" if gold else str(patch_file)
        preds = [Prediction(inst.instance_id, name, patch)]

    backend = backend_of(config_file, docker_host, image_opts, cache_level="env" if predictions else "instance")
    backend.check()  # an engine that does not answer is one line here, not an error per instance
    store = hold_run(runs_dir, run_id, "eval", backend)
    with backend:
        reports = evaluate_predictions(ds, preds, store, workers=workers, timeout=timeout, backend=backend,
                                       network=not offline_eval, strict=strict)
    print_eval_table(reports)
    click.echo(f"reports in {store.root}")
    if any(r.status == "error" for r in reports):
        raise SystemExit(1)
