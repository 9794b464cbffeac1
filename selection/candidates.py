"""Candidates: unique patches (by normalized text) with every source that proposed them.

Empty, unparseable and trivially small patches become `DroppedCandidate`s carrying the reason,
so a pool always accounts for every patch it was given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from selection.normalize import PatchParseError, change_blocks, normalize_patch, parse_patch

ID_LENGTH = 12


class CandidatePolicy(BaseModel):
    """Which patches are too small to be worth a vote."""

    model_config = ConfigDict(extra="forbid")

    min_changed_lines: int = 1
    """Fewest changed lines a candidate must have after normalization (removed + added)."""
    drop_comment_only: bool = True
    """Drop patches whose changes to `.py` files are only blank lines and `#` comments (and
    that change no other file): they cannot change behaviour."""


class Candidate(BaseModel):
    """One distinct patch and everything known about where it came from."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """First 12 hex digits of the sha256 of the normalized patch."""
    patch: str
    """The patch text as first seen (applies as it was produced)."""
    tests: list[str] = Field(default_factory=list)
    """Reproduction tests that came with the patch (one per source that had one), deduplicated."""
    sources: list[str] = Field(default_factory=list)
    """Who proposed it: submission names, `<run>/<trajectory>` ids; in first-seen order."""
    files: list[str] = Field(default_factory=list)
    """Files the patch touches, sorted."""
    added: int = 0
    """Lines added (as the patch has them, before normalization)."""
    removed: int = 0
    """Lines removed."""

    @property
    def size(self) -> int:
        """Changed lines: the diff length voting ranks by ("shorter diff first")."""
        return self.added + self.removed


@dataclass(frozen=True)
class DroppedCandidate:
    """A patch that will not be voted on, and why."""

    patch: str
    sources: tuple[str, ...]
    reason: str


@dataclass
class CandidatePool:
    """The distinct candidates for one instance and what was dropped on the way."""

    instance_id: str
    candidates: list[Candidate] = field(default_factory=list)
    dropped: list[DroppedCandidate] = field(default_factory=list)

    def by_id(self, candidate_id: str) -> Candidate:
        for cand in self.candidates:
            if cand.id == candidate_id:
                return cand
        raise KeyError(candidate_id)


def candidate_id(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:ID_LENGTH]


def make_candidate(
    patch: str, *, source: str, tests: Sequence[str] = (), policy: CandidatePolicy | None = None
) -> Candidate | DroppedCandidate:
    """A `Candidate` for `patch`, or a `DroppedCandidate` saying why it is not one."""
    policy = policy or CandidatePolicy()
    if not patch.strip():
        return DroppedCandidate(patch, (source,), "empty patch")
    try:
        parsed = parse_patch(patch)
        normalized = normalize_patch(patch)
    except PatchParseError as exc:
        return DroppedCandidate(patch, (source,), f"unparseable: {exc}")
    if not normalized:
        return DroppedCandidate(patch, (source,), "changes nothing once whitespace is ignored")
    reason = _too_small(parsed, policy)
    if reason:
        return DroppedCandidate(patch, (source,), reason)
    return Candidate(
        id=candidate_id(normalized),
        patch=patch,
        tests=_unique(t for t in tests if t),
        sources=[source],
        files=parsed.paths,
        added=parsed.added,
        removed=parsed.removed,
    )


def _too_small(parsed, policy: CandidatePolicy) -> str | None:
    changed = 0
    code = 0
    structural = False
    for fd in parsed.files:
        if fd.binary is not None or fd.old_path != fd.new_path or fd.headers:
            structural = True
        for _, removed, added in change_blocks(fd):
            for line in removed + added:
                changed += 1
                stripped = line.strip()
                is_noise = fd.path.endswith(".py") and (not stripped or stripped.startswith("#"))
                code += not is_noise
    if structural:
        return None
    if changed < policy.min_changed_lines:
        return f"trivially small: {changed} changed line(s), fewer than {policy.min_changed_lines}"
    if policy.drop_comment_only and code == 0:
        return "trivially small: only blank lines or comments change"
    return None


def dedupe(candidates: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per id, in first-seen order; sources and tests of duplicates merged."""
    merged: dict[str, Candidate] = {}
    for cand in candidates:
        seen = merged.get(cand.id)
        if seen is None:
            merged[cand.id] = cand.model_copy(deep=True)
        else:
            seen.sources = _unique([*seen.sources, *cand.sources])
            seen.tests = _unique([*seen.tests, *cand.tests])
    return list(merged.values())


def build_pool(
    instance_id: str,
    proposals: Iterable[tuple[str, str, Sequence[str]]],
    policy: CandidatePolicy | None = None,
) -> CandidatePool:
    """A pool from `(patch, source, tests)` proposals: deduplicated, small ones dropped."""
    made = [make_candidate(patch, source=src, tests=tests, policy=policy) for patch, src, tests in proposals]
    return CandidatePool(
        instance_id,
        candidates=dedupe(c for c in made if isinstance(c, Candidate)),
        dropped=[c for c in made if isinstance(c, DroppedCandidate)],
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
