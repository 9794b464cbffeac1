"""The floors of docs/architecture.md, enforced on the source (imports anywhere in a module,
including inside functions):

- the kernel (`codefix/` outside `cli/` and `stages/`: protocols, errors, store, ledger,
  instances, datasets, the viewer) imports neither click nor `agent`, `sandbox`, `selection`;
- `sandbox` and `agent` import only the kernel, `selection` the kernel and `agent`; none of them
  imports click;
- only the CLI floor (`codefix/cli/`) and the stage runners (`codefix/stages/`) wire the
  packages together, and nothing but the CLI floor imports it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("codefix", "agent", "sandbox", "selection")
CLI_FLOOR = "codefix/cli/"
STAGE_RUNNERS = "codefix/stages/"
ALLOWED = {
    "codefix": {"codefix"},
    "sandbox": {"codefix", "sandbox"},
    "agent": {"codefix", "agent"},
    "selection": {"codefix", "selection", "agent"},
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def imported_packages(path: Path) -> set[str]:
    return {m.split(".")[0] for m in imported_modules(path) if m.split(".")[0] in PACKAGES}


def sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path, path.relative_to(ROOT).as_posix()


def test_packages_import_only_what_the_layering_allows() -> None:
    violations = []
    for package, path, rel in sources():
        if rel.startswith((CLI_FLOOR, STAGE_RUNNERS)):
            continue
        bad = imported_packages(path) - ALLOWED[package]
        if bad:
            violations.append(f"{rel} imports {sorted(bad)}")
    assert not violations, "\n".join(violations)


def test_click_lives_only_on_the_cli_floor_and_the_stage_runners() -> None:
    with_click = [rel for _, path, rel in sources()
                  if not rel.startswith((CLI_FLOOR, STAGE_RUNNERS))
                  and any(m.split(".")[0] == "click" for m in imported_modules(path))]
    assert with_click == []


def test_nothing_below_the_cli_floor_reaches_up_into_it() -> None:
    up = [rel for _, path, rel in sources()
          if not rel.startswith(CLI_FLOOR) and any(m == "codefix.cli" or m.startswith("codefix.cli.")
                                                   for m in imported_modules(path))]
    assert up == ["codefix/__main__.py"]  # `python -m codefix` starts the CLI


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from sandbox.docker_sandbox import DockerSandbox\n    import click.testing\n")
    assert imported_packages(mod) == {"sandbox"}
    assert imported_modules(mod) == {"sandbox.docker_sandbox", "click.testing"}
