"""The swebench 5 fields of a classic SWE-bench record, derived once when it is loaded.

A swebench 5 record carries its own environment: `image`, `eval_script`, `log_parser` (a name in
`swebench.harness.log_parsers.PARSER_REGISTRY`) and `eval_type`. The classic records (Verified,
Lite, full, and the realbench ones) carry none of them, and swebench 5 no longer ships the
per-repository, per-version specs that made their eval scripts. codefix keeps those few values in
`classic_specs.json` (written from swebench 4.1 by `scripts/export_classic_specs.py`) and builds the
eval script here the way swebench 4.1 did, so a classic record grades with the same script as
before; `eval_type` comes from swebench 5's own `FAIL_ONLY_REPOS`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from codefix.core.unified_diff import PatchParseError, parse_patch

SPECS_FILE = Path(__file__).with_name("classic_specs.json")
IMAGE_NAMESPACE = "swebench"
IMAGE_ARCH = "x86_64"
ENV_NAME = "testbed"
REPO_DIR = "/testbed"
HEREDOC_DELIMITER = "EOF_114329324912"
START_MARKER = ">>>>> Start Test Output"
END_MARKER = ">>>>> End Test Output"
ACTIVATE = ["source /opt/miniconda3/bin/activate", f"conda activate {ENV_NAME}"]
# A path in the test patch ending like this is data, not a test to run (as swebench 4.1 has it,
# "csv" without its dot included).
NON_TEST_SUFFIXES = (".json", ".png", "csv", ".txt", ".md", ".jpg", ".jpeg", ".pkl", ".yml", ".yaml", ".toml")


@cache
def classic_specs() -> dict[str, dict[str, Any]]:
    """{repo: {"log_parser": name, "versions": {version: {test_cmd, install?, eval_commands?}}}}."""
    return json.loads(SPECS_FILE.read_text(encoding="utf-8"))["repos"]


def version_spec(repo: str, version: str) -> dict[str, Any] | None:
    """The install/test values of a classic repository's version; None when there are none."""
    return classic_specs().get(repo, {}).get("versions", {}).get(version)


def classic_log_parser(repo: str) -> str | None:
    """The PARSER_REGISTRY name of a classic repository's log parser; None for another repository."""
    return classic_specs().get(repo, {}).get("log_parser")


def classic_image_name(instance_id: str, arch: str = IMAGE_ARCH, namespace: str = IMAGE_NAMESPACE) -> str:
    """The prebuilt evaluation image of a classic instance, as SWE-bench names it on Docker Hub."""
    key = f"sweb.eval.{arch}.{instance_id.lower()}"
    return f"{namespace}/{key.replace('__', '_1776_')}:latest"


def classic_eval_type(repo: str) -> str:
    """swebench 5's eval type: fail_only for the repositories it lists, else pass_and_fail."""
    from swebench.harness.constants import FAIL_ONLY_REPOS, EvalType

    return (EvalType.FAIL_ONLY if repo in FAIL_ONLY_REPOS else EvalType.PASS_AND_FAIL).value


def v5_fields(record: dict[str, Any]) -> dict[str, str] | None:
    """image, eval_script, log_parser and eval_type of a classic record; None when codefix has no
    spec for its repository and version (such a record needs its own `eval_script`)."""
    spec = version_spec(record["repo"], record.get("version", ""))
    parser = classic_log_parser(record["repo"])
    if spec is None or parser is None:
        return None
    try:
        script = classic_eval_script(record, spec)
    except PatchParseError:  # grading says what is wrong with the test patch; loading does not
        return None
    return {
        "image": classic_image_name(record["instance_id"]),
        "eval_script": script,
        "log_parser": parser,
        "eval_type": classic_eval_type(record["repo"]),
    }


def classic_eval_script(record: dict[str, Any], spec: dict[str, Any]) -> str:
    """The eval script swebench 4.1 wrote for a Python repository's record: activate the env,
    show the state, reinstall, reset the test files, apply the test patch, run the tests between
    the markers, reset the test files again."""
    base, test_patch = record["base_commit"], record["test_patch"]
    reset = f"git checkout {base} {' '.join(changed_files(test_patch))}"
    test_cmd = " ".join([spec["test_cmd"], *test_directives(record["repo"], test_patch)])
    lines = [*ACTIVATE, f"cd {REPO_DIR}", *spec.get("eval_commands", [])]
    lines += [f"git config --global --add safe.directory {REPO_DIR}", f"cd {REPO_DIR}", "git status", "git show",
              f"git -c core.fileMode=false diff {base}", *ACTIVATE]
    if "install" in spec:
        lines.append(spec["install"])
    lines += [reset, f"git apply -v - <<'{HEREDOC_DELIMITER}'\n{test_patch}\n{HEREDOC_DELIMITER}",
              f": '{START_MARKER}'", test_cmd, f": '{END_MARKER}'", reset]
    return "\n".join(["#!/bin/bash", "set -uxo pipefail", *lines]) + "\n"


def changed_files(patch: str) -> list[str]:
    """Files the patch changes that exist before it (not those it creates), without `a/`."""
    if not patch.strip():
        return []
    return [f.old_path for f in parse_patch(patch).files if f.old_path]


def test_directives(repo: str, test_patch: str) -> list[str]:
    """What the test command is given: the test patch's test files (Django: dotted test modules)."""
    paths = [p for p in re.findall(r"diff --git a/.* b/(.*)", test_patch) if not p.endswith(NON_TEST_SUFFIXES)]
    if repo != "django/django":
        return paths
    modules = []
    for path in paths:
        path = path.removesuffix(".py")
        path = path.removeprefix("tests/")
        modules.append(path.replace("/", "."))
    return modules


test_directives.__test__ = False  # a pytest collecting this module must not take it for a test
