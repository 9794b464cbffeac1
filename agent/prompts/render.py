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


def script_values(target, timeout: float) -> dict[str, str]:
    """The `$name`s the testing, editing and selection prompts fill from an
    `agent.script_kinds.ScriptTarget`: the developer's language, the script's rules (its kind,
    how it runs, the exit-code contract, the test command when known), the fences."""
    from agent.script_kinds import PYTHON

    command = f"\nThe repository's tests run with `{target.test_command}`." if target.test_command else ""
    rules = render("common", f"script_{target.kind}", language=target.title, timeout=f"{timeout:g}",
                   test_command=command)
    noun = ("a Python program run with python3" if target.kind == PYTHON
            else "a shell script run with bash that drives the repository's own tools")
    return {"developer": target.title, "script_rules": rules, "script_noun": noun, "script_fence": target.fence,
            "source_fence": target.source_fence, "example_path": target.example_path}
