"""Wiring shared by the commands that run stages on one instance: models, the host checkout,
the context stage and Docker sandboxes. Concrete classes are imported inside the functions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def make_models(ds, model: str, relevance_model: str | None, api_base: str | None, *, price: str | None = None):
    """(primary, reader): the primary model and the one reading every file (default: primary)."""
    from agent.models import make_model

    primary = make_model(model, api_base=api_base, dataset=ds, price=price)
    reader = make_model(relevance_model, api_base=api_base, dataset=ds) if relevance_model else primary
    return primary, reader


def checked_out(inst, images=None):
    """(instance, repo_dir): a host checkout at the base commit; a local instance gets its real commit.
    `images` (an ImageAcquirer) fetches a missing SWE-bench image first."""
    from codefix.commands.context import checkout

    repo_dir, commit = checkout(inst, images)
    if commit and commit != inst.base_commit:
        inst = inst.model_copy(update={"base_commit": commit})
    return inst, repo_dir


def run_context(inst, repo_dir: Path, *, primary, reader, ledger, out_path: Path, budget_tokens: int):
    """Run (or resume) the context stage into `out_path`."""
    from agent.context.config import ContextConfig
    from agent.context.stage import run_context_stage

    return run_context_stage(
        inst, repo_dir, relevance_model=reader, ranking_model=primary, ledger=ledger,
        out_path=out_path, config=ContextConfig(budget_tokens=budget_tokens),
    )


def docker_factory(inst, images=None, *, parallel: int = 1) -> Callable[[], object]:
    """A factory of unopened (offline) Docker sandboxes for `inst`; its image is built, or
    fetched by `images` (an ImageAcquirer), once, here. `parallel` sandboxes run at once and
    share the host's cores."""
    from sandbox.docker_sandbox import DockerSandbox
    from sandbox.images import sandbox_config_for

    image = {"image": images.ensure(inst)} if images is not None else {}
    config = sandbox_config_for(inst, parallel=parallel, **image)
    return lambda: DockerSandbox(config)


def print_ledger(ledger, title: str, *, calls_this_run: int | None = None) -> None:
    """A table of calls, tokens and cost per stage, with totals."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    cols = ("stage", "calls", "input", "output", "cache read", "cache write", "cost $")
    for col in cols:
        table.add_column(col, justify="left" if col == "stage" else "right")

    def row(name: str, t: dict) -> None:
        table.add_row(name, str(t["calls"]), str(t["input_tokens"]), str(t["output_tokens"]),
                      str(t["cache_read_tokens"]), str(t["cache_write_tokens"]), f"{t['cost']:.4f}")

    for stage, totals in ledger.by_stage().items():
        row(stage, totals)
    row("total", ledger.totals())
    console = Console()
    console.print(table)
    if ledger.unconfirmed_usd:
        console.print(f"calls in flight when an earlier process was killed: up to ${ledger.unconfirmed_usd:.4f} "
                      "more (counted against the budget)")
    if calls_this_run is not None:
        console.print(f"model calls this run: {calls_this_run}")
