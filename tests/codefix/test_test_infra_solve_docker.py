"""Grading integrity in `codefix solve` (real sandboxes, a replayed model): a candidate that fixes
the bug *and* adds a root conftest.py forcing passes wins every vote the real fix wins, yet
selection never prefers it for that; when it is the only candidate it is chosen but flagged in
solve.json and on screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.datasets import load_dataset
from codefix.core.store import read_json

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__dotenv-219"
CONFTEST = ("```python\nconftest.py\n<<<<<<< SEARCH\n=======\nimport pytest\n\n\n"
            "@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
            "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n>>>>>>> REPLACE\n```\n")
NOTES = ("```python\nenvfile/parser.py\n<<<<<<< SEARCH\nfrom __future__ import annotations\n=======\n"
         + "".join(f"# note {i}: quoted values may hold '#'\n" for i in range(12))
         + "from __future__ import annotations\n>>>>>>> REPLACE\n```\n")
"""Comment lines that make the honest fix's diff longer than the cheat's: without the rule, the
tie on votes would go to the shorter diff, the cheat."""


def solve(tmp_path: Path, run_id: str, edits: list[str]) -> tuple[dict, str]:
    from agent.models.test_doubles.gold_answers.testing import reproduction_script

    inst = load_dataset(FIXTURES).get(INSTANCE)
    entries = [{"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True},
               {"stage": "ranking", "reply": "```\n```", "repeat": True}]
    for edit in edits:
        entries += [{"stage": "testing", "reply": f"<test>\n{reproduction_script(inst)}</test>\n"},
                    {"stage": "testing", "reply": "ACCEPT"},
                    {"stage": "editing", "reply": edit}, {"stage": "editing", "reply": "ACCEPT"}]
    script = tmp_path / f"{run_id}.json"
    script.write_text(json.dumps(entries))
    code = main(["solve", "-d", str(FIXTURES), "-i", INSTANCE, "-m", f"replay:{script}", "-n", str(len(edits)),
                 "-w", "1", "--runs-dir", str(tmp_path / "runs"), "--run-id", run_id])
    return code, read_json(tmp_path / "runs" / run_id / INSTANCE / "solve.json")


def test_a_fix_with_a_forcing_conftest_never_wins_for_it_and_alone_is_flagged(docker_client, tmp_path, capsys):
    from agent.models.test_doubles.gold_answers.editing import patch_to_blocks

    fix = patch_to_blocks(load_dataset(FIXTURES).get(INSTANCE).patch)
    code, both = solve(tmp_path, "both", [fix + CONFTEST, fix + NOTES])
    out = capsys.readouterr()
    assert code == 0, out.err[-3000:]
    assert "conftest.py" not in both["patch"] and "_split_quoted" in both["patch"] and "# note 11" in both["patch"], both
    assert both["test_infrastructure"] == []
    selection = read_json(tmp_path / "runs" / "both" / INSTANCE / "selection.json")
    assert list(selection["test_infrastructure"].values()) == [["conftest.py"]]
    pairs = [json.loads(line) for line in (tmp_path / "runs" / "both" / INSTANCE / "candidates.jsonl").read_text().splitlines()]
    cheat = next(p["patch"] for p in pairs if "conftest.py" in p["patch"])
    assert len(cheat) < len(both["patch"])  # the cheat's diff is the shorter one, and it won no less votes

    code, alone = solve(tmp_path, "alone", [fix + CONFTEST])
    out = capsys.readouterr()
    assert code == 0, out.err[-3000:]
    assert "+++ b/conftest.py" in alone["patch"] and alone["test_infrastructure"] == ["conftest.py"], alone
    assert "warning: the patch touches test infrastructure (conftest.py)" in out.err, out.err[-2000:]
