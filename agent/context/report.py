"""The context stage's result as a rich table: ranked files, packed tokens, recall, cost."""

from __future__ import annotations

from agent.context.result import ContextResult


def print_context_report(result: ContextResult, ledger=None, console=None, earlier_cost: float = 0.0) -> None:
    from rich.console import Console
    from rich.table import Table

    from codefix.core.store import read_json

    console = console or Console()
    record = read_json(result.path) if result.path and result.path.is_file() else {}
    decisions = record.get("relevance", {})
    packed = {f.path: f for f in result.packed}
    table = Table(title=f"{record.get('instance_id', '')}: ranked relevant files")
    for col in ("#", "path", "tokens", "packed", "summary"):
        table.add_column(col, justify="right" if col in ("#", "tokens") else "left")
    for i, path in enumerate(result.ranking, 1):
        d = decisions.get(path, {})
        form = packed[path].form if path in packed else "-"
        table.add_row(str(i), path, str(d.get("tokens", "")), form, d.get("summary", ""))
    console.print(table)
    files = record.get("files", {})
    counts: dict[str, int] = {}
    for d in decisions.values():
        counts[d.get("status", "?")] = counts.get(d.get("status", "?"), 0) + 1
    console.print(
        f"status: [bold]{result.status}[/bold]" + (f" ({result.message})" if result.message else "")
    )
    console.print(
        f"files read: {files.get('read', 0)}, skipped: {len(files.get('skipped', []))}; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    )
    budget = (record.get("config") or {}).get("budget_tokens")
    console.print(f"packed: {len(result.packed)} files, {result.packed_tokens} tokens"
                  + (f" (budget {budget})" if budget else ""))
    recall = record.get("recall")
    if isinstance(recall, dict):
        console.print(
            f"recall of gold files: {recall['recall']:.0%} packed, {recall['relevance_recall']:.0%} judged relevant"
            + (f" (missed: {', '.join(recall['missed'])})" if recall["missed"] else "")
        )
    else:
        console.print("recall: n/a (no gold patch)")
    if ledger is not None:
        totals = ledger.totals()
        line = f"model calls this run: {totals['calls']}, cost ${totals['cost']:.4f}"
        if earlier_cost:
            line += f" (earlier unfinished runs: ${earlier_cost:.4f})"
        console.print(line)
