"""Grade predictions: one sandbox per instance, instances in parallel, artefacts per instance.

Grading sandboxes have the network by default, as the official harness's containers do (some
PASS_TO_PASS tests need a network stack, e.g. requests' connect-timeout tests); `network=False`
(`--offline-eval`) grades with none. Generation and voting sandboxes are always offline.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path

from codefix.core import run_layout as layout
from codefix.core.datasets import Dataset
from codefix.core.parallel import map_isolated
from codefix.core.predictions import Prediction
from codefix.core.store import RunStore, atomic_write_text, write_json

# Test logs can be megabytes; the middle is cut past this, keeping the summary at the end.
EVAL_OUTPUT_LIMIT = 2_000_000


def evaluate_predictions(
    ds: Dataset,
    preds: list[Prediction],
    store: RunStore,
    *,
    workers: int = 1,
    timeout: float | None = None,
    network: bool = True,
    strict: bool = False,
    backend=None,
    summary: Path | None = None,
):
    """Grade every prediction; an infrastructure failure is recorded as status "error".
    `backend` (the live sandbox backend, `codefix.stages.backend.open_backend`) grades on its engine,
    fetching missing instance images there, each released after its grading (default: the local
    Docker engine). Patches touching test infrastructure are listed; with `strict` they are unresolved.
    Reports go to each instance's folder, the summary to `summary` (default: the run's eval_summary.json)."""
    from rich.console import Console

    from sandbox.evaluation.evaluate import EvalReport, grade_in_own_sandbox
    from sandbox.docker.secrets import redact

    console = Console(stderr=True)
    lock = threading.Lock()
    done = [0]

    def grade_one(pred: Prediction) -> EvalReport:
        instance = ds.get(pred.instance_id)
        with backend.images.lease(instance) if backend is not None else nullcontext():
            report, log = grade_in_own_sandbox(instance, pred.model_patch, backend=backend, network=network, output_limit=EVAL_OUTPUT_LIMIT,
                                               model_name=pred.model_name_or_path, timeout=timeout, strict=strict)
        atomic_write_text(store.artefact(pred.instance_id, layout.EVAL_LOG), redact(log))
        return report

    def progress(outcome) -> None:
        with lock:
            done[0] += 1
            pred = outcome.item
            verdict = outcome.result.status if outcome.result else f"error: {outcome.error}"
            console.print(f"[{done[0]}/{len(preds)}] {pred.instance_id}: {verdict}")

    reports: list[EvalReport] = []
    for out in map_isolated(grade_one, preds, workers, on_done=progress if len(preds) > 1 else None):
        if out.error is not None:
            report = EvalReport(
                instance_id=out.item.instance_id,
                model_name_or_path=out.item.model_name_or_path,
                status="error",
                reason=f"{type(out.error).__name__}: {out.error}",
                network=network,
            )
        else:
            report = out.result
        write_json(store.artefact(report.instance_id, layout.EVAL), report.model_dump())
        reports.append(report)
    resolved = sum(r.resolved for r in reports)
    write_json(
        summary or store.root / layout.EVAL_SUMMARY,
        {
            "total": len(reports),
            "resolved": resolved,
            "resolved_ids": [r.instance_id for r in reports if r.resolved],
            "errors": [r.instance_id for r in reports if r.status == "error"],
            "infra_failures": {r.instance_id: r.infra_failure for r in reports if r.status == "infra_failure"},
            "network": network,
            "test_infrastructure": {r.instance_id: r.test_infrastructure for r in reports if r.test_infrastructure},
            "strict": strict,
        },
    )
    return reports


def grade_patch(ds: Dataset, inst, patch: str, store: RunStore, *, model_name: str, network: bool = True,
                backend=None, summary: Path | None = None) -> dict:
    """Grade one patch of `inst` (eval.json in the store); its verdict in short. An infrastructure
    failure raises SandboxError: it is never a verdict."""
    from codefix.core.errors import SandboxError

    report = evaluate_predictions(ds, [Prediction(inst.instance_id, model_name, patch)], store, network=network,
                                  backend=backend, summary=summary)[0]
    if report.status == "error":
        raise SandboxError(f"grading failed: {report.reason}")
    return {"status": report.status, "resolved": report.resolved, "network": network}


def print_eval_table(reports) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="evaluation")
    for col in ("instance", "patch", "status", "FAIL_TO_PASS", "PASS_TO_PASS", "secs", "reason"):
        table.add_column(col, overflow="fold")
    for r in reports:
        f2p = r.fail_to_pass
        p2p = r.pass_to_pass
        table.add_row(
            r.instance_id,
            r.model_name_or_path,
            r.status,
            _fraction(f2p),
            _fraction(p2p),
            f"{r.duration:.1f}",
            r.reason[:120],
        )
    console = Console()
    console.print(table)
    console.print(f"resolved {sum(r.resolved for r in reports)}/{len(reports)}")
    infra = [r for r in reports if r.status == "infra_failure"]
    if infra:
        console.print(f"infrastructure failures (not the patches' verdicts): {len(infra)}: "
                      + ", ".join(f"{r.instance_id} ({r.infra_failure})" for r in infra))
    modes = {r.network for r in reports if r.network is not None}
    if modes:
        console.print(grading_mode_line(modes.pop()))
    for r in reports:
        if r.test_infrastructure:
            console.print(f"[yellow]warning[/yellow]: {r.instance_id}: the patch touches test infrastructure "
                          f"({', '.join(r.test_infrastructure)}); --strict grades it unresolved")


def grading_mode_line(network: bool) -> str:
    """Which network the grading sandboxes had, in one line."""
    if network:
        return "graded with the network on, as the official SWE-bench harness does (--offline-eval to refuse it)"
    return "graded offline (--offline-eval): tests that need a network stack fail here but pass in the official harness"


def _fraction(part: dict) -> str:
    ok = len(part.get("success", []))
    total = ok + len(part.get("failure", []))
    return f"{ok}/{total}" if total else "-"
