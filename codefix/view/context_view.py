"""The context stage's `context.json` as the instance page shows it: every file read, its
relevance and one-line summary, its place in the final ranking, whether and how it was packed,
token counts, and the gold files (when the instance has a gold patch) marked and missed ones named.
Packed file texts are left out (they are in context.json, linked from the page)."""

from __future__ import annotations

from codefix.view.artefacts import as_dict, as_list, as_number


def context_view(ctx: dict) -> dict:
    ctx = as_dict(ctx)
    relevance = as_dict(ctx.get("relevance"))
    ranking = [p for p in as_list(ctx.get("ranking")) if isinstance(p, str)]
    rank_of = {path: i + 1 for i, path in enumerate(ranking)}
    packed = {}
    for item in as_list(ctx.get("packed")):
        item = as_dict(item)
        if isinstance(item.get("path"), str):
            packed[item["path"]] = {"form": item.get("form"), "tokens": as_number(item.get("tokens"))}
    recall = as_dict(ctx.get("recall"))
    gold = {p for p in as_list(recall.get("gold_files")) if isinstance(p, str)}
    paths = list(dict.fromkeys([*ranking, *relevance, *packed, *sorted(gold)]))
    files = []
    for path in paths:
        rel = as_dict(relevance.get(path))
        files.append({
            "path": path,
            "relevance": rel.get("status"),
            "summary": rel.get("summary") or "",
            "tokens": as_number(rel.get("tokens")),
            "rank": rank_of.get(path),
            "packed": packed.get(path, {}).get("form"),
            "packed_tokens": packed.get(path, {}).get("tokens"),
            "gold": path in gold if gold else None,
        })
    files.sort(key=lambda f: (f["rank"] is None, f["rank"] or 0, f["relevance"] != "relevant", f["path"]))
    skipped = as_list(as_dict(ctx.get("files")).get("skipped"))
    left_out = as_list(ctx.get("left_out"))
    return {
        "status": ctx.get("status"),
        "message": ctx.get("message") or "",
        "files": files,
        "read": as_number(as_dict(ctx.get("files")).get("read")),
        "skipped": len(skipped),
        "packed_tokens": as_number(ctx.get("packed_tokens")),
        "budget_tokens": as_number(as_dict(ctx.get("config")).get("budget_tokens")),
        "rankings": len(as_list(ctx.get("rankings"))),
        "left_out": [as_dict(x).get("path", x) if isinstance(x, dict) else x for x in left_out],
        "recall": as_number(recall.get("recall")),
        "gold_files": sorted(gold),
        "missed": [p for p in as_list(recall.get("missed")) if isinstance(p, str)],
    }
