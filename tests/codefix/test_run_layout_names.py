"""Every file name of a run directory is written down once, in `codefix/core/run_layout.py`: no
other module of the product spells one as a string (docstrings aside), so a renamed artefact
cannot leave a reader behind looking for the old name."""

from __future__ import annotations

import ast
from pathlib import Path

from codefix.core import run_layout

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("codefix", "agent", "sandbox", "selection")
LAYOUT = ROOT / "codefix" / "core" / "run_layout.py"
OTHER_THINGS_OF_THE_SAME_NAME = {("codefix/view/embed.py", "view.html")}
"""The viewer's page template, an asset of the package that happens to share the page's name."""


def file_names() -> set[str]:
    """The layout's names that are files (a dot in them); folders such as `selection` are also words."""
    return {value for name, value in vars(run_layout).items()
            if name.isupper() and isinstance(value, str) and "." in value}


def docstrings(tree: ast.AST) -> set[int]:
    """The string statements of `tree`: module, class and function docstrings and the docstrings of
    attributes (a string right after an assignment) — text for readers, never a path in code."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}


def spelled_names(path: Path, names: set[str]) -> list[str]:
    """The layout file names (or a trajectory file's `.traj.json` ending) `path` spells in code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
            if text in names or (run_layout.TRAJECTORY_SUFFIX in text):
                found.append(text)
    return found


def test_the_trajectory_names_are_the_layouts():
    assert run_layout.TRAJECTORY_SUFFIX == ".traj.json"
    assert run_layout.pair_trajectory(3, "editing") == "3.editing.traj.json"
    assert run_layout.SELECTION_TRAJECTORY == "selection.traj.json"


def test_no_module_but_the_layout_spells_a_run_file_name():
    names = file_names()
    assert {"candidates.jsonl", "preds.jsonl", "selection.json", "votes.jsonl", "selection.traj.json"} <= names
    spelled = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == LAYOUT:
                continue
            rel = path.relative_to(ROOT).as_posix()
            spelled += [f"{rel}: {text!r}" for text in spelled_names(path, names)
                        if (rel, text) not in OTHER_THINGS_OF_THE_SAME_NAME]
    assert spelled == []


def test_the_scan_sees_names_in_code_and_not_in_docstrings(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('"""Reads preds.jsonl."""\nX = 1\n"""preds.jsonl too."""\n'
                      'def f(root, pair):\n    """solve.json"""\n    return root / "solve.json", f"{pair}.editing.traj.json"\n')
    assert spelled_names(source, {"solve.json", "preds.jsonl"}) == ["solve.json", ".editing.traj.json"]
