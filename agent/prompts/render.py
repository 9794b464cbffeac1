"""Every stage's prompts: the templates in agent/prompts/<stage>/*.md, filled with `$name`s, and
the fragments several prompts share."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _template(stage: str, name: str) -> Template:
    return Template((PROMPTS_DIR / stage / f"{name}.md").read_text(encoding="utf-8"))


def render(stage: str, name: str, **values: object) -> str:
    """Fill `agent/prompts/<stage>/<name>.md`; every `$name` in it must be given."""
    return _template(stage, name).substitute({k: str(v) for k, v in values.items()}).strip()


def repository_line(repo: str = "", version: str = "") -> str:
    """The sentence naming the repository and its version ("" when the repository is unknown)."""
    if not repo:
        return ""
    return f"The repository is {repo}" + (f", version {version}." if version else ".")
