"""`codefix context`: run the context stage alone for one instance and show what it packed."""

from __future__ import annotations

import time
from pathlib import Path

import click

from codefix.errors import InputError
from codefix.options import dataset_option, run_id_option, runs_dir_option


@click.command("context")
@dataset_option
@click.option("--instance", "-i", "instance_id", required=True, help="Instance id.")
@click.option("--model", "-m", default="gold", show_default=True, help="Primary model (ranking): a litellm provider string, gold, or replay:PATH.")
@click.option("--relevance-model", default=None, help="Cheaper model that reads every file (default: --model).")
@click.option("--api-base", default=None, help="OpenAI-compatible server for both models (vLLM, Ollama, llama.cpp).")
@click.option("--budget", type=float, default=None, help="USD this instance may spend on model calls.")
@click.option("--budget-tokens", type=click.IntRange(1000), default=128_000, show_default=True, help="Tokens the packed context may hold.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=32, show_default=True, help="Relevance requests in flight.")
@runs_dir_option
@run_id_option
def command(dataset, instance_id, model, relevance_model, api_base, budget, budget_tokens, concurrency, runs_dir, run_id):
    """Read every source file with the relevance model, rank the relevant ones with the primary
    model and pack them into the token budget. Writes runs/<run>/<instance>/context.json; rerun
    with the same --run-id to resume (finished work makes no model call)."""
    from agent.context.config import ContextConfig
    from agent.context.stage import run_context_stage
    from agent.models import make_model
    from codefix.datasets import load_dataset
    from codefix.ledger import Ledger
    from codefix.store import RunStore

    if budget is not None and budget <= 0:
        raise InputError("--budget must be a positive number of USD")
    ds = load_dataset(dataset)
    inst = ds.get(instance_id)
    store = RunStore(runs_dir, run_id or time.strftime("context-%Y%m%d-%H%M%S"))
    repo_dir, commit = checkout(inst)
    if commit and commit != inst.base_commit:
        inst = inst.model_copy(update={"base_commit": commit})
    primary = make_model(model, api_base=api_base, dataset=ds)
    reader = make_model(relevance_model, api_base=api_base, dataset=ds) if relevance_model else primary
    ledger = Ledger(budget_usd=budget)
    config = ContextConfig(budget_tokens=budget_tokens, concurrency=concurrency)
    out = store.artefact(inst.instance_id, "context.json")
    result = run_context_stage(
        inst, repo_dir, relevance_model=reader, ranking_model=primary, ledger=ledger, out_path=out, config=config
    )
    from agent.context.report import print_context_report

    print_context_report(result, ledger)
    click.echo(f"context in {out}")


def checkout(inst) -> tuple[Path, str]:
    """A host checkout of the instance's repository at its base commit: (path, commit)."""
    from sandbox.images import default_cache_dir

    cache = default_cache_dir()
    if inst.source is not None:
        from sandbox.source_repo import prepare_source_repo

        return prepare_source_repo(inst, cache / "source-repos")
    from sandbox.images import image_for
    from sandbox.workdir_export import export_workdir

    dest = export_workdir(image_for(inst, cache_dir=cache), cache / "workdirs" / inst.instance_id)
    return dest, inst.base_commit
