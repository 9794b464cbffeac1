"""Damaged, partial and older runs render with the problem named (never a crash); hostile text in a
reply stays text; the size cap leaves instance pages out and the per-instance export brings one back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codefix.cli.commands.view import selection_keys
from codefix.view.embed import json_for_script
from codefix.view.page import build_view, run_data
from tests.codefix.view.page_helpers import build, js, open_details, open_instance, open_run, page_problem
from tests.codefix.view.real_runs import WRONG_IDS

pytestmark = pytest.mark.docker
A, B = WRONG_IDS


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_a_truncated_trajectory_and_a_batch_still_running_are_named_in_the_page(run_copy, browser):
    run = run_copy("wrong")
    cut = run / A / "trajectories" / "1.editing.traj.json"
    cut.write_text(cut.read_text()[: len(cut.read_text()) // 2])
    (run / "batch.json").unlink()
    for name in ("solve.json", "eval.json", "selection.json"):
        (run / B / name).unlink()
    shutil.rmtree(run / B / "selection")  # the batch is still generating: selection never started
    edit_json(run / B / "batch_status.json", lambda d: d.update(status="running", stage="generation stage (3 pair(s))",
                                                                seconds=None, finished=None))
    edit_json(run / B / "trajectories" / "2.editing.traj.json", lambda d: d.update(status="running"))
    open_run(browser, build(run).as_uri())
    assert page_problem(browser) is None
    assert "batch still running or interrupted" in js(browser, "return document.querySelector('#in-progress').textContent;")
    row_a = js(browser, f"return document.querySelector('tr[data-id=\"{A}\"] td.notes').textContent;")
    assert "trajectories/1.editing.traj.json: damaged: JSON cut short" in js(
        browser, f"return document.querySelector('tr[data-id=\"{A}\"] .warn').title;") and "1 problem(s)" in row_a
    row_b = js(browser, f"return document.querySelector('tr[data-id=\"{B}\"]').textContent;")
    assert "running" in row_b and "now: generation stage (3 pair(s))" in row_b

    open_instance(browser, A)
    assert page_problem(browser) is None
    problems = js(browser, "return document.querySelector('.problems').textContent;")
    assert "trajectories/1.editing.traj.json: damaged: JSON cut short" in problems
    open_details(browser, 'details.pair[data-pair="1"]')
    lane = js(browser, "return document.querySelector('details.pair[data-pair=\"1\"] .lane.damaged').textContent;")
    assert "JSON cut short" in lane
    assert js(browser, "return document.querySelectorAll('details.pair[data-pair=\"1\"] .lane[data-stage=testing] li.step').length;") >= 1

    open_instance(browser, B)
    missing = js(browser, "return [...document.querySelectorAll('.missing')].map(e => e.textContent).join(' | ');")
    for name in ("solve.json", "selection.json", "eval.json"):
        assert name in missing
    open_details(browser, 'details.pair[data-pair="2"]')
    assert "still running" in js(browser, "return document.querySelector('details.pair[data-pair=\"2\"] .lane[data-stage=editing]').textContent;")


def test_an_older_run_without_newer_keys_renders_with_the_gaps_shown(run_copy, browser):
    run = run_copy("wrong")
    for inst in WRONG_IDS:
        (run / inst / "ledger.json").unlink()
        (run / inst / "batch_status.json").unlink()
        edit_json(run / inst / "context.json", lambda d: d.pop("recall"))
        rows = [json.loads(line) for line in (run / inst / "candidates.jsonl").read_text().splitlines()]
        (run / inst / "candidates.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "pair"}) + "\n"
                                                             for r in rows))
        for traj in (run / inst / "trajectories").glob("*.editing.traj.json"):
            edit_json(traj, lambda d: [s.pop("patch", None) for s in d["steps"]])
    (run / "batch.json").unlink()
    open_run(browser, build(run).as_uri())
    assert page_problem(browser) is None
    assert js(browser, "return document.querySelector('header .sub').textContent;").startswith("solve run")
    assert js(browser, "return document.querySelector('#funnel g[data-key=recall]').dataset.known;") == "0"
    assert "ledger.json" in js(browser, "return document.querySelector('#cost-card .missing').textContent;")
    open_instance(browser, A)
    assert page_problem(browser) is None
    assert "ledger.json" in js(browser, "return document.querySelector('#status').textContent;")
    assert js(browser, "return document.querySelectorAll('details.pair').length;") == 3


def test_a_hostile_reply_stays_text(run_copy, browser):
    run = run_copy("wrong")
    hostile = ('</script><script>document.body.dataset.pwned = "1"</script>'
               '<img src=x onerror="document.body.dataset.pwned = 2"><!-- {{JS}} &amp;')
    edit_json(run / A / "trajectories" / "0.editing.traj.json",
              lambda d: next(m for m in d["messages"] if m["role"] == "assistant").update(content=hostile))
    page = build(run)
    assert "</script><script>document.body" not in page.read_text()
    open_run(browser, page.as_uri())
    open_instance(browser, A)
    open_details(browser, 'details.pair[data-pair="0"]')
    reply = 'details.pair[data-pair="0"] .lane[data-stage=editing] li.step[data-call="1"] details[data-part=reply]'
    open_details(browser, reply)
    assert js(browser, f"return document.querySelector('{reply} pre.reply').textContent;").strip() == hostile
    assert js(browser, f"return document.querySelectorAll('{reply} pre.reply img, {reply} pre.reply script').length;") == 0
    assert js(browser, "return document.body.dataset.pwned === undefined;")


def test_the_size_cap_leaves_instance_pages_out_and_the_export_brings_one_back(run_copy, browser):
    run = run_copy("wrong")
    tiny = len(json_for_script(run_data(run, "file"))) + 300_000 + 1000
    stats = build_view(run, selection_keys(), max_bytes=tiny)
    assert stats.embedded == [] and stats.left_out == sorted(WRONG_IDS) and stats.bytes <= tiny
    open_run(browser, stats.path.as_uri())
    assert "not embedded in this file" in js(browser, "return document.querySelector('#size-cap').textContent;")
    open_instance(browser, A)
    assert f"--instance {A}" in js(browser, "return document.querySelector('#not-embedded').textContent;")

    export = build(run, "--instance", A)
    assert export == run / f"view-{A}.html"
    open_run(browser, export.as_uri())
    open_instance(browser, A)
    assert page_problem(browser) is None
    assert js(browser, "return document.querySelectorAll('details.pair').length;") == 3
