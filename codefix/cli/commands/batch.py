"""`codefix batch`: solve many instances in parallel (threads here, or Ray tasks on a cluster)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from codefix.core import run_layout as layout
from codefix.cli.bounded import int_range
from codefix.cli.image_options import image_options
from codefix.cli.model_options import budget_tokens_option, model_options
from codefix.cli.options import (check_stop_when_agree, offline_eval_option, run_id_option, runs_dir_option,
                                 stop_when_agree_option)
from codefix.cli.run_options import (build_run_config, config_option, docker_host_option, force_option,
                                     generation_options, selection_options)
from codefix.core.setting_bounds import INSTANCES_AT_ONCE, WORKERS

PAIR_WORKERS = 2
"""Sandboxes per instance in a batch unless given: instances already run in parallel."""
COMMAND_DEFAULTS = {"generation.workers": PAIR_WORKERS, "selection.workers": PAIR_WORKERS, "sandbox.images.cache_level": "env"}
RUN_BUDGET_HELP = ("USD the whole run may spend on model calls: every call of every instance is checked against "
                   "the run's spend and the calls in flight before it is sent, and no new instance is scheduled "
                   "once the spend so far plus an estimate would pass it.")


@click.command("batch")
@click.option("--dataset", "-d", required=True, help="verified, lite, multilingual, multimodal, a Hugging Face id (SWE-bench/SWE-bench_Verified), a local .json/.jsonl/.parquet file, or a save_to_disk directory.")
@click.option("--instances", default=None, help="Comma-separated instance ids.")
@click.option("--filter", "pattern", default=None, help="Regex searched in instance ids.")
@click.option("--slice", "slice_", default=None, metavar="A:B", help="Instances A..B-1 in dataset order.")
@config_option
@model_options(budget_help=RUN_BUDGET_HELP)
@click.option("--workers", "-w", "instance_workers", type=int_range(INSTANCES_AT_ONCE), default=2, show_default=True,
              help="Instances at once.")
@click.option("--pair-workers", type=int_range(WORKERS), default=None,
              help=f"Sandboxes per instance (generation pairs at once, and voting sandboxes) [default: {PAIR_WORKERS}; "
                   "config key generation.workers].")
@generation_options(workers=False)
@budget_tokens_option
@stop_when_agree_option
@selection_options()
@docker_host_option
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Threads in this process, or Ray tasks (see --address).")
@click.option("--address", default=None, help="Ray cluster address (auto, HOST:PORT); none starts a local Ray.")
@click.option("--retry-errors", is_flag=True, help="Also rerun instances that failed with a non-infrastructure error.")
@click.option("--evaluate", "grade", is_flag=True,
              help="Grade each instance's chosen patch right after it, before its image is released (eval.json).")
@offline_eval_option
@image_options(cache_level_default="env")
@runs_dir_option
@run_id_option
@force_option
def command(dataset, instances, pattern, slice_, config_file, instance_workers, executor, address, retry_errors, grade,
            offline_eval, image_opts, runs_dir, run_id, force, **given):
    """Solve many instances end to end, resumably, within one USD --budget for the whole run.

    Each instance runs the `solve` pipeline; its failure is recorded in
    runs/<run>/<instance>/batch_status.json and the others go on. Predictions go to
    runs/<run>/preds.jsonl. Rerun with the same --run-id to resume: finished instances are
    skipped, cut-short and infrastructure failures retried, and no finished model call repeats.

    Missing SWE-bench images are listed up front and pulled as each instance starts (--no-pull to
    refuse, --build-missing to build); an instance whose image cannot be had fails alone with the
    reason. With the default --cache-level env each image codefix fetched is removed after its
    instance; images present before the run are never removed (log: runs/<run>/images.log)."""
    from codefix.core.datasets import load_dataset
    from codefix.core.errors import InputError
    import functools

    from codefix.stages.batch import passed_env, run_batch, summary
    from codefix.stages.batch_job import BatchJob, run_instance
    from codefix.stages.instance_selection import select_instances
    from codefix.stages.executors import make_executor
    from codefix.stages.limit_share import shared_run_config
    from codefix.stages.run_session import open_session
    from codefix.core.store import write_json

    config = run_config({**given, "config_file": config_file, "instance_workers": instance_workers, **image_opts})
    check_stop_when_agree(config)
    if address and executor != "ray":
        raise InputError("--address goes with --executor ray")
    if executor == "ray":  # before anything is written: an address that does not answer is one line
        from codefix.stages.ray_connect import probe

        probe(address)
    ds = load_dataset(dataset)
    picked = select_instances(ds, ids=instances, pattern=pattern, slice_=slice_)
    # the models are made (and their prices checked) once here, not per instance; held till the command ends
    session = click.get_current_context().with_resource(open_session(
        ds, config, runs_dir=Path(runs_dir).resolve(), run_id=run_id, prefix="batch", force=force,
        images_log_file=True))
    run_root, backend = session.store.root, session.backend
    budget = config.budget
    env = passed_env()
    _report_images(backend, picked)

    runner = make_executor(executor, instance_workers, address)
    if executor == "ray":  # each instance preferably on a node that holds its image (ray_images)
        runner.survey_images({inst.instance_id: backend.images.image_name(inst) for inst in picked if inst.is_swebench})
    # on Ray each node's limiter takes its share of the endpoint's known limits (executors docstring)
    job_config = shared_run_config(config.model_dump(), runner.limit_share)

    def make_job(inst, cap, gate):
        return BatchJob(instance=inst, dataset_name=ds.name, run_root=str(run_root), run_config=job_config,
                        budget_usd=cap, gate=gate, env=env, evaluate=grade,
                        eval_network=not offline_eval)

    click.echo(f"run {run_root}: {len(picked)} instance(s), {instance_workers} at once ({executor})", err=True)
    view = ProgressView()
    try:
        with view:
            state = run_batch(picked, make_job, runner, run_root=run_root, budget=budget,
                              retry_errors=retry_errors, on_update=view.update,
                              run=run_instance if executor == "ray" else functools.partial(run_instance, backend=backend))
    except KeyboardInterrupt:
        _interrupted(runner, run_root, backend)
    runner.shutdown()
    backend.images.finish()
    info = summary(state)
    if executor == "ray":  # archives moved between the driver and the tasks (seeds, checkpoints, results)
        info["artefact_bytes"] = runner.bytes_shipped
        info["artefact_seconds"] = round(runner.ship_seconds, 3)
    if grade:
        info["evaluated"] = _graded(run_root, picked)
    write_json(run_root / layout.BATCH_SUMMARY, info)
    _report(info, run_root)
    if grade:
        from codefix.stages.evaluation import grading_mode_line

        ev = info["evaluated"]
        click.echo(f"evaluated {ev['graded']}: resolved {ev['resolved']}; {grading_mode_line(not offline_eval)}", err=True)
    if state.failed or state.incomplete or state.unscheduled:
        raise SystemExit(1)


class ProgressView:
    """A live rich panel on stderr: done / running / failed, each running instance's stage,
    spend (committed, and reserved by calls in flight) against the budget, ETA, and per model endpoint
    the requests in flight, the allowed concurrency and pace, and the time spent waiting on rate limits."""

    def __init__(self):
        from rich.console import Console

        self._console = Console(stderr=True)
        self._live = None

    def __enter__(self):
        from rich.live import Live

        self._live = Live(console=self._console, refresh_per_second=4, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc):
        self._live.__exit__(*exc)
        self._console.print()

    def update(self, state) -> None:
        from rich.table import Table

        table = Table(show_header=False, box=None)
        finished = len(state.done) + len(state.skipped)
        money = f"${state.committed:.4f}"
        if state.budget:
            money += (f" committed + ${state.reserved:.4f} reserved by {state.calls_in_flight} call(s) in flight"
                      f" of ${state.budget:.4f}")
        eta = state.eta_seconds()
        table.add_row("instances", f"done {finished}/{state.total}  running {len(state.running)}  "
                      f"queued {state.queued}  failed {len(state.failed)}  incomplete {len(state.incomplete)}"
                      + (f"  rescheduled {sum(state.rescheduled.values())} (node lost)" if state.rescheduled else ""))
        table.add_row("spend", money + ("  (budget stop: scheduling no more)" if state.budget_stop else ""))
        table.add_row("eta", "-" if eta is None else time.strftime("%H:%M:%S", time.gmtime(eta)))
        from agent.models.limiter import shared_limiters, snapshot_line

        for limiter in shared_limiters():  # this process's endpoints (a Ray batch: the head's only)
            table.add_row("limits", snapshot_line(limiter.snapshot()))
        for iid, stage in sorted(state.running.items()):
            table.add_row(f"  {iid}", stage[:100])
        self._live.update(table)


def run_config(params: dict):
    """The RunConfig of this command's parameters (`--config` under the options given, over the
    batch's own defaults); all instances' sandboxes at once set each one's CPU share."""
    config = build_run_config(params, config_file=params.get("config_file"), command_defaults=COMMAND_DEFAULTS)
    return config.model_copy(update={"parallel_sandboxes": params["instance_workers"] * config.generation.workers})


