"""What to run to grade an instance: its image name and its evaluation script.

A SWE-bench record (classic or swebench 5) carries its `eval_script` (a classic record's is
derived at load, `codefix.core.classic_records`); the script that runs is swebench 5's
`make_test_spec(record).eval_script`, which also records the test command's own exit status
after the end marker. A local instance gets a script in the same shape from
`sandbox.evaluation.local_specs`, given the same exit-status line.

The script runs as a file with bash inside the container, after the candidate patch has been
applied to /testbed. It applies the test patch, prints swebench's start/end markers around
the test command (as `set -x` traces of `: '<marker>'`) and reverts the test files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codefix.core.classic_records import IMAGE_ARCH, IMAGE_NAMESPACE, classic_image_name
from codefix.core.classic_records import test_directives as classic_test_directives
from codefix.core.datasets import with_v5_fields
from codefix.core.errors import InputError
from codefix.core.instance import Instance

if TYPE_CHECKING:  # pragma: no cover
    from swebench.types import TestSpec

SWEBENCH_NAMESPACE = IMAGE_NAMESPACE
SWEBENCH_ARCH = IMAGE_ARCH
REPO_DIR = "/testbed"


def swebench_image_name(instance: Instance, namespace: str = SWEBENCH_NAMESPACE, arch: str = SWEBENCH_ARCH) -> str:
    """The prebuilt evaluation image of a classic instance, as SWE-bench names it (Docker Hub: "swebench")."""
    return classic_image_name(instance.instance_id, arch, namespace)


def host_arch() -> str:
    """The SWE-bench image architecture of this host: arm64 on ARM machines, else x86_64."""
    import platform

    return "arm64" if platform.machine().lower() in ("aarch64", "arm64") else SWEBENCH_ARCH


def eval_script(instance: Instance) -> str:
    """The bash script that applies the test patch, runs the tests between markers and records
    the test command's exit status."""
    if instance.is_swebench:
        return test_spec(with_v5_fields(instance)).eval_script
    from swebench.harness.utils import parse_eval_script, record_test_exit_code

    from sandbox.evaluation.local_specs import local_eval_script

    lines = record_test_exit_code(parse_eval_script(local_eval_script(instance)))
    return "\n".join(["#!/bin/bash", "set -uxo pipefail", *lines]) + "\n"


def test_directives(instance: Instance) -> list[str]:
    """The test files (Django: test modules) named by the test patch, as swebench 4.1 derived them."""
    return classic_test_directives(instance.repo, instance.test_patch)


test_directives.__test__ = False  # a pytest collecting this module must not take it for a test


def test_spec(instance: Instance) -> TestSpec:
    """swebench 5's `TestSpec` of a SWE-bench record, built from the record alone."""
    from swebench.harness.utils import make_test_spec

    if instance.eval_script is None:
        raise InputError(
            f"{instance.instance_id}: no eval_script, and codefix has no classic spec for {instance.repo} "
            f"version {instance.version!r}: give the record swebench 5's image, eval_script, log_parser "
            "and eval_type, or a local instance an 'image' or 'source' (and 'test_cmd')"
        )
    if instance.image_assets:
        raise InputError(
            f"{instance.instance_id}: the record has image_assets ({', '.join(sorted(instance.image_assets))}) "
            "that grading would have to download; codefix grades offline and does not fetch them"
        )
    record = instance.to_record() | {"eval_type": instance.eval_type or "pass_and_fail"}
    return make_test_spec(record)


test_spec.__test__ = False
