"""Wiring shared by the commands that run stages on one instance: models, the host checkout and the
context stage (the checkout and the sandboxes come from the run's backend). Concrete classes are
imported inside the functions."""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def make_models(ds, config):
    """(primary, reader) of a `codefix.stages.run_config.ModelConfig`: the primary model and the
    one reading every file (default: primary), with the config's price file loaded first."""
    from agent.models.factory import make_model
    from codefix.core.errors import InputError

    if not config.name:
        raise InputError("give --model (or model.name in --config)")
    if config.relevance_api_base and not config.relevance:
        raise InputError("--relevance-api-base goes with --relevance-model (--api-base is --model's server)")
    if config.price_file:
        from agent.models.pricing import load_price_file

        load_price_file(Path(config.price_file))
    primary = make_model(config.name, api_base=config.api_base, dataset=ds, price=config.price, limits=config.limits)
    reader = (make_model(config.relevance, api_base=config.relevance_api_base, dataset=ds,
                         limits=config.relevance_limits or config.limits) if config.relevance else primary)
    return primary, reader


def unpriced_warning(*models) -> str | None:
    """One line naming the models litellm has no price for (their calls are counted as $0), or None."""
    from agent.models.pricing import price_of

    names = list(dict.fromkeys(m.name for m in models if price_of(getattr(m, "litellm_model", m.name)) is None))
    if not names:
        return None
    return (f"warning: no price known for {', '.join(names)}: its calls will be recorded as $0 and cost "
            "figures will be too low; give --price IN,OUT (USD per million tokens) or --price-file")


def refuse_unpriced_budget(budget: float | None, *models) -> None:
    """InputError before anything runs when a --budget is given and a model has no known price
    (a budget over calls recorded as $0 could never stop the run)."""
    from agent.models.pricing import price_of
    from codefix.core.errors import InputError

    names = list(dict.fromkeys(m.name for m in models if price_of(getattr(m, "litellm_model", m.name)) is None))
    if budget is not None and names:
        raise InputError(f"--budget cannot be enforced: no price is known for {', '.join(names)} (its calls would count "
                         "as $0); give --price IN,OUT (USD per million tokens) or --price-file, or drop --budget")


def checked_out(inst, backend=None):
    """(instance, repo_dir): a host checkout at the base commit by `backend` (the live sandbox
    backend; default: the local Docker engine's), which fetches a missing SWE-bench image onto its
    engine first; a local instance gets its real commit."""
    if backend is None:
        from sandbox.backend_config import DockerBackendConfig

        backend = DockerBackendConfig().open()
    return backend.checkout(inst)


def run_context(inst, repo_dir: Path, *, primary, reader, ledger, out_path: Path, config):
    """Run (or resume) the context stage (`config`: its ContextConfig) into `out_path`. Without a
    `budget_tokens`, the packing budget derives from the primary model's context window
    (`agent.context.budget`); without a `token_model`, tokens are counted with the primary
    model's own tokenizer."""
    from agent.context.budget import context_budget
    from agent.context.stage import run_context_stage
    from agent.models.context_window import counting_model
    from agent.issue_text import prompt_issue

    name = getattr(primary, "litellm_model", None) or primary.name
    updates = {"token_model": config.token_model or counting_model(name)}
    if config.budget_tokens is None:
        updates["budget_tokens"], window = context_budget(primary, prompt_issue(inst.problem_statement))
        logger.info(f"context budget {updates['budget_tokens']} tokens" + (
            f" (window of {primary.name}: {window})" if window else f" ({primary.name}'s window is unknown)"))
    return run_context_stage(inst, repo_dir, relevance_model=reader, ranking_model=primary, ledger=ledger,
                             out_path=out_path, config=config.model_copy(update=updates))


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
    from codefix.core.ledger import cache_summary

    cache = cache_summary(ledger.totals())
    if cache:
        console.print(cache)
    if calls_this_run is not None:
        console.print(f"model calls this run: {calls_this_run}")
