"""Fresh means fresh: a corpus of hostile reproduction scripts run through `codefix generate` with
a replayed model, each followed by a probe pair on the same pooled sandbox (one worker). The
probe must see exactly what a probe sees in a brand-new sandbox, its correct test must still
fail on the unfixed repository, and the files it reads must be the base commit's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.datasets import load_dataset
from codefix.core.store import read_json
from tests.codefix.hostile_scripts import HOSTILE, PROBE, QUICK_TEST

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__dotenv-219"
EDITED = "envfile/parser.py"


def tagged(body: str) -> str:
    return f"<test>\n{body}</test>\n"


def test_no_hostile_script_changes_what_the_next_pair_on_the_pooled_sandbox_sees(docker_client, tmp_path, capsys):
    from agent.models.test_doubles.gold_answers.editing import patch_to_blocks
    from agent.models.test_doubles.gold_answers.testing import reproduction_script

    inst = load_dataset(FIXTURES).get(INSTANCE)
    probe = PROBE + reproduction_script(inst)
    edit = patch_to_blocks(inst.patch) + tagged(PROBE + QUICK_TEST)
    names = list(HOSTILE)
    entries = [{"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True},
               {"stage": "ranking", "reply": "```\n```", "repeat": True}]

    def pair(testing: str, editing: str) -> None:
        entries.extend([{"stage": "testing", "reply": tagged(testing)}, {"stage": "testing", "reply": "ACCEPT"},
                        {"stage": "editing", "reply": editing}, {"stage": "editing", "reply": "ACCEPT"}])

    pair(probe, edit)  # pair 0: the baseline, on a brand-new sandbox
    for name in names:  # then each hostile script, and a probe on the same (reset) sandbox
        pair(HOSTILE[name], "ACCEPT")
        pair(probe, edit)
    script = tmp_path / "hostile.json"
    script.write_text(json.dumps(entries))
    samples = 1 + 2 * len(names)
    code = main(["generate", "-d", str(FIXTURES), "-i", INSTANCE, "-m", f"replay:{script}", "-n", str(samples),
                 "-k", "2", "-w", "1", "--script-timeout", "60", "--runs-dir", str(tmp_path / "runs"), "--run-id", "hostile"])
    assert code == 0, capsys.readouterr().err
    out = tmp_path / "runs" / "hostile" / INSTANCE / "trajectories"
    base_text = (ROOT / "data" / "fixtures" / "dotenv" / EDITED).read_text()

    def probe_of(pair_index: int) -> dict:
        testing = read_json(out / f"{pair_index}.testing.traj.json")["steps"][0]["run"]
        editing = read_json(out / f"{pair_index}.editing.traj.json")
        before, after = editing["steps"][0]["before"], editing["steps"][0]["after"]
        return {"seen": [line for line in testing["output"].splitlines() if line.startswith("PROBE ")],
                "seen_before_edit": [line for line in before["output"].splitlines() if line.startswith("PROBE ")],
                "exits": (testing["exit_code"], before["exit_code"], after["exit_code"]),
                "read": editing["task_state"]["originals"][EDITED]}

    baseline = probe_of(0)
    assert len(baseline["seen"]) == PROBE.count('print("PROBE') and baseline["seen"] == baseline["seen_before_edit"]
    assert baseline["exits"] == (2, 2, 0) and baseline["read"] == base_text
    failures = {}
    for i, name in enumerate(names):
        seen = probe_of(2 + 2 * i)
        if seen != baseline:
            diff = {k: (baseline[k], seen[k]) for k in seen if seen[k] != baseline[k]}
            failures[name] = {k: v if k == "exits" else [x for x in v[1] if x not in v[0]] if isinstance(v[1], list) else "differs"
                              for k, v in diff.items()}
    assert not failures, json.dumps(failures, indent=1)