def _graded(run_root: Path, picked) -> dict:
    """How many instances `--evaluate` graded in this run directory and how many resolved."""
    from codefix.stages.batch_status import read_status

    evals = [(read_status(run_root, i.instance_id) or {}).get("eval") for i in picked]
    evals = [e for e in evals if e]
    return {"graded": len(evals), "resolved": sum(bool(e.get("resolved")) for e in evals)}


def _report_images(backend, picked) -> None:
    """Before anything runs: which SWE-bench images are missing on the backend's engine and what
    will happen to them."""
    swebench = [inst for inst in picked if inst.is_swebench]
    if not swebench:
        return
    images = backend.images
    missing = [inst.instance_id for inst in swebench if not images.present(images.image_name(inst))]
    cfg = images.config
    line = f"images: {len(swebench) - len(missing)}/{len(swebench)} present {backend.where}"
    if missing:
        if cfg.pull:
            how = f"pulled from {cfg.registry or 'Docker Hub'} ({cfg.max_pulls} at once) as each instance starts"
            how += ", built with the swebench harness if that fails" if cfg.build_missing else ""
        elif cfg.build_missing:
            how = "built with the swebench harness as each instance starts"
        else:
            how = "NOT fetched (--no-pull): those instances fail; pass --pull or --build-missing"
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        line += f"; {len(missing)} missing ({shown}): {how}"
    line += f"; --cache-level {cfg.cache_level}"
    click.echo(line, err=True)


