"""Ranking: the primary model orders the relevant files; several rankings are merged by
mean relative rank (a file missing from a ranking counts 1.0); invented paths are dropped."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from codefix.core.errors import BudgetExceeded, ModelError

from agent.context.budget import TARGET_TOKENS
from agent.context.ranking_reply import parse_ranking
from agent.context.relevance import MalformedAnswer, asked_again, cut_short
from agent.prompts.render import render

__all__ = ["Ranking", "listing", "merge_rankings", "parse_ranking", "rank_once", "ranking_messages"]


@dataclass
class Ranking:
    """One ranking answer, as read."""

    paths: list[str] = field(default_factory=list)
    """Known paths in the model's order, each once."""
    dropped: list[str] = field(default_factory=list)
    """Paths the model named that are not among the relevant files."""
    attempts: int = 0
    """Model calls made for this ranking."""
    error: str = ""
    """Why the ranking failed (empty when it succeeded)."""


def merge_rankings(rankings: list[list[str]], candidates: list[str]) -> list[str]:
    """Order `candidates` by mean relative rank over `rankings` (position / length; missing
    counts 1.0); ties broken by the best single rank, then by path."""
    if not rankings:
        return sorted(candidates)
    positions = [{p: i / len(r) for i, p in enumerate(r)} for r in rankings if r]
    def key(path: str) -> tuple[float, float, str]:
        ranks = [pos.get(path, 1.0) for pos in positions] or [1.0]
        return (sum(ranks) / len(ranks), min(ranks), path)
    return sorted(candidates, key=key)


def listing(files: list[dict], order_seed: int) -> str:
    """The file list shown to ranking `order_seed`: by path for 0, otherwise a fixed shuffle,
    so repeated rankings do not all inherit the same position bias."""
    rows = sorted(files, key=lambda f: f["path"])
    if order_seed:
        random.Random(order_seed).shuffle(rows)
    return "\n".join(f"- `{f['path']}` ({f['tokens']} tokens): {f['summary']}" for f in rows)


def ranking_messages(issue: str, files: list[dict], order_seed: int, budget_tokens: int,
                     target_tokens: int = TARGET_TOKENS) -> list[dict]:
    target = min(target_tokens, budget_tokens)
    return [
        {"role": "system", "content": render("ranking", "system", budget_tokens=budget_tokens, target_tokens=target)},
        {"role": "user", "content": render("ranking", "user", issue=issue, count=len(files), files=listing(files, order_seed))},
    ]


def rank_once(model, issue: str, files: list[dict], index: int, *, ledger, meta: dict, config) -> Ranking:
    """One ranking of `files` (dicts with path, tokens, summary). BudgetExceeded propagates."""
    known = {f["path"] for f in files}
    messages = ranking_messages(issue, files, index, config.budget_tokens, config.target_tokens)
    result = Ranking()
    while result.attempts < config.ranking_attempts:
        result.attempts += 1
        try:
            completion = model.query(
                messages, ledger=ledger, stage="ranking", meta=meta,
                temperature=config.temperature, max_tokens=config.ranking_max_tokens,
            )
        except BudgetExceeded:
            raise
        except ModelError as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            return result
        reply = completion.text
        if completion.finish_reason == "length":
            result.error = "malformed answer: cut at the output limit"
            messages = messages + cut_short("ranking", reply, completion.usage.output_tokens or config.ranking_max_tokens)
            continue
        try:
            result.paths, dropped = parse_ranking(reply, known)
        except MalformedAnswer as exc:
            result.error = f"malformed answer: {exc}"
            messages = messages + asked_again("ranking", reply, str(exc))
            continue
        result.dropped = sorted(set(result.dropped) | set(dropped))
        result.error = ""
        return result
    return result
