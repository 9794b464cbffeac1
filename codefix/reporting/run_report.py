"""`codefix report`: print a run's report (codefix/reporting/collect.py) as rich tables and
store it as `RUN_DIR/report.json`."""

from __future__ import annotations

from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.ledger import cache_summary
from codefix.core.store import write_json


def _pct(part: dict) -> str:
    if part["rate"] is None:
        return "unknown"
    text = f"{part['yes']}/{part['known']} ({100 * part['rate']:.0f}%)"
    return text + (f", {part['unknown']} unknown" if part["unknown"] else "")


def render(report: dict, console) -> None:
    """Print the funnel, cost-by-stage, outcome, coverage@k and coverage@k-by-iterations tables."""
    from rich.table import Table

    f = report["funnel"]
    funnel = Table(title=f"Funnel ({f['instances']} instance(s))")
    funnel.add_column("stage")
    funnel.add_column("result")
    rec = f["context_recall"]
    funnel.add_row("context recall", "unknown" if rec["mean"] is None else
                   f"{100 * rec['mean']:.0f}% mean, full on {rec['full']}/{rec['known']}")
    funnel.add_row("coverage (any candidate resolves)", _pct(f["coverage"]))
    funnel.add_row("selected (resolved)", _pct(f["selected"]))
    console.print(funnel)
    cost = Table(title="Cost by stage")
    for col in ("stage", "calls", "input", "output", "cache read", "cache write", "cost $"):
        cost.add_column(col, justify="left" if col == "stage" else "right")
    rows = list(report["cost_by_stage"].items()) + [("total", report["cost_total"])]
    for stage, u in rows:
        cost.add_row(stage, str(u["calls"]), str(u["input_tokens"]), str(u["output_tokens"]),
                     str(u["cache_read_tokens"]), str(u["cache_write_tokens"]), f"{u['cost']:.4f}")
    console.print(cost)
    cache = cache_summary(report["cost_total"])
    if cache:
        console.print(cache)
    limits = report.get("rate_limits_by_stage") or {}
    if limits:
        table = Table(title="Rate limits by stage (refusals met by calls that got through, time waiting on the endpoint limiter)")
        for col in ("stage", "429/529", "waited s"):
            table.add_column(col, justify="left" if col == "stage" else "right")
        for stage, figures in limits.items():
            table.add_row(stage, str(figures["refused"]), f"{figures['waited']:.1f}")
        console.print(table)
    outcomes = Table(title="Trajectory and evaluation outcomes")
    outcomes.add_column("kind")
    outcomes.add_column("count", justify="right")
    for kind, n in report["trajectory_outcomes"].items():
        outcomes.add_row(kind, str(n))
    console.print(outcomes)
    passk = report["coverage_at_k"]
    if passk["by_k"]:
        table = Table(title="Coverage vs samples (pass@k)" + (" — lower bound, some samples ungraded"
                                                               if passk["lower_bound"] else ""))
        table.add_column("k", justify="right")
        table.add_column("coverage", justify="right")
        for k, v in passk["by_k"].items():
            table.add_row(str(k), f"{100 * v:.1f}%")
        console.print(table)
    _render_iterations(report["coverage_at_k_by_iterations"], console)


def shown_ks(max_n: int) -> list[int]:
    """A few sample counts for the iterations table's columns: 1, 2, 5, 10, ... and the largest."""
    return [k for k in (1, 2, 5, 10, 20, 50, 100) if k < max_n] + ([max_n] if max_n else [])


def _render_iterations(part: dict, console) -> None:
    """Coverage vs samples and iterations: one row per cap on the editing calls, a few k as columns."""
    from rich.table import Table

    if not part["available"]:
        console.print(f"Coverage vs samples and iterations: unavailable ({part['note']})")
        return
    if not part["by_iterations"]:
        return
    first = next(iter(part["by_iterations"].values()))
    ks = shown_ks(max(int(k) for k in first))
    title = "Coverage vs samples and iterations (pass@k)"
    table = Table(title=title + (" — lower bound (ungraded samples)" if part["lower_bound"] else ""))
    table.add_column("editing calls ≤", justify="right")
    for k in ks:
        table.add_column(f"k={k}", justify="right")
    if part["lower_bound"]:
        table.add_column("ungraded", justify="right")
    for cap, by_k in part["by_iterations"].items():
        cells = [f"{100 * by_k[k]:.1f}%" for k in ks]
        table.add_row(str(cap), *cells, *([str(part["ungraded"][cap])] if part["lower_bound"] else []))
    console.print(table)


def run_report(run_dir: Path, *, json_path: Path | None = None, plot_dir: Path | None = None, console=None) -> dict:
    """Build, print and store the report of `run_dir`; returns it."""
    from rich.console import Console

    from codefix.reporting.collect import build_report

    report = build_report(Path(run_dir))
    render(report, console or Console())
    write_json(Path(json_path) if json_path else Path(run_dir) / layout.REPORT, report)
    if plot_dir is not None:
        from codefix.reporting.plots import write_plots

        report["plots"] = [str(p) for p in write_plots(report, Path(plot_dir))]
    return report
