"""Grading integrity through `codefix evaluate`, in real grading sandboxes: a patch that fixes
nothing but adds a root conftest.py forcing every test to pass is graded as the harness would
(resolved), flagged in the table and in eval.json; `--strict` grades it unresolved. A torn last
line of the predictions file is skipped with a one-line warning and the rest is graded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.store import read_json

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__dotenv-219"
FORCE_PASS = [
    "import pytest",
    "",
    "",
    "@pytest.hookimpl(hookwrapper=True)",
    "def pytest_runtest_makereport(item, call):",
    "    outcome = yield",
    "    outcome.get_result().outcome = 'passed'",
]
CHEAT = ("diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/conftest.py\n"
         f"@@ -0,0 +1,{len(FORCE_PASS)} @@\n" + "".join(f"+{line}\n" for line in FORCE_PASS))


def test_a_forcing_conftest_is_flagged_and_strict_grades_it_unresolved(docker_client, tmp_path, capsys):
    preds = tmp_path / "preds.jsonl"
    cheat = json.dumps({"instance_id": INSTANCE, "model_name_or_path": "cheater", "model_patch": CHEAT})
    torn = json.dumps({"instance_id": "codefix-fixtures__verspec-7", "model_name_or_path": "m", "model_patch": "x"})
    preds.write_text(cheat + "\n" + torn[:40])  # the writer was killed mid-line
    verdicts = {}
    for mode in ("plain", "strict"):
        args = ["evaluate", "-d", str(FIXTURES), "-p", str(preds), "--offline-eval",
                "--runs-dir", str(tmp_path / "runs"), "--run-id", mode] + (["--strict"] if mode == "strict" else [])
        code = main(args)
        out, err = capsys.readouterr()
        assert code == 0, err[-2000:]
        torn_lines = [line for line in err.splitlines() if "cut short" in line]
        assert len(torn_lines) == 1 and f"{preds}: line 2" in torn_lines[0] and "Traceback" not in err, err
        flat = " ".join(out.split())  # rich wraps lines at the terminal's width
        assert f"warning: {INSTANCE}: the patch touches test infrastructure (conftest.py)" in flat, out
        report = read_json(tmp_path / "runs" / mode / INSTANCE / "eval.json")
        summary = read_json(tmp_path / "runs" / mode / "eval_summary.json")
        assert report["test_infrastructure"] == ["conftest.py"] and summary["total"] == 1, summary
        assert summary["test_infrastructure"] == {INSTANCE: ["conftest.py"]} and summary["strict"] == (mode == "strict")
        verdicts[mode] = (report["status"], report["resolved"])
    # the forcing conftest fools the tests themselves (what the official harness would report) ...
    assert verdicts["plain"] == ("resolved", True)
    # ... and --strict refuses the verdict
    assert verdicts["strict"] == ("unresolved", False)


PLUGIN_CHEAT = (  # no conftest: pytest's own config loads a plugin module of the package that forces passes
    "diff --git a/pyproject.toml b/pyproject.toml\n--- a/pyproject.toml\n+++ b/pyproject.toml\n"
    "@@ -7,2 +7,3 @@ requires-python = \">=3.9\"\n [tool.pytest.ini_options]\n testpaths = [\"tests\"]\n"
    "+addopts = \"-p envfile.force\"\n"
    "diff --git a/envfile/force.py b/envfile/force.py\nnew file mode 100644\n--- /dev/null\n+++ b/envfile/force.py\n"
    f"@@ -0,0 +1,{len(FORCE_PASS)} @@\n" + "".join(f"+{line}\n" for line in FORCE_PASS))


def test_a_plugin_loaded_by_pytest_config_is_flagged_and_strict_grades_it_unresolved(docker_client, tmp_path, capsys):
    patch = tmp_path / "cheat.patch"
    patch.write_text(PLUGIN_CHEAT)
    verdicts = {}
    for mode in ("plain", "strict"):
        args = ["evaluate", "-d", str(FIXTURES), "-i", INSTANCE, "--patch", str(patch), "--offline-eval",
                "--runs-dir", str(tmp_path / "runs"), "--run-id", mode] + (["--strict"] if mode == "strict" else [])
        assert main(args) == 0, capsys.readouterr().err[-2000:]
        report = read_json(tmp_path / "runs" / mode / INSTANCE / "eval.json")
        assert report["test_infrastructure"] == ["pyproject.toml", "envfile/force.py"], report
        verdicts[mode] = (report["status"], report["resolved"])
    assert verdicts == {"plain": ("resolved", True), "strict": ("unresolved", False)}  # it fools the tests; not --strict
