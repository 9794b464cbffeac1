"""The floors of docs/architecture.md, enforced on the source (imports anywhere in a module,
including inside functions):

- the kernel (`codefix/core/`: protocols, errors, store, ledger, instances, datasets) imports
  neither click nor `agent`, `sandbox`, `selection`, nor any floor above it; `codefix/` itself
  holds nothing but its floors (`core/`, `stages/`, `reporting/`, `view/`, `cli/`) and `__main__`;
- `sandbox` and `agent` import only the kernel (of `codefix`, only `codefix.core`), `selection`
  the kernel and `agent`;
- inside `sandbox`, the Docker sandbox (`sandbox/docker/`) stands on the kernel alone: images
  (`sandbox/images/`) and evaluation (`sandbox/evaluation/`) build on it, and only the backends at
  the top (`sandbox/backend_config.py`, `sandbox/docker_backend.py`) put the three together;
- click is imported on the CLI floor alone (the stage runners neither);
- only the CLI floor (`codefix/cli/`) and the stage runners (`codefix/stages/`) wire the
  packages together, and nothing but the CLI floor imports it;
- inside `agent`, the model layer (`agent/models/`) and the pieces that voting and selection share
  with generation (prompt rendering, script runs, the sandbox pool, the trajectory record) stand on
  the kernel alone; `selection` uses those and the trajectory loop, never generation, the context
  stage or the generation machines;
- reporting (`codefix/reporting/`) reads run artefacts with the kernel, `agent`, `sandbox` and
  `selection`, never a stage runner; only the CLI floor and the viewer (`codefix/view/`) import it,
  the viewer imports nothing else above the kernel, and only the CLI floor imports the viewer;
- no product package imports `tests` or `benchmarks` (test-only doubles live in `tests/doubles/`);
- litellm is imported by `agent/models/litellm_setup.py` alone (tokens are counted by
  `agent/models/context_window.count_text`, nowhere else)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("codefix", "agent", "sandbox", "selection")
CLI_FLOOR = "codefix/cli/"
STAGE_RUNNERS = "codefix/stages/"
REPORTING = "codefix/reporting/"
VIEWER = "codefix/view/"
UPPER_FLOORS = ("codefix.cli", "codefix.stages", "codefix.reporting", "codefix.view")
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


KERNEL = "codefix.core"
FLOORS_OF_CODEFIX = {"core", "cli", "stages", "reporting", "view"}


def imported_packages(path: Path) -> set[str]:
    return {m.split(".")[0] for m in imported_modules(path) if m.split(".")[0] in PACKAGES}


def sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path, path.relative_to(ROOT).as_posix()


def test_packages_import_only_what_the_layering_allows() -> None:
    violations = []
    for package, path, rel in sources():
        if rel.startswith((CLI_FLOOR, STAGE_RUNNERS, REPORTING)):
            continue
        bad = imported_packages(path) - ALLOWED[package]
        if bad:
            violations.append(f"{rel} imports {sorted(bad)}")
    assert not violations, "\n".join(violations)


def test_codefix_holds_only_its_floors() -> None:
    top = ROOT / "codefix"
    modules = sorted(p.name for p in top.glob("*.py"))
    folders = sorted(p.name for p in top.iterdir() if p.is_dir() and (p / "__init__.py").is_file())
    assert modules == ["__init__.py", "__main__.py"]
    assert set(folders) == FLOORS_OF_CODEFIX


def test_below_the_stage_runners_only_the_kernel_of_codefix_is_imported() -> None:
    bad = [f"{rel} imports {m}" for package, path, rel in sources()
           if package in ("agent", "sandbox", "selection") or rel.startswith("codefix/core/")
           for m in sorted(imported_modules(path))
           if m.split(".")[0] == "codefix" and not in_floor(m, KERNEL)]
    assert bad == []


def test_the_docker_sandbox_stands_on_the_kernel_alone() -> None:
    bad = [f"{rel} imports {m}" for _, path, rel in sources() if rel.startswith("sandbox/docker/")
           for m in sorted(imported_modules(path))
           if in_floor(m, "sandbox.images") or in_floor(m, "sandbox.evaluation") or m == "sandbox.docker_backend"]
    assert bad == []


def test_click_lives_only_on_the_cli_floor() -> None:
    with_click = [rel for _, path, rel in sources()
                  if not rel.startswith(CLI_FLOOR) and any(m.split(".")[0] == "click" for m in imported_modules(path))]
    assert with_click == []


def test_nothing_below_the_cli_floor_reaches_up_into_it() -> None:
    up = [rel for _, path, rel in sources()
          if not rel.startswith(CLI_FLOOR) and any(m == "codefix.cli" or m.startswith("codefix.cli.")
                                                   for m in imported_modules(path))]
    assert up == ["codefix/__main__.py"]  # `python -m codefix` starts the CLI


def in_floor(module: str, floor: str) -> bool:
    return module == floor or module.startswith(floor + ".")


def reaches(path: Path, floor: str) -> bool:
    return any(in_floor(m, floor) for m in imported_modules(path))


def test_the_kernel_imports_no_floor_above_it() -> None:
    up = [rel for package, path, rel in sources()
          if package == "codefix" and not rel.startswith((CLI_FLOOR, STAGE_RUNNERS, REPORTING, VIEWER))
          and rel != "codefix/__main__.py" and any(reaches(path, floor) for floor in UPPER_FLOORS)]
    assert up == []


def test_reporting_reads_runs_without_the_stage_runners_and_only_the_cli_and_viewer_read_it() -> None:
    reporting = {rel: path for _, path, rel in sources() if rel.startswith(REPORTING)}
    assert "codefix/reporting/collect.py" in reporting
    upward = [rel for rel, path in reporting.items()
              if any(reaches(path, floor) for floor in ("codefix.stages", "codefix.cli", "codefix.view"))]
    assert upward == []
    readers = {rel.split("/")[1] for _, path, rel in sources()
               if not rel.startswith(REPORTING) and reaches(path, "codefix.reporting")}
    assert readers <= {"cli", "view"}


def test_the_viewer_imports_only_the_kernel_and_reporting() -> None:
    bad = [f"{rel} imports {m}" for _, path, rel in sources() if rel.startswith(VIEWER)
           for m in sorted(imported_modules(path))
           if m.split(".")[0] in ("agent", "sandbox", "selection")
           or in_floor(m, "codefix.cli") or in_floor(m, "codefix.stages")]
    assert bad == []
    readers = {rel.split("/")[1] for _, path, rel in sources()
               if not rel.startswith(VIEWER) and reaches(path, "codefix.view")}
    assert readers == {"cli"}


SHARED_AGENT_PARTS = ("agent/models/", "agent/prompts/", "agent/script_runs.py", "agent/sandbox_pool.py",
                      "agent/trajectory_record.py", "agent/script_kinds.py", "agent/record_tests.py",
                      "agent/languages.py")
SHARED_LEAVES = ("agent.script_kinds", "agent.record_tests", "agent.languages")
"""Shared parts any other may import: leaves standing on the kernel alone (the script kinds, a
record's test command and the language table, which the test doubles' scripts, the prompts and the
runners agree on)."""


def test_the_model_layer_and_the_shared_agent_parts_stand_on_the_kernel_alone() -> None:
    shared = {rel: path for _, path, rel in sources() if rel.startswith(SHARED_AGENT_PARTS)}
    assert "agent/models/litellm_model.py" in shared and "agent/script_runs.py" in shared
    bad = [f"{rel} imports {m}" for rel, path in shared.items() for m in sorted(imported_modules(path))
           if m.split(".")[0] in PACKAGES and m.split(".")[0] != "codefix"
           and not (in_floor(m, "agent.models") and rel.startswith("agent/models/")) and m not in SHARED_LEAVES]
    assert bad == []


def test_selection_does_not_depend_on_generation() -> None:
    generation = ("agent.generation", "agent.context", "agent.testing_machine", "agent.editing_machine")
    bad = [f"{rel} imports {m}" for _, path, rel in sources() if rel.startswith("selection/")
           for m in sorted(imported_modules(path)) if any(in_floor(m, g) for g in generation)]
    assert bad == []


def test_the_product_never_imports_test_code() -> None:
    bad = [f"{rel} imports {m}" for _, path, rel in sources() for m in sorted(imported_modules(path))
           if m.split(".")[0] in ("tests", "benchmarks")]
    assert bad == []


def test_diffs_are_read_by_codefix_unified_diff_alone() -> None:
    assert [rel for _, path, rel in sources() if any(m.split(".")[0] == "unidiff" for m in imported_modules(path))] == []
    hunk_readers = [rel for _, path, rel in sources() if "@@ -" in path.read_text(encoding="utf-8")
                    and "re.compile" in path.read_text(encoding="utf-8") and "HUNK" in path.read_text(encoding="utf-8")]
    assert hunk_readers == ["codefix/core/unified_diff.py"]


def test_litellm_is_imported_in_one_place() -> None:
    importers = [rel for _, path, rel in sources() if any(m.split(".")[0] == "litellm" for m in imported_modules(path))]
    assert importers == ["agent/models/litellm_setup.py"]


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from sandbox.docker.docker_sandbox import DockerSandbox\n    import click.testing\n")
    assert imported_packages(mod) == {"sandbox"}
    assert imported_modules(mod) == {"sandbox.docker.docker_sandbox", "click.testing"}
