"""Adaptive compute (beyond the paper): stop launching further pairs of an instance once at
least A finished candidates agree on the patch and pass each other's reproduction tests.

Agreement: the same `key(patch)` (the composition root passes the selection package's
normalized form; without one, the patch text). Passing: each agreeing candidate's own final
verdicts say its test fails on the unedited repository (exit 2, issue present) and passes with
its patch (exit 0, fixed). The group's reference is its lowest pair; every other member's test
is then run on the reference's edited files (`cross_run`), and must exit 0 there too. So each
member's test passes on its own patch and on the reference patch; for A = 2 that is every
(test, patch) combination. For A > 2 the remaining combinations (member's test on a third
member's patch) are not run: patches with one normalized form differ at most in context lines
and trailing whitespace, and the reference stands for them. A cross-run whose outcome is
already known is not repeated: a member whose test text is the reference's has the reference's
own verdict, one whose patch text is the reference's has its own verdict.

The decision and every cross-run are kept in `early_stop.json`, so a rerun of the same run
directory (finished pairs loaded from their trajectories) reaches the same decision without
running a sandbox again. Once A candidates agree, adding finished candidates cannot undo it,
so a pair skipped before stays skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.errors import SandboxError
from codefix.core.store import read_json, write_json

from agent.task import FINISHED

ISSUE_PRESENT = 2
"""A reproduction test's exit code when the issue is present."""
FIXED = 0
"""A reproduction test's exit code when the issue is fixed."""
RECORD = layout.EARLY_STOP


def passes_own_test(result) -> bool:
    """A finished candidate whose test fails on the unedited repo and passes with its patch."""
    return (result.status in FINISHED and bool(result.patch) and bool(result.test)
            and result.before == ISSUE_PRESENT and result.after == FIXED)


def agreeing_groups(results, key: Callable[[str], str], at_least: int) -> list[list]:
    """Candidates passing their own test, grouped by `key(patch)`, groups of at least
    `at_least`, each sorted by pair, groups ordered by their first pair."""
    groups: dict[str, list] = {}
    for r in sorted(results, key=lambda r: r.pair):
        if passes_own_test(r):
            groups.setdefault(key(r.patch), []).append(r)
    return sorted((g for g in groups.values() if len(g) >= at_least), key=lambda g: g[0].pair)


class AgreementStop:
    """Collects finished pairs and says whether enough agree to stop launching more.

    `cross_run(reference, member)` returns the exit code of `member.test` run with the
    reference's patch applied; a `SandboxError` from it counts as not verified (and is tried
    again at the next check)."""

    def __init__(self, at_least: int, key: Callable[[str], str], cross_run: Callable, out_dir: Path):
        self.at_least, self.key, self.cross_run = at_least, key, cross_run
        self.path = Path(out_dir) / RECORD
        stored = read_json(self.path) if self.path.is_file() else {}
        self.checks: dict[str, dict] = dict(stored.get("checks") or {})
        self.stored_decision = stored if stored.get("stopped") else None
        self.finished: dict[int, object] = {}
        self.decision: dict | None = None
        self.skipped: list[int] = []
        self.lock = threading.Lock()

    def add(self, result) -> None:
        """A pair that finished (or was loaded finished from its trajectories)."""
        if result.status in FINISHED:
            with self.lock:
                self.finished[result.pair] = result

    def holds(self) -> bool:
        """True once A finished candidates agree and pass each other's tests (then for good)."""
        if self.decision is not None:
            return True
        with self.lock:
            finished = list(self.finished.values())
        for group in agreeing_groups(finished, self.key, self.at_least):
            reference, verified = group[0], [group[0].pair]
            for member in group[1:]:
                if self._check(reference, member) == FIXED:
                    verified.append(member.pair)
            if len(verified) >= self.at_least:
                self.decision = {
                    "agreeing_pairs": verified, "reference_pair": reference.pair,
                    "after_pairs": sorted(r.pair for r in finished),
                    "reason": (f"{len(verified)} finished candidates share one normalized patch and pass "
                               f"each other's reproduction tests (fail unedited, pass patched)"),
                }
                earlier = self.stored_decision
                if earlier and earlier.get("reference_pair") == reference.pair \
                        and set(earlier.get("agreeing_pairs") or ()) <= set(verified):
                    # a rerun (more pairs loaded finished) confirms the earlier decision: keep it as made
                    self.decision.update({k: earlier[k] for k in ("agreeing_pairs", "after_pairs", "reason")})
                self.save()
                return True
        return False

    def skip(self, pair: int) -> None:
        self.skipped.append(pair)

    def _check(self, reference, member) -> int | None:
        name = f"{member.pair}@{reference.pair}"
        if name in self.checks:
            return self.checks[name]["after"]
        if member.test == reference.test:
            check = {"after": reference.after, "how": "same test as the reference: its own verdict"}
        elif member.patch == reference.patch:
            check = {"after": member.after, "how": "same patch as the reference: the member's own verdict"}
        else:
            try:
                check = {"after": self.cross_run(reference, member), "how": "run"}
            except SandboxError:
                return None
        self.checks[name] = check
        self.save()
        return check["after"]

    def record(self) -> dict:
        """What `early_stop.json` holds: the option, the decision (or none) and the checks."""
        return {"stop_when_agree": self.at_least, "stopped": self.decision is not None,
                **(self.decision or {}), "skipped_pairs": sorted(self.skipped), "checks": self.checks}

    def save(self) -> None:
        write_json(self.path, self.record())
