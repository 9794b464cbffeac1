"""`codefix generate`: testing → editing pairs for one instance (context stage first if needed)."""

from __future__ import annotations

import time

import click

from codefix.errors import InputError
from codefix.cli.image_options import image_options
from codefix.cli.model_options import api_base_option, budget_tokens_option, relevance_api_base_option
from codefix.cli.options import (check_stop_when_agree, dataset_option, run_id_option, runs_dir_option,
                             stop_when_agree_option)


@click.command("generate")
@dataset_option
@click.option("--instance", "-i", "instance_id", required=True, help="Instance id.")
@click.option("--model", "-m", required=True, help="Model: a litellm provider string, or the offline test doubles gold, gold:wrong=F, replay:PATH.")
@click.option("--relevance-model", default=None, help="Model reading every file if the context stage runs (default: --model).")
@api_base_option
@relevance_api_base_option
@click.option("--samples", "-n", type=click.IntRange(1, 1000), default=10, show_default=True, help="Testing → editing pairs.")
@click.option("--max-calls", "-k", type=click.IntRange(1, 100), default=8, show_default=True, help="Model calls per machine.")
@click.option("--temperature", type=float, default=0.5, show_default=True, help="Sampling temperature.")
@click.option("--workers", "-w", type=click.IntRange(1, 64), default=4, show_default=True, help="Pairs at once = sandboxes in the pool.")
@click.option("--script-timeout", type=float, default=100.0, show_default=True, help="Seconds a reproduction script may run.")
@click.option("--share-attempts", is_flag=True, help="Tell later pairs the patches earlier pairs produced.")
@stop_when_agree_option
@click.option("--budget", type=float, default=None, help="USD this instance may spend on model calls.")
@budget_tokens_option
@image_options()
@runs_dir_option
@run_id_option
def command(dataset, instance_id, model, relevance_model, api_base, relevance_api_base, samples, max_calls, temperature,
            workers, script_timeout, share_attempts, stop_when_agree, budget, budget_tokens, image_opts, runs_dir, run_id):
    """Run N testing → editing pairs in Docker sandboxes and collect (patch, test) candidates.

    Writes runs/<run>/<instance>/trajectories/*.traj.json and candidates.jsonl; rerun with the
    same --run-id to resume (finished model calls are never repeated)."""
    from agent.generation import GenerationConfig, generate
    from selection.normalize import normalize_patch
    from agent.script_runs import ScriptRunConfig
    from codefix.datasets import load_dataset
    from codefix.stages.images import make_acquirer
    from codefix.stages.run_session import hold_run
    from codefix.stages.solve import load_ledger
    from codefix.stages.wiring import checked_out, make_models, run_context
    from sandbox.backend_config import sandbox_factory
    from codefix.store import write_json
    from sandbox.live_sandboxes import install_signal_handlers

    check_stop_when_agree(stop_when_agree, samples)
    install_signal_handlers()  # sandboxes start in worker threads; Ctrl-C/SIGTERM must remove them
    if budget is not None and budget <= 0:
        raise InputError("--budget must be a positive number of USD")
    ds = load_dataset(dataset)
    inst = ds.get(instance_id)
    say = lambda msg: click.echo(msg, err=True)  # noqa: E731
    store = hold_run(runs_dir, run_id, "generate", say)
    with make_acquirer(image_opts) as images, images.lease(inst):
        inst, repo_dir = checked_out(inst, images)
        primary, reader = make_models(ds, model, relevance_model, api_base, relevance_api_base=relevance_api_base)
        ledger = load_ledger(store.instance_dir(inst.instance_id), budget, log=say)
        context = run_context(inst, repo_dir, primary=primary, reader=reader, ledger=ledger,
                              out_path=store.artefact(inst.instance_id, "context.json"), budget_tokens=budget_tokens,
                              log=lambda msg: click.echo(msg, err=True))
        config = GenerationConfig(samples=samples, max_calls=max_calls, temperature=temperature, workers=workers,
                                  share_attempts=share_attempts, scripts=ScriptRunConfig(timeout=script_timeout),
                                  stop_when_agree=stop_when_agree)
        out_dir = store.instance_dir(inst.instance_id)
        write_json(out_dir / "generation_config.json", config.model_dump())
        started = time.monotonic()
        results, figures = generate(
            inst, model=primary, ledger=ledger, sandbox_factory=sandbox_factory(inst, images=images, parallel=workers)[0],
            context=context.render(), out_dir=out_dir, config=config,
            on_pair=lambda r: click.echo(f"pair {r.pair}: {r.status}", err=True), patch_key=normalize_patch,
        )
        write_json(out_dir / "ledger.json", ledger.to_dict())
    print_pairs(inst.instance_id, results)
    if figures["early_stop"]:
        click.echo(early_stop_line(figures["early_stop"]))
    click.echo(f"{sum(1 for r in results if r.patch)} candidate(s) in {out_dir / 'candidates.jsonl'}; "
               f"{figures['sandboxes_started']} sandbox(es) started; {time.monotonic() - started:.1f} s; "
               f"context {context.status}, ${ledger.spent:.4f} spent in total")


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
