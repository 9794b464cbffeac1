"""Grade one patch against an instance's FAIL_TO_PASS / PASS_TO_PASS tests in a sandbox.

The flow SWE-bench's harness follows, on a reusable sandbox: reset, apply the candidate
patch, run the evaluation script (which applies the test patch and runs the tests between
markers), grade the log with swebench's parsers and grading. A patch that does not apply
is a graded failure with its reason; only infrastructure trouble raises.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

from codefix.core.errors import PatchApplyError, UnsafePatchError
from codefix.core.instance import Instance
from codefix.core.protocols import Sandbox
from codefix.core.test_infra import instance_infrastructure_paths

EVAL_SCRIPT_PATH = "/root/codefix_eval.sh"
DEFAULT_TEST_TIMEOUT = 1800.0

Status = Literal["resolved", "unresolved", "patch_failed", "unsafe_patch", "infra_failure", "error"]


class EvalReport(BaseModel):
    """The verdict on one patch for one instance."""

    instance_id: str
    """The instance graded."""
    model_name_or_path: str = ""
    """Whose patch it was (from the predictions file)."""
    resolved: bool = False
    """True when every FAIL_TO_PASS and PASS_TO_PASS test passed."""
    status: Status = "unresolved"
    """resolved / unresolved / patch_failed / unsafe_patch / infra_failure (the log shows an
    environment fault: no verdict on the patch) / error (the grading itself failed)."""
    reason: str = ""
    """Why, in one line, when not resolved."""
    fail_to_pass: dict[str, list[str]] = Field(default_factory=dict)
    """swebench's report: {"success": [...], "failure": [...]}."""
    pass_to_pass: dict[str, list[str]] = Field(default_factory=dict)
    """swebench's report: {"success": [...], "failure": [...]}."""
    timed_out: bool = False
    """True when the test run was killed at the timeout."""
    duration: float = 0.0
    """Seconds spent grading (apply + tests)."""
    patch_applied_with: str = ""
    """Which method applied the patch (git apply, or the fuzzy fallback)."""
    network: bool | None = None
    """Whether the grading sandbox had a network (the official harness grades with one); None when unknown."""
    infra_failure: str = ""
    """The environment fault the log shows (`killed`, `out_of_memory`, ... from
    `sandbox.evaluation.infra_failures`), when status is infra_failure."""
    exit_code: int | None = None
    """The test command's own exit status, as the eval script recorded it."""
    test_infrastructure: list[str] = Field(default_factory=list)
    """Files of the patch that can change what tests report (conftest.py, pytest plugins,
    sitecustomize, .pth, the evaluation's test files); with `strict`, such a patch is unresolved."""


def evaluate_in_sandbox(
    instance: Instance,
    patch: str,
    sandbox: Sandbox,
    *,
    model_name: str = "",
    timeout: float | None = None,
    strict: bool = False,
) -> tuple[EvalReport, str]:
    """Grade `patch` in `sandbox` (reset first). Returns the report and the test log. A patch that
    touches test infrastructure is reported as such; with `strict` it is unresolved whatever
    the tests say."""
    from sandbox.evaluation.grading import grade
    from sandbox.docker.patching import apply_patch
    from sandbox.evaluation.specs import eval_script

    start = time.monotonic()
    flagged = instance_infrastructure_paths(instance, patch)
    report = EvalReport(instance_id=instance.instance_id, model_name_or_path=model_name, test_infrastructure=flagged)
    sandbox.reset()
    if patch.strip():
        try:
            applied = apply_patch(sandbox, patch)
        except UnsafePatchError as exc:
            return _done(report, start, status="unsafe_patch", reason=str(exc)), ""
        except PatchApplyError as exc:
            return _done(report, start, status="patch_failed", reason=str(exc)), exc.output
        report.patch_applied_with = getattr(applied, "method", "")
    sandbox.write_file(EVAL_SCRIPT_PATH, eval_script(instance))
    limit = timeout or instance.test_timeout or DEFAULT_TEST_TIMEOUT
    result = sandbox.run(f"bash {EVAL_SCRIPT_PATH} 2>&1", timeout=limit)
    graded = grade(instance, result.output)
    reason = graded.reason
    if result.timed_out:
        reason = f"tests killed after {limit:g} s" + (f"; {reason}" if reason else "")
    elif not graded.resolved and not reason:
        failing = graded.fail_to_pass.get("failure", []) + graded.pass_to_pass.get("failure", [])
        reason = f"{len(failing)} required test(s) failing: {', '.join(failing[:3])}"
    resolved = graded.resolved and not (strict and flagged)
    if graded.resolved and not resolved:
        reason = f"--strict: the patch touches test infrastructure ({', '.join(flagged)})"
    status = "resolved" if resolved else "infra_failure" if graded.infra_failure else "unresolved"
    if graded.infra_failure:
        reason = f"infrastructure failure ({graded.infra_failure}): {reason}"
    report = _done(
        report,
        start,
        status=status,
        infra_failure=graded.infra_failure,
        exit_code=graded.exit_code,
        resolved=resolved,
        reason="" if resolved else reason,
        fail_to_pass=graded.fail_to_pass,
        pass_to_pass=graded.pass_to_pass,
        timed_out=result.timed_out,
    )
    return report, result.output


def _done(report: EvalReport, start: float, **changes) -> EvalReport:
    return report.model_copy(update={**changes, "duration": round(time.monotonic() - start, 3)})


def grade_in_own_sandbox(instance: Instance, patch: str, *, backend=None, network: bool = True,
                         output_limit: int | None = None, model_name: str = "", timeout: float | None = None,
                         strict: bool = False) -> tuple[EvalReport, str]:
    """Grade `patch` of `instance` as `codefix evaluate` does: in a sandbox of its own on `backend`
    (a live backend, which fetches a missing image onto its engine; default: the local Docker
    engine), with a writable root (grading scripts reinstall the package into site-packages) and the
    network unless `network` is False, which the report records.
    Returns the report and the test log; infrastructure failures raise."""
    from sandbox.backend_config import sandbox_factory

    limit = {"output_limit": output_limit} if output_limit is not None else {}
    sandboxes, built = sandbox_factory(instance, backend, network=network, writable_root=True, **limit)
    with sandboxes() as sandbox:
        report, log = evaluate_in_sandbox(built, patch, sandbox, model_name=model_name, timeout=timeout, strict=strict)
    return report.model_copy(update={"network": network}), log
