"""PNG charts of a run's report: the stage funnel, cost by stage, coverage vs number of samples
(pass@k) and coverage vs samples per cap on the editing calls (the paper's Figure 5). matplotlib
(the `plot` extra) is imported only here, when `--plot` is given."""

from __future__ import annotations

from pathlib import Path

from codefix.core.errors import InputError


def write_plots(report: dict, out_dir: Path) -> list[Path]:
    """Write funnel.png, cost_by_stage.png, coverage_vs_samples.png and, when the per-step patches
    are known, coverage_vs_samples_and_iterations.png; returns their paths."""
    try:
        import matplotlib
    except ImportError as exc:
        raise InputError("--plot needs matplotlib: pip install 'codefix[plot]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    f = report["funnel"]
    names = ["context recall", "coverage", "selected"]
    values = [f["context_recall"]["mean"], f["coverage"]["rate"], f["selected"]["rate"]]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(names, [100 * (v or 0) for v in values], color=["#4c72b0", "#55a868", "#c44e52"])
    for i, v in enumerate(values):
        ax.text(i, 100 * (v or 0) + 1, "unknown" if v is None else f"{100 * v:.0f}%", ha="center")
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of instances")
    ax.set_title(f"Funnel ({f['instances']} instance(s))")
    paths.append(_save(fig, out_dir / "funnel.png", plt))

    stages = report["cost_by_stage"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(list(stages), [u["cost"] for u in stages.values()], color="#8172b2")
    ax.set_ylabel("USD")
    ax.set_title(f"Cost by stage (total ${report['cost_total']['cost']:.4f})")
    paths.append(_save(fig, out_dir / "cost_by_stage.png", plt))

    by_k = report["coverage_at_k"]["by_k"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ks = [int(k) for k in by_k]
    ax.plot(ks, [100 * by_k[k] for k in by_k], marker="o")
    ax.set_xlabel("samples (k)")
    ax.set_ylabel("coverage, pass@k (%)")
    ax.set_ylim(0, 105)
    lower = " (lower bound)" if report["coverage_at_k"]["lower_bound"] else ""
    ax.set_title("Coverage vs number of samples" + lower)
    paths.append(_save(fig, out_dir / "coverage_vs_samples.png", plt))
    by_cap = report["coverage_at_k_by_iterations"]
    if by_cap["available"] and by_cap["by_iterations"]:
        paths.append(_iterations_plot(by_cap, out_dir / "coverage_vs_samples_and_iterations.png", plt))
    return paths


def _iterations_plot(by_cap: dict, path: Path, plt) -> Path:
    """One coverage-vs-samples line per cap on the editing calls, as in the paper's Figure 5."""
    caps = list(by_cap["by_iterations"])
    colors = plt.get_cmap("viridis")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for i, cap in enumerate(caps):
        by_k = by_cap["by_iterations"][cap]
        ax.plot([int(k) for k in by_k], [100 * v for v in by_k.values()], marker="o", markersize=3,
                color=colors(i / max(1, len(caps) - 1)), label=f"≤ {cap}")
    ax.set_xlabel("samples (k)")
    ax.set_ylabel("coverage, pass@k (%)")
    ax.set_ylim(0, 105)
    ax.legend(title="editing calls", fontsize="small")
    lower = " (lower bound)" if by_cap["lower_bound"] else ""
    ax.set_title("Coverage vs number of samples and iterations" + lower)
    return _save(fig, path, plt)


def _save(fig, path: Path, plt) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
