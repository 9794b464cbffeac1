"""The evaluation script for a local instance (an `image` or a `source` directory).

Same shape as swebench's own script, so the same grading reads its log: cd /testbed, put the
test files back to the base commit, apply the test patch with `git apply -v`, trace swebench's
start/end markers around the test command, put the test files back again. Its stderr (where
`set -x` writes the markers) joins stdout, so markers and test output cannot be reordered.
It depends on nothing from the host: bash and git are all it needs, and it activates the conda
env `testbed` only where one exists (SWE-bench images), so it also runs in a plain Debian image.
"""

from __future__ import annotations

import shlex

from codefix.core.errors import InputError
from codefix.core.instance import Instance

REPO_DIR = "/testbed"
DEFAULT_TEST_CMD = "python3 -m pytest -rA"
CONDA_ACTIVATE = "/opt/miniconda3/bin/activate"
CONDA_ENV_DIR = "/opt/miniconda3/envs/testbed"
HEREDOC_DELIMITER = "EOF_114329324912"


def local_eval_script(instance: Instance) -> str:
    """The bash script for a local instance; its log grades with `sandbox.evaluation.grading.grade`."""
    from swebench.harness.constants import APPLY_PATCH_FAIL, END_TEST_OUTPUT, START_TEST_OUTPUT

    base = instance.base_commit or "HEAD"
    changed, created = _test_files(instance)
    reset = _reset_command(base, changed, created)
    lines = [
        "#!/bin/bash",
        "set -uxo pipefail",
        "exec 2>&1  # one stream: the traced markers stay in order with the test output",
        f"if [ -d {CONDA_ENV_DIR} ]; then source {CONDA_ACTIVATE} && conda activate testbed; fi",
        f"cd {REPO_DIR}",
        f"git config --global --add safe.directory {REPO_DIR}",
        reset,
    ]
    if instance.test_patch.strip():
        delimiter = _delimiter(instance.test_patch)
        patch = instance.test_patch if instance.test_patch.endswith("\n") else instance.test_patch + "\n"
        lines.append(
            f"git apply -v - <<'{delimiter}' || {{ echo {shlex.quote(APPLY_PATCH_FAIL)}; exit 1; }}\n"
            f"{patch}{delimiter}"
        )
    lines += [
        f": '{START_TEST_OUTPUT}'",
        local_test_command(instance),
        f": '{END_TEST_OUTPUT}'",
        reset,
    ]
    return "\n".join(lines) + "\n"


def local_test_command(instance: Instance) -> str:
    """`test_cmd` as given; by default pytest on the test patch's test files."""
    if instance.test_cmd:
        return instance.test_cmd
    from sandbox.evaluation.specs import test_directives

    return " ".join([DEFAULT_TEST_CMD, *(shlex.quote(d) for d in test_directives(instance))])


def _test_files(instance: Instance) -> tuple[list[str], list[str]]:
    """(files the test patch changes that exist at base, files it creates)."""
    if not instance.test_patch.strip():
        return [], []
    from codefix.core.unified_diff import PatchParseError, parse_patch

    try:
        parsed = parse_patch(instance.test_patch)
    except PatchParseError as exc:
        raise InputError(f"{instance.instance_id}: test_patch is not a unified diff: {exc}") from None
    if parsed.warnings:  # a hunk shorter than its header: applying it would fail
        raise InputError(f"{instance.instance_id}: test_patch is not a unified diff: {parsed.warnings[0]}")
    files = parsed.files
    changed = [f.old_path for f in files if f.old_path is not None]
    created = [f.new_path for f in files if f.old_path is None and f.new_path is not None]
    return changed, created


def _reset_command(base: str, changed: list[str], created: list[str]) -> str:
    parts = []
    if changed:
        parts.append(f"git checkout {base} -- {' '.join(shlex.quote(p) for p in changed)}")
    if created:
        parts.append(f"rm -f -- {' '.join(shlex.quote(p) for p in created)}")
    return " && ".join(parts) if parts else 'echo "No test files to reset"'


def _delimiter(text: str) -> str:
    delimiter = HEREDOC_DELIMITER
    while delimiter in text:
        delimiter += "_"
    return delimiter
