"""Click options for choosing models, shared by every command that calls one.

Only names and strings here: commands pass the values to `agent.models.factory.make_model` and
`codefix.core.ledger.Ledger` themselves (the kernel never imports agent).
"""

from __future__ import annotations

from pathlib import Path

import click

from codefix.cli.bounded import int_range
from codefix.core.setting_bounds import BUDGET_USD, CONTEXT_TOKENS

MODEL_HELP = (
    "a litellm provider string (anthropic/claude-sonnet-4-5, openai/gpt-4.1, ...), "
    "gold or gold:wrong=0.6 (offline test double), noisy or noisy:wrong=0.5,seed=3 (the gold double in "
    "realistic reply shapes), or replay:PATH"
)


def _positive_budget(ctx, param, value):
    if value is not None and not BUDGET_USD.allows(value):
        raise click.BadParameter(f"must be a positive number of USD ({BUDGET_USD.describe()})")
    return value


def model_option(what: str = "Primary model"):
    """`--model/-m`: the primary model (required, here or as model.name in --config)."""
    return click.option("--model", "-m", default=None, help=f"{what}: {MODEL_HELP} [config key model.name].")


relevance_model_option = click.option(
    "--relevance-model", default=None, help="Cheaper model that reads every file in the context stage (default: --model)."
)
api_base_option = click.option(
    "--api-base", default=None,
    help="URL of --model's server: an OpenAI-compatible one (vLLM, Ollama, llama.cpp; Hugging Face ids such as "
         "Qwen/Qwen2.5-Coder-32B-Instruct work) or a provider's proxy.",
)
relevance_api_base_option = click.option(
    "--relevance-api-base", default=None, help="URL of --relevance-model's server (as --api-base is --model's)."
)
def _budget_tokens_help() -> str:
    from agent.context.budget import MAX_BUDGET

    return ("Tokens of packed context [default: from --model's context window, leaving room for the "
            f"conversation; at most {MAX_BUDGET}; config key context.budget_tokens].")


budget_tokens_option = click.option("--budget-tokens", type=int_range(CONTEXT_TOKENS), default=None,
                                    help=_budget_tokens_help())
BUDGET_HELP = "USD each instance may spend on model calls (checked before every call)."


def budget_option(help: str = BUDGET_HELP):
    """`--budget` in USD, with the command's own meaning of it."""
    return click.option("--budget", type=float, default=None, callback=_positive_budget, help=help)

price_option = click.option(
    "--price", default=None, metavar="IN,OUT[,CACHE_READ,CACHE_WRITE]",
    help="USD per million tokens of --model, for models litellm has no price for.",
)
price_file_option = click.option(
    "--price-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="JSON/YAML {model: {input, output, cache_read?, cache_write?}} in USD per million tokens.",
)


def model_options(budget_help: str = BUDGET_HELP):
    """All of the above at once, for a command's signature: model, relevance_model, api_base,
    relevance_api_base, budget, price, price_file."""

    def decorate(fn):
        for option in reversed([model_option(), relevance_model_option, api_base_option,
                                relevance_api_base_option, budget_option(budget_help), price_option,
                                price_file_option]):
            fn = option(fn)
        return fn

    return decorate
