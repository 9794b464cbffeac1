"""Every bundled fixture graded in a real sandbox: the gold patch resolves; an empty patch,
the deliberately wrong patch and a patch that does not apply do not. One reused sandbox per
fixture, which also shows that reset makes reuse indistinguishable from a fresh container
(gold is graded again after the others)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
DATASET = load_dataset(FIXTURES)

NOT_APPLYING = """\
diff --git a/no_such_module.py b/no_such_module.py
--- a/no_such_module.py
+++ b/no_such_module.py
@@ -1,2 +1,2 @@
-this line is not there
+nor is this one
 context
"""

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("instance", list(DATASET), ids=lambda i: i.instance_id)
def test_fixture_grades(docker_client, instance) -> None:
    from sandbox.evaluation.evaluate import evaluate_in_sandbox
    from sandbox.backend_config import sandbox_factory

    sandboxes, built = sandbox_factory(instance, output_limit=2_000_000)
    with sandboxes() as sandbox:
        gold, _ = evaluate_in_sandbox(built, built.patch, sandbox)
        assert gold.resolved and gold.status == "resolved", gold
        assert sorted(gold.fail_to_pass["success"]) == sorted(built.FAIL_TO_PASS)

        empty, _ = evaluate_in_sandbox(built, "", sandbox, timeout=10)  # jobqueue hangs unfixed
        assert not empty.resolved and empty.status == "unresolved", empty

        wrong, _ = evaluate_in_sandbox(built, built.model_extra["wrong_patch"], sandbox)
        assert not wrong.resolved and wrong.status == "unresolved", wrong
        assert wrong.fail_to_pass["failure"], wrong

        broken, _ = evaluate_in_sandbox(built, NOT_APPLYING, sandbox)
        assert broken.status == "patch_failed" and not broken.resolved
        assert "no_such_module.py" in broken.reason or "apply" in broken.reason

        again, _ = evaluate_in_sandbox(built, built.patch, sandbox)
        assert again.resolved, "a reused sandbox must grade the gold patch as a fresh one does"


def test_hanging_tests_are_killed_and_the_sandbox_stays_usable(docker_client) -> None:
    from sandbox.evaluation.evaluate import evaluate_in_sandbox
    from sandbox.backend_config import sandbox_factory

    instance = DATASET.get("codefix-fixtures__jobqueue-31")
    sandboxes, built = sandbox_factory(instance)
    with sandboxes() as sandbox:
        hung, _ = evaluate_in_sandbox(built, "", sandbox, timeout=8)
        assert hung.timed_out and not hung.resolved and "killed after 8 s" in hung.reason
        alive = sandbox.run("grep -l '[p]ytest' /proc/[0-9]*/cmdline 2>/dev/null | grep -c . || true")
        assert alive.output.strip() == "0", "the killed test run left processes behind"
        gold, _ = evaluate_in_sandbox(built, built.patch, sandbox)
        assert gold.resolved


def test_evaluate_command_writes_reports(docker_client, tmp_path: Path) -> None:
    inst = DATASET.get("codefix-fixtures__dotenv-219")
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        json.dumps({"instance_id": inst.instance_id, "model_name_or_path": "gold", "model_patch": inst.patch}) + "\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "codefix", "evaluate", "-d", str(FIXTURES), "-p", str(preds), "--run-id", "r1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "runs" / "r1" / inst.instance_id / "eval.json").read_text())
    assert report["resolved"] is True
    summary = json.loads((tmp_path / "runs" / "r1" / "eval_summary.json").read_text())
    assert summary["resolved_ids"] == [inst.instance_id]
    assert "resolved 1/1" in proc.stdout
