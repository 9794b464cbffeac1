"""Selection strategies: how one instance's candidates become a winner, by name
(`selection.strategy` in the run config, `--selection-strategy`).

A strategy is a function `(selection, candidates) -> SelectionResult`, called with two or more
deduplicated candidates (no candidate, or one, never reaches it). It composes what
`selection.stage.Selection` offers — `vote` (the voting matrix and its ranking), `by_size` (the
unvoted order), `adjudicate` (the selection state machine among finalists, with its top-voted
fallback) and `pick` (a winner chosen without the machine) — and may run anything of its own
(a tournament of pairwise comparisons, a learned verifier) in a module beside this one. Adding
one is that module and its line in `STRATEGIES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selection.candidates import Candidate
    from selection.stage import Selection, SelectionResult

TOP_VOTED = "top_voted"
"""The method of a winner chosen by voting alone."""


def voting_adjudication(selection: Selection, candidates: list[Candidate]) -> SelectionResult:
    """The paper's: vote, keep the top k, let the selection state machine pick among them."""
    standing = selection.vote(candidates)
    return selection.adjudicate(standing.candidates[: selection.config.top_k], standing)


def voting_only(selection: Selection, candidates: list[Candidate]) -> SelectionResult:
    """The top-voted candidate; no selection state machine, no model call."""
    standing = selection.vote(candidates)
    return selection.pick(standing.candidates[0], TOP_VOTED, standing)


def adjudication_only(selection: Selection, candidates: list[Candidate]) -> SelectionResult:
    """Every candidate to the selection state machine, smallest first, no voting (the paper's
    ensemble, whose pools are small)."""
    standing = selection.by_size(candidates)
    return selection.adjudicate(standing.candidates, standing)


STRATEGIES: dict[str, Callable[[Selection, list[Candidate]], SelectionResult]] = {
    "voting_adjudication": voting_adjudication,
    "voting_only": voting_only,
    "adjudication_only": adjudication_only,
}
"""Every strategy by its name in the config (`SelectionConfig.strategy`)."""
