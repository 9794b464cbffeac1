"""The package layering of ARCHITECTURE.md, enforced on the source (imports anywhere in a
module, including inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("codefix", "agent", "sandbox", "selection")
COMPOSITION_ROOT = ("codefix/commands/", "codefix/stages/", "codefix/cli.py")
ALLOWED = {
    "codefix": {"codefix"},
    "sandbox": {"codefix", "sandbox"},
    "agent": {"codefix", "agent"},
    "selection": {"codefix", "selection", "agent"},
}


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in PACKAGES)
    return found


def test_packages_import_only_what_the_layering_allows() -> None:
    violations = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(COMPOSITION_ROOT):
                continue
            bad = imported_packages(path) - ALLOWED[package]
            if bad:
                violations.append(f"{rel} imports {sorted(bad)}")
    assert not violations, "\n".join(violations)


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from sandbox.docker_sandbox import DockerSandbox\n")
    assert imported_packages(mod) == {"sandbox"}
