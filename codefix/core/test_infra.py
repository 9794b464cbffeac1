"""Grading integrity: which files of a patch can change what tests *report* rather than the code
under test. A candidate touching them is flagged in the prediction report, never preferred in
selection for it, and reported (or, with `--strict`, failed) by `evaluate`."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from codefix.core.diff_paths import hunk_lines, strip_prefix, touched_paths

INFRA_NAMES = frozenset({"conftest.py", "pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml",
                         "sitecustomize.py", "usercustomize.py"})
"""Files that hook into how tests run, wherever they are."""

SHARED_CONFIGS = frozenset({"tox.ini", "setup.cfg", "pyproject.toml"})
"""Configuration files pytest reads among others': test infrastructure when a hunk of the patch
is about pytest (a `[pytest]`, `[tool:pytest]` or `[tool.pytest...]` section, one of its keys)."""

PYTEST_CONFIG = re.compile(r"pytest|^[ +-]\s*(addopts|python_(files|classes|functions)|testpaths|norecursedirs|"
                           r"usefixtures|required_plugins|confcutdir|minversion)\s*=", re.IGNORECASE)
"""A hunk line (or the section named in its `@@` line) that configures pytest."""

PYTEST_INTERNALS = re.compile(r"\b_pytest\b|\bpluggy\b|\bpytest11\b|hookimpl|^\+\s*def pytest_\w+\s*\(|"
                              r"^\+\s*(import pytest\b|from pytest\b)")
"""An added source line that imports, patches or plugs into pytest (its `_pytest` internals, a
hook, a plugin entry point): how tests *report* changes from code the tests only import."""

TEST_DIRS = frozenset({"test", "tests", "testing", "_pytest", "pytest"})
"""Directories whose Python files are tests, test helpers, or pytest itself (a fix of pytest's own
repository touches `_pytest`): imports of pytest there are expected."""


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
    """The paths of `patch` that are test infrastructure: conftest.py, pytest's own configuration
    files (and the pytest sections of tox.ini, setup.cfg, pyproject.toml), pytest plugin modules
    (`pytest_*.py`), sitecustomize.py / usercustomize.py, `.pth` files, source modules the patch
    makes import or patch pytest's internals, and the files of the evaluation's own tests."""
    if not patch.strip():
        return []
    tests = set(test_files)
    hunks = hunk_lines(patch)
    flagged = []
    for path in patch_files(patch):
        name = posixpath.basename(path)
        lines = hunks.get(path, [])
        if name in INFRA_NAMES or name.endswith(".pth") or (name.startswith("pytest_") and name.endswith(".py")) \
                or path in tests \
                or (name in SHARED_CONFIGS and any(PYTEST_CONFIG.search(line) for line in lines)) \
                or (name.endswith(".py") and not is_test_code(path) and any(PYTEST_INTERNALS.search(line)
                                                                            for line in lines if line.startswith("+"))) \
                or (name not in SHARED_CONFIGS and not name.endswith(".py")
                    and any("pytest11" in line for line in lines if line.startswith("+"))):
            flagged.append(path)
    return flagged


def is_test_code(path: str) -> bool:
    """Whether `path` is a test module, a test helper or pytest itself (see TEST_DIRS)."""
    parts = path.split("/")
    name = parts[-1]
    return bool(TEST_DIRS.intersection(parts[:-1])) or name.startswith("test_") or name.endswith("_test.py") \
        or name == "conftest.py"


def instance_infrastructure_paths(instance, patch: str) -> list[str]:
    """`infrastructure_paths` with the instance's test patch and FAIL_TO_PASS / PASS_TO_PASS."""
    tests = eval_test_files(getattr(instance, "test_patch", "") or "",
                            [*getattr(instance, "FAIL_TO_PASS", []), *getattr(instance, "PASS_TO_PASS", [])])
    return infrastructure_paths(patch, tests)
