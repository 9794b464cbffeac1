"""The candidates of an instance as the page lists them: each distinct patch (by candidate id) with
the pairs or ensemble members that proposed it, its size and files, its standing in voting
(`selection.json`'s ranking), whether it was a finalist or the winner, and its grade when one is
stored (`eval.json` of the chosen patch, `grades/*.json` of `codefix report --grade-candidates`)."""

from __future__ import annotations

from codefix.view.artefacts import as_dict, as_list
from codefix.view.capping import cap


def diff_stats(patch: str) -> dict:
    """{"files": [...], "added": n, "removed": n} read from a unified diff's lines."""
    files, added, removed = [], 0, 0
    for line in patch.splitlines():
        if line.startswith("+++ "):
            path = line[4:].split("\t")[0]
            if path != "/dev/null":
                files.append(path[2:] if path.startswith("b/") else path)
        elif line.startswith("--- "):
            continue
        elif line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
    return {"files": files, "added": added, "removed": removed}


def candidates_view(proposals: list[tuple[str, str, str]], selection: dict, grades: dict[str, bool],
                    *, limit: int, members: dict[str, list[str]] | None = None, normalize=None) -> list[dict]:
    """One entry per candidate id, in voting rank order (unranked after, first-seen order).

    `proposals` are (candidate id, patch, source) in first-seen order, the ids as stored with
    them (source: "pair 3", or a member name);
    `grades` maps candidate id → resolved; `members` (ensembles) maps id → proposing members;
    `normalize` gives the normalized text shown as `patch` (the text as first seen when absent)."""
    normalize = normalize or (lambda p: p)
    by_id: dict[str, dict] = {}
    for cid, patch, source in proposals:
        if not isinstance(patch, str) or not patch.strip() or not isinstance(cid, str) or not cid:
            continue
        entry = by_id.get(cid)
        if entry is None:
            entry = by_id[cid] = {"id": cid, "patch": cap(normalize(patch), limit), "sources": [], **diff_stats(patch)}
        if source not in entry["sources"]:
            entry["sources"].append(source)
    selection = as_dict(selection)
    ranking = [as_dict(r) for r in as_list(selection.get("ranking"))]
    finalists = [f for f in as_list(selection.get("finalists")) if isinstance(f, str)]
    winner = selection.get("winner")
    if winner and winner not in by_id and isinstance(selection.get("patch"), str):
        by_id[winner] = {"id": winner, "patch": cap(normalize(selection["patch"]), limit), "sources": [],
                         **diff_stats(selection["patch"])}
    for position, rank in enumerate(ranking, start=1):
        cid = rank.get("id")
        if not isinstance(cid, str):
            continue
        entry = by_id.setdefault(cid, {"id": cid, "patch": None, "sources": [], "files": [], "added": 0, "removed": 0})
        entry["rank"] = position
        entry["voting"] = {k: rank.get(k) for k in ("score", "passes", "counted_tests", "errors", "broken_repo_tests")
                           if k in rank}
    for cid, entry in by_id.items():
        entry["finalist"] = cid in finalists
        entry["winner"] = bool(winner) and cid == winner
        entry["resolved"] = grades.get(cid)
        if members is not None:
            entry["members"] = list(members.get(cid, []))
    return sorted(by_id.values(), key=lambda e: (e.get("rank") is None, e.get("rank") or 0))
