"""What an ensemble could score and what it did: each member's score, the pool's coverage
(an oracle that always picks a resolving candidate), the expected score of a uniformly random
pick, and the score of a selection.

Labels come from the members: a candidate resolves an instance when one of its sources is a
member that resolved it (members predict one patch per instance, so the label is exact).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from selection.candidates import Candidate, CandidatePool
from selection.submissions import Submission


@dataclass(frozen=True)
class MemberScore:
    name: str
    resolved: int
    """Instances of the report this member resolved."""


@dataclass
class EnsembleReport:
    total: int
    """Instances in the denominator."""
    members: list[MemberScore]
    """In the order given."""
    coverage: int
    """Instances at least one member resolved (the oracle's score)."""
    random_member: float
    """Expected resolved count when each instance takes a uniformly random member's patch."""
    random_candidate: float | None = None
    """Expected resolved count of a uniformly random pick among the distinct candidates of each
    instance's pool (None without pools, or when a candidate has no labelled source)."""
    selected: int | None = None
    """Resolved count of the given selection."""
    distinct_candidates: dict[str, int] = field(default_factory=dict)
    """Per instance with a pool, its number of distinct candidates."""
    dropped: int = 0
    """Patches the pools dropped (empty, unparseable, trivially small)."""
    unlabelled_candidates: int = 0
    """Candidates none of whose sources is a member with labels."""
    label_conflicts: int = 0
    """Candidates whose labelled sources disagree (one resolved it, another did not)."""

    def pct(self, count: float | None) -> float | None:
        return None if count is None else 100.0 * count / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "members": {m.name: {"resolved": m.resolved, "pct": self.pct(m.resolved)} for m in self.members},
            "coverage": {"resolved": self.coverage, "pct": self.pct(self.coverage)},
            "random_member": {"expected": self.random_member, "pct": self.pct(self.random_member)},
            "random_candidate": {"expected": self.random_candidate, "pct": self.pct(self.random_candidate)},
            "selected": {"resolved": self.selected, "pct": self.pct(self.selected)},
            "distinct_candidates": dict(sorted(Counter(self.distinct_candidates.values()).items())),
            "dropped": self.dropped,
            "unlabelled_candidates": self.unlabelled_candidates,
            "label_conflicts": self.label_conflicts,
        }

    def lines(self) -> list[str]:
        """A plain-text rendering, one figure per line."""
        width = max([len(m.name) for m in self.members] + [28])
        out = [f"{m.name:<{width}} {self.pct(m.resolved):5.1f}%  ({m.resolved}/{self.total})" for m in self.members]
        out.append(f"{'coverage (oracle)':<{width}} {self.pct(self.coverage):5.1f}%  ({self.coverage}/{self.total})")
        out.append(f"{'random member':<{width}} {self.pct(self.random_member):5.1f}%")
        if self.random_candidate is not None:
            out.append(f"{'random distinct candidate':<{width}} {self.pct(self.random_candidate):5.1f}%")
        if self.selected is not None:
            out.append(f"{'selected':<{width}} {self.pct(self.selected):5.1f}%  ({self.selected}/{self.total})")
        if self.distinct_candidates:
            hist = ", ".join(f"{n}: {k}" for n, k in sorted(Counter(self.distinct_candidates.values()).items()))
            out.append(f"distinct candidates per instance (count: instances) {hist}")
        return out


def candidate_label(cand: Candidate, instance_id: str, members: Mapping[str, Collection[str]]) -> bool | None:
    """True when a labelled source resolved the instance, False when labelled sources did not,
    None when no source is a member."""
    labels = [instance_id in members[src] for src in cand.sources if src in members]
    return any(labels) if labels else None


def ensemble_report(
    instance_ids: Collection[str],
    members: Mapping[str, Collection[str]],
    *,
    pools: Mapping[str, CandidatePool] | None = None,
    selected: Mapping[str, str] | None = None,
) -> EnsembleReport:
    """The report over `instance_ids`. `members` maps each member to the instances it resolved;
    `selected` maps an instance to the chosen candidate id (needs `pools`)."""
    ids = set(instance_ids)
    resolved = {name: ids & set(done) for name, done in members.items()}
    report = EnsembleReport(
        total=len(ids),
        members=[MemberScore(name, len(done)) for name, done in resolved.items()],
        coverage=len(set().union(*resolved.values())) if resolved else 0,
        random_member=sum(len(done) for done in resolved.values()) / len(resolved) if resolved else 0.0,
    )
    if pools is not None:
        _pool_figures(report, ids, resolved, pools)
    if selected is not None:
        if pools is None:
            raise ValueError("a selection is scored against pools; pass pools")
        report.selected = sum(
            iid in ids and candidate_label(_chosen(pools, iid, cid), iid, resolved) is True
            for iid, cid in selected.items()
        )
    return report


def member_labels(submissions: Iterable[Submission]) -> dict[str, set[str]]:
    """The resolved sets of the submissions whose labels are known (others are left out, so
    their candidates count as unlabelled)."""
    return {s.name: set(s.resolved) for s in submissions if s.resolved is not None}


def _chosen(pools: Mapping[str, CandidatePool], instance_id: str, candidate_id: str) -> Candidate:
    try:
        return pools[instance_id].by_id(candidate_id)
    except KeyError:
        raise ValueError(f"{instance_id}: selected candidate {candidate_id!r} is not in its pool") from None


def _pool_figures(report: EnsembleReport, ids: set[str], resolved: Mapping[str, set[str]],
                  pools: Mapping[str, CandidatePool]) -> None:
    expected = 0.0
    for iid in sorted(ids & set(pools)):
        pool = pools[iid]
        report.distinct_candidates[iid] = len(pool.candidates)
        report.dropped += len(pool.dropped)
        labels = [candidate_label(c, iid, resolved) for c in pool.candidates]
        report.unlabelled_candidates += labels.count(None)
        report.label_conflicts += sum(_conflicted(c, iid, resolved) for c in pool.candidates)
        if labels:
            expected += sum(label is True for label in labels) / len(labels)
    report.random_candidate = None if report.unlabelled_candidates else expected


def _conflicted(cand: Candidate, instance_id: str, members: Mapping[str, set[str]]) -> bool:
    labels = {instance_id in members[src] for src in cand.sources if src in members}
    return len(labels) > 1