def _interrupted(runner, run_root: Path, backend) -> None:
    """Ctrl-C: remove our containers and leave at once; every artefact is written atomically and
    instances still running are retried by the next invocation with the same run id."""
    from codefix.stages.batch import write_predictions

    backend.remove_live()
    runner.shutdown(cancel=True)
    backend.remove_live()
    write_predictions(run_root)
    backend.images.finish()
    click.echo(f"interrupted: rerun with --run-id {run_root.name} to resume", err=True)
    os._exit(130)  # worker threads may be inside a model call; their work is resumable


def _report(info: dict, run_root: Path) -> None:
    echo = lambda msg: click.echo(msg, err=True)  # noqa: E731
    echo(f"done {info['done']}/{info['total']} ({len(info['skipped'])} from earlier), "
         f"incomplete {len(info['incomplete'])}, failed {len(info['failed'])}, "
         f"spent ${info['spent_usd']:.4f}" + (f" of ${info['budget_usd']:.4f}" if info["budget_usd"] else ""))
    for iid, err in info["failed"].items():
        status = run_root / iid / layout.BATCH_STATUS  # absent when the job was refused (another holds it)
        echo(f"  failed {iid}: {err}" + (f" (traceback in {status})" if status.is_file() else ""))
    for iid in info["incomplete"]:
        echo(f"  incomplete {iid}: rerun with the same --run-id to finish")
    if info["disk_stop"]:
        echo(f"disk stop: {info['disk_stop']}; not scheduled ({len(info['unscheduled'])}): "
             f"{', '.join(info['unscheduled'])}")
    if info["budget_stop"]:
        echo(f"budget stop: spent ${info['spent_usd']:.4f}, ${info['remaining_usd']:.4f} remains of "
             f"${info['budget_usd']:.4f}; not scheduled ({len(info['unscheduled'])}): {', '.join(info['unscheduled'])}")
        echo("rerun with the same --run-id and a larger --budget to go on")
    echo(f"predictions in {run_root / layout.PREDICTIONS}")
