"""Grading integrity: which files of a patch can change what tests *report* rather than the code
under test. A candidate touching them is flagged in the prediction report, never preferred in
selection for it, and reported (or, with `--strict`, failed) by `evaluate`."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from codefix.diff_paths import strip_prefix, touched_paths

INFRA_NAMES = frozenset({"conftest.py", "pytest.ini", "sitecustomize.py", "usercustomize.py"})
"""Files that hook into how tests run, wherever they are."""


def patch_files(patch: str) -> list[str]:
    """Repository-relative paths a unified diff touches (a/ b/ prefixes stripped), in order."""
    raw = touched_paths(patch)
    return list(dict.fromkeys(strip_prefix(p) if p.startswith(("a/", "b/")) else p for p in raw))


def eval_test_files(test_patch: str = "", tests: Iterable[str] = ()) -> set[str]:
    """The files the evaluation's tests live in: those its test patch touches and those its test
    ids name (`tests/test_x.py::test_y`, or a dotted module path for unittest/django runners)."""
    files = set(patch_files(test_patch)) if test_patch.strip() else set()
    for test in tests:
        head = test.split("::", 1)[0].split(" ", 1)[0]
        if head.endswith(".py"):
            files.add(head)
    return files


def infrastructure_paths(patch: str, test_files: Iterable[str] = ()) -> list[str]:
    """The paths of `patch` that are test infrastructure: conftest.py, pytest.ini, pytest plugin
    modules (`pytest_*.py`), sitecustomize.py / usercustomize.py, `.pth` files, and the files of
    the evaluation's own tests."""
    tests = set(test_files)
    flagged = []
    for path in patch_files(patch) if patch.strip() else []:
        name = posixpath.basename(path)
        if name in INFRA_NAMES or name.endswith(".pth") or (name.startswith("pytest_") and name.endswith(".py")) \
                or path in tests:
            flagged.append(path)
    return flagged


def instance_infrastructure_paths(instance, patch: str) -> list[str]:
    """`infrastructure_paths` with the instance's test patch and FAIL_TO_PASS / PASS_TO_PASS."""
    tests = eval_test_files(getattr(instance, "test_patch", "") or "",
                            [*getattr(instance, "FAIL_TO_PASS", []), *getattr(instance, "PASS_TO_PASS", [])])
    return infrastructure_paths(patch, tests)
