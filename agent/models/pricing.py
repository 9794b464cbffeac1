"""Prices per token through litellm's price map; `register_price` teaches it unknown models.

User-facing prices are USD per million tokens (as providers publish them); litellm stores USD
per token. A model litellm does not know has no price: its calls cost 0 and a budget cannot be
enforced for it (LitellmModel refuses to run one under a budget).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from agent.models.litellm_setup import load_litellm
from codefix.core.errors import InputError
from codefix.core.protocols import Usage

MTOK = 1_000_000


@dataclass(frozen=True)
class Price:
    """USD per token for one model."""

    input: float
    """Uncached prompt tokens."""
    output: float
    """Completion tokens."""
    cache_read: float
    """Prompt tokens read from the cache."""
    cache_write: float
    """Prompt tokens written to the cache."""
    max_output_tokens: int | None = None
    """The model's output limit, when known."""


def price_of(model: str) -> Price | None:
    """The model's price from litellm's map, or None when litellm does not know it."""
    litellm = load_litellm()
    try:
        info = litellm.get_model_info(model)
    except Exception:  # litellm raises several types for unknown models
        return None
    inp, out = info.get("input_cost_per_token"), info.get("output_cost_per_token")
    if inp is None or out is None:
        return None
    read = info.get("cache_read_input_token_cost")
    write = info.get("cache_creation_input_token_cost")
    return Price(
        input=float(inp),
        output=float(out),
        cache_read=float(inp if read is None else read),
        cache_write=float(inp if write is None else write),
        max_output_tokens=info.get("max_output_tokens"),
    )


def register_price(
    model: str,
    *,
    input_per_mtok: float,
    output_per_mtok: float,
    cache_read_per_mtok: float | None = None,
    cache_write_per_mtok: float | None = None,
    max_input_tokens: int | None = None,
    max_output_tokens: int | None = None,
) -> None:
    """Add or override `model`'s price (USD per million tokens) in litellm's map."""
    if min(input_per_mtok, output_per_mtok) < 0:
        raise InputError(f"price of {model} must not be negative")
    litellm = load_litellm()
    provider = model.split("/", 1)[0] if "/" in model else "openai"
    entry = {
        "input_cost_per_token": input_per_mtok / MTOK,
        "output_cost_per_token": output_per_mtok / MTOK,
        "cache_read_input_token_cost": (input_per_mtok if cache_read_per_mtok is None else cache_read_per_mtok) / MTOK,
        "cache_creation_input_token_cost": (input_per_mtok if cache_write_per_mtok is None else cache_write_per_mtok) / MTOK,
        "litellm_provider": provider,
        "mode": "chat",
    }
    if max_input_tokens:
        entry["max_input_tokens"] = max_input_tokens
    if max_output_tokens:
        entry["max_output_tokens"] = entry["max_tokens"] = max_output_tokens
    litellm.register_model({model: entry})


def parse_price(model: str, text: str) -> None:
    """Register a `--price` value "IN,OUT[,CACHE_READ,CACHE_WRITE]" (USD per million tokens)."""
    try:
        numbers = [float(x) for x in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 4):
        raise InputError(f"--price wants IN,OUT or IN,OUT,CACHE_READ,CACHE_WRITE in USD per million tokens, got {text!r}")
    read, write = (numbers[2], numbers[3]) if len(numbers) == 4 else (None, None)
    register_price(model, input_per_mtok=numbers[0], output_per_mtok=numbers[1],
                   cache_read_per_mtok=read, cache_write_per_mtok=write)


def load_price_file(path: str | Path) -> list[str]:
    """Register every model of a JSON/YAML file {model: {input, output, cache_read?, cache_write?,
    max_input_tokens?, max_output_tokens?}} (USD per million tokens). Returns the models."""
    path = Path(path)
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else _yaml(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read price file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"price file {path} must map model names to prices")
    for model, p in data.items():
        if not isinstance(p, dict) or "input" not in p or "output" not in p:
            raise InputError(f"price file {path}: {model} needs at least 'input' and 'output' (USD per million tokens)")
        unknown = set(p) - {"input", "output", "cache_read", "cache_write", "max_input_tokens", "max_output_tokens"}
        if unknown:
            raise InputError(f"price file {path}: {model} has unknown keys {sorted(unknown)}")
        register_price(model, input_per_mtok=float(p["input"]), output_per_mtok=float(p["output"]),
                       cache_read_per_mtok=p.get("cache_read"), cache_write_per_mtok=p.get("cache_write"),
                       max_input_tokens=p.get("max_input_tokens"), max_output_tokens=p.get("max_output_tokens"))
    return list(data)


def call_cost(model: str, usage: Usage) -> float:
    """USD of one call by litellm's price map (0.0 for a model without a price)."""
    if price_of(model) is None:
        return 0.0
    litellm = load_litellm()
    prompt_cost, completion_cost = litellm.cost_per_token(
        model=model,
        prompt_tokens=usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens,
        completion_tokens=usage.output_tokens,
        cache_read_input_tokens=usage.cache_read_tokens,
        cache_creation_input_tokens=usage.cache_write_tokens,
    )
    return float(prompt_cost + completion_cost)


def estimate_cost(price: Price, prompt_tokens: int, max_output_tokens: int) -> float:
    """The most a call can cost: every prompt token at the dearer of input and cache-write
    prices, and the whole output allowance used."""
    return prompt_tokens * max(price.input, price.cache_write) + max_output_tokens * price.output


def _yaml(text: str):
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc
