"""Ranking replies: the gold order as JSON, numbered or bulleted lists, with reasons and path
prefixes (test double only)."""

from __future__ import annotations

import json
import re
from random import Random

from agent.models.test_doubles.noisy_replies.common import finish

_BLOCK = re.compile(r"```[^\n]*\n(.*?)```", re.S)
REASONS = ("holds the code the issue is about", "is called by the buggy code", "defines the types involved",
           "may need a matching change", "shows how the pieces are wired")


def paths_of(clean: str) -> list[str]:
    block = _BLOCK.search(clean)
    return [line.strip() for line in (block.group(1) if block else "").splitlines() if line.strip()]


def _prefixed(rng: Random, path: str) -> str:
    return rng.choice(("", "", "./", "a/", "/testbed/")) + path


def _listed(rng: Random, paths: list[str]) -> tuple[str, str]:
    kind = rng.choice(("fence", "json_lines", "json_inline", "numbered", "bulleted"))
    if kind == "fence":
        return "```\n" + "\n".join(paths) + "\n```", kind
    if kind == "json_lines":
        return "```json\n" + json.dumps(paths, indent=2) + "\n```", kind
    if kind == "json_inline":
        return json.dumps(paths), kind
    if kind == "numbered":
        return "\n".join(f"{i}. `{p}` - {rng.choice(REASONS)}" for i, p in enumerate(paths, 1)), kind
    return "\n".join(f"- {_prefixed(rng, p)} ({rng.choice(REASONS)})" for p in paths), kind


def tolerated(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    paths = paths_of(clean)
    text, kind = _listed(rng, paths)
    decoy = "```\n" + "\n".join(reversed(paths)) + "\n```" if len(paths) > 1 else None
    return finish(rng, "Ranking, most important first:\n\n" + text, [kind], decoy)


def malformed(clean: str, rng: Random, messages: list) -> tuple[str, list[str]]:
    paths = paths_of(clean)
    kinds = ["invented_paths", "truncated"] + ["two_rankings"] * (len(paths) > 1)
    kind = rng.choice(kinds)
    if kind == "two_rankings":
        draft = "```\n" + "\n".join(reversed(paths)) + "\n```"
        return f"A first attempt:\n{draft}\n\nRefined:\n```\n" + "\n".join(paths) + "\n```", [kind]
    if kind == "invented_paths":
        return "```\n" + "\n".join(f"src/{p}" for p in paths) + "\n```", [kind]
    return clean, ["truncated"]
