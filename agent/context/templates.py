"""The context stage's prompt templates (agent/prompts/<stage>/*.md), filled with `$name`s."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=None)
def _template(stage: str, name: str) -> Template:
    return Template((PROMPTS_DIR / stage / f"{name}.md").read_text(encoding="utf-8"))


def render(stage: str, name: str, **values: object) -> str:
    """Fill `agent/prompts/<stage>/<name>.md`; every `$name` in it must be given."""
    return _template(stage, name).substitute({k: str(v) for k, v in values.items()}).strip()
