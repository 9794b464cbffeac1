"""The patch each generation pair held after every call of its editing trajectory, so the report
can cap a trajectory at j calls: the candidate a machine allowed only j calls would have produced
is the patch after its last step with call <= j ('' when it had applied nothing by then).

Trajectories written since the editing machine records `patch` in its step outputs are read as
they are. Older ones are rebuilt by re-applying each applied step's SEARCH/REPLACE blocks to the
`originals` the trajectory stored; either way the last patch must equal the pair's candidate, or
the pair's steps are unavailable (with a reason) rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

from codefix.core.errors import DamagedArtefact
from codefix.core.run_layout import pair_trajectory
from codefix.core.store import read_json

Steps = list[tuple[int, str]]
"""(call, patch after that call's step) for every step that ran the edited repository."""


class StepsUnavailable(Exception):
    """The per-step patches of a trajectory cannot be known; the message says why."""


def patch_at(steps: Steps, cap: int) -> str:
    """The patch after the last step with call <= cap; '' when none."""
    patch = ""
    for call, after in steps:
        if call > cap:
            break
        patch = after
    return patch


def step_patches(record: dict) -> Steps:
    """(call, patch) for each applied step of an editing trajectory record."""
    applied = [s for s in record.get("steps") or [] if "before" in s]
    if all("patch" in s for s in applied):
        return [(int(s["call"]), s["patch"] or "") for s in applied]
    return _rebuilt(record, applied)


def _rebuilt(record: dict, applied: list[dict]) -> Steps:
    from agent.edit_parsing import parse_edits
    from agent.edits import EditError, apply_edits, unified_patch

    originals = (record.get("task_state") or {}).get("originals")
    if originals is None:
        raise StepsUnavailable("no per-step patches and no stored originals to rebuild them from")
    replies = [m.get("content") or "" for m in record.get("messages") or [] if m.get("role") == "assistant"]
    files: dict[str, str | None] = {}
    out: Steps = []
    for step in applied:
        call = int(step["call"])
        if not 1 <= call <= len(replies):
            raise StepsUnavailable(f"step of call {call} has no stored reply")
        try:
            edits = parse_edits(replies[call - 1])
            if any(e.path not in originals for e in edits):
                raise EditError("an edited file is missing from the stored originals")
            current = {p: files.get(p, originals[p]) for p in originals}
            files = apply_edits(current, edits) if edits else files
        except EditError as exc:
            raise StepsUnavailable(f"the edit of call {call} does not re-apply: {exc}") from None
        out.append((call, unified_patch(originals, files)))
    return out


def instance_steps(traj_dir: Path, candidates: dict[int, str], ids: list[int]) -> tuple[dict[int, Steps], int]:
    """Per pair, its per-step patches, and the most calls any editing trajectory made; raises
    StepsUnavailable naming the first pair that fails.

    A pair without an editing trajectory never edited: no steps, and it must have no candidate."""
    from codefix.reporting.collect import canonical_patch

    out: dict[int, Steps] = {}
    calls = 0
    for pid in ids:
        path = traj_dir / pair_trajectory(pid, "editing")
        candidate = candidates.get(pid, "")
        if not path.is_file():
            if candidate.strip():
                raise StepsUnavailable(f"pair {pid} has a candidate but no editing trajectory")
            out[pid] = []
            continue
        try:
            record = read_json(path)
        except DamagedArtefact as exc:  # the rest of the report stands; this instance's caps cannot be known
            raise StepsUnavailable(f"pair {pid}: {exc}") from None
        try:
            steps = step_patches(record)
        except StepsUnavailable as exc:
            raise StepsUnavailable(f"pair {pid}: {exc}") from None
        last = steps[-1][1] if steps else ""
        if canonical_patch(last) != canonical_patch(candidate):
            raise StepsUnavailable(f"pair {pid}: the per-step patches do not end at the pair's candidate")
        out[pid] = steps
        calls = max(calls, int(record.get("calls") or 0), steps[-1][0] if steps else 0)
    return out, calls
