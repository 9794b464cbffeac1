"""`codefix view` of real runs rendered in headless Chromium: the run page's funnel and instance
table, one pair's timeline and the voting matrix checked against the run's files; lazy outputs;
solve, batch and ensemble runs; screenshots. (Damaged runs, hostile text, the size cap and the
served view: test_view_damaged.py and test_view_served.py.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from codefix.reporting.collect import build_report
from tests.codefix.view.page_helpers import build, js, open_details, open_instance, open_run, page_problem
from tests.codefix.view.real_runs import ENSEMBLE_ID, GOLD_ID, read_jsonl

pytestmark = pytest.mark.docker

SHOTS = Path(os.environ.get("CODEFIX_VIEW_SCREENSHOTS", "")) if os.environ.get("CODEFIX_VIEW_SCREENSHOTS") else None
"""Set to a folder (e.g. docs/) to keep the screenshots the README shows."""


def shot(browser, tmp_path: Path, name: str) -> Path:
    path = browser.screenshot(tmp_path / name)
    assert path.stat().st_size > 20_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / name).write_bytes(path.read_bytes())
    return path


def funnel_counts(browser) -> dict:
    return js(browser, "return Object.fromEntries([...document.querySelectorAll('#funnel g[data-key]')]"
                       ".map(g => [g.dataset.key, [Number(g.dataset.count), Number(g.dataset.known)]]));")


def test_run_page_of_a_batch_shows_the_funnel_and_instance_table_of_its_files(view_runs, browser, tmp_path):
    run = view_runs["wrong"]
    page = build(run)
    assert page == run / "view.html"
    open_run(browser, page.as_uri())
    assert page_problem(browser) is None
    report = build_report(run)["funnel"]
    dirs = sorted(d.name for d in run.iterdir() if (d / "solve.json").is_file())
    evals = {d: json.loads((run / d / "eval.json").read_text()) for d in dirs}
    solves = {d: json.loads((run / d / "solve.json").read_text()) for d in dirs}
    assert funnel_counts(browser) == {
        "instances": [len(dirs), len(dirs)],
        "recall": [report["context_recall"]["full"], report["context_recall"]["known"]],
        "coverage": [report["coverage"]["yes"], report["coverage"]["known"]],
        "selected": [sum(1 for s in solves.values() if s["patch"]), len(dirs)],
        "resolved": [sum(e["resolved"] for e in evals.values()), len(dirs)],
    }
    rows = js(browser, "return [...document.querySelectorAll('#instances tbody tr')].map(tr => ({id: tr.dataset.id, "
                       "status: tr.dataset.status, resolved: tr.dataset.resolved, "
                       "candidates: tr.querySelector('[data-col=candidates]').textContent, "
                       "cost: tr.querySelector('[data-col=cost]').textContent}));")
    assert [r["id"] for r in rows] == dirs
    for r in rows:
        status = json.loads((run / r["id"] / "batch_status.json").read_text())["status"]
        ledger = json.loads((run / r["id"] / "ledger.json").read_text())
        assert (r["status"], r["resolved"], r["candidates"]) == (status, str(evals[r["id"]]["resolved"]).lower(),
                                                                   str(solves[r["id"]]["candidates"]))
        assert r["cost"] == f"${ledger['totals']['cost']:.4f}"
    assert js(browser, "return document.querySelector('#cost-by-stage').textContent").count("$") >= 5
    shot(browser, tmp_path, "view-run-page.png")
    # sorting by cost (twice: descending) and filtering by text
    js(browser, "document.querySelector('th[data-key=cost]').click(); document.querySelector('th[data-key=cost]').click(); return 1;")
    costs = js(browser, "return [...document.querySelectorAll('#instances tbody [data-col=cost]')].map(td => Number(td.textContent.slice(1)));")
    assert costs == sorted(costs, reverse=True)
    js(browser, f"const i = document.querySelector('input[name=text]'); i.value = {json.dumps(dirs[1][-6:])};"
                " i.dispatchEvent(new Event('input')); return 1;")
    assert js(browser, "return [...document.querySelectorAll('#instances tbody tr')].map(tr => tr.dataset.id);") == [dirs[1]]


def voted_instance(run: Path) -> str:
    """An instance of the run whose selection voted among several candidates."""
    for d in sorted(run.iterdir()):
        if any(d.glob("selection/*/votes.jsonl")):
            return d.name
    raise AssertionError("no instance voted")


def test_instance_page_shows_a_pairs_timeline_and_the_voting_matrix_of_its_files(view_runs, browser, tmp_path):
    run = view_runs["wrong"]
    build(run)
    open_run(browser, (run / "view.html").as_uri())
    iid = voted_instance(run)
    open_instance(browser, iid)
    assert page_problem(browser) is None
    # one pair's timeline against its trajectories: calls, format re-asks, before/after exit codes
    record = json.loads((run / iid / "trajectories" / "1.editing.traj.json").read_text())
    testing = json.loads((run / iid / "trajectories" / "1.testing.traj.json").read_text())
    open_details(browser, 'details.pair[data-pair="1"]')
    lane = 'details.pair[data-pair="1"] .lane[data-stage="{}"] li.step'
    steps = js(browser, f"return [...document.querySelectorAll('{lane.format('editing')}')].map(li => ({{call: Number(li.dataset.call), "
                        "reask: li.dataset.formatError, before: (li.querySelector('[data-run^=before]') || {dataset: {}}).dataset.exit, "
                        "after: (li.querySelector('[data-run^=after]') || {dataset: {}}).dataset.exit}));")
    assert [s["call"] for s in steps] == list(range(1, record["calls"] + 1))
    by_call = {s["call"]: s for s in record["steps"]}
    for s in steps:
        src = by_call[s["call"]]
        assert s["reask"] == ("1" if src["format_error"] else "0")
        assert s.get("before") == (str(src["before"]["exit_code"]) if "before" in src else None)
        assert s.get("after") == (str(src["after"]["exit_code"]) if "after" in src else None)
    assert js(browser, f"return document.querySelectorAll('{lane.format('testing')}').length;") == testing["calls"]
    # large outputs are collapsed: the output is not in the DOM until its block is opened
    first_before = f"{lane.format('editing')} details[data-run^=before]"
    assert js(browser, f"return document.querySelector('{first_before}').querySelector('pre') === null;")
    open_details(browser, first_before)
    shown = js(browser, f"return document.querySelector('{first_before} pre.output').textContent;")
    expected = record["steps"][0]["before"]["output"]
    assert shown[:200] == expected[:200] and shown.endswith(expected[-200:])
    # the voting matrix against votes.jsonl: every cell, the unedited row, greyed columns
    votes = read_jsonl(next((run / iid).glob("selection/*/votes.jsonl")))
    cells = js(browser, "return [...document.querySelectorAll('#voting-matrix td.cell')].map(td => "
                        "[td.dataset.candidate, td.dataset.test, td.dataset.outcome, td.classList.contains('greyed')]);")
    table = {(v["candidate"], v["test"]): v["outcome"] for v in votes}
    assert {(c, t): o for c, t, o, _ in cells if o} == table
    passes_unedited = {t for (c, t), o in table.items() if c == "unedited" and o == "pass"}
    assert all(grey == (t in passes_unedited) for _, t, _, grey in cells)
    selection = json.loads((run / iid / "selection.json").read_text())
    winner_row = js(browser, "return document.querySelector('#voting-matrix tr[data-candidate] .badge.good')"
                             ".closest('tr').dataset.candidate;")
    assert winner_row == selection["winner"]
    sel_calls = js(browser, "return document.querySelectorAll('#selection .lane li.step').length;")
    assert sel_calls == json.loads(next((run / iid).glob("selection/*/trajectories/selection.traj.json")).read_text())["calls"]
    shot(browser, tmp_path, "view-instance-page.png")


def test_solve_and_ensemble_runs_render_with_their_own_pieces(view_runs, browser):
    gold = view_runs["gold"]
    build(gold)
    open_run(browser, (gold / "view.html").as_uri())
    assert js(browser, "return document.querySelector('header .sub').textContent;").startswith("solve run")
    browser.open("about:blank")
    browser.open((gold / "view.html").as_uri() + "#/i/" + GOLD_ID)  # an instance page opened directly
    browser.wait_for(f"document.body.dataset.ready === 'instance' && document.body.dataset.instance === '{GOLD_ID}'")
    assert page_problem(browser) is None
    evaluation = json.loads((gold / GOLD_ID / "eval.json").read_text())
    listed = js(browser, "return [...document.querySelectorAll('[data-group=FAIL_TO_PASS] li')].map(li => li.textContent.slice(2));")
    assert sorted(listed) == sorted(evaluation["fail_to_pass"]["success"] + evaluation["fail_to_pass"]["failure"])
    assert js(browser, "return document.querySelectorAll('ol.candidates > li').length;") == 1
    assert "one candidate, nothing to choose" in js(browser, "return document.querySelector('#selection').textContent;")

    ens = view_runs["ensemble"]
    build(ens)
    open_run(browser, (ens / "view.html").as_uri())
    assert js(browser, "return document.querySelector('header .sub').textContent;").startswith("ensemble run")
    assert js(browser, "return !!document.querySelector('#ensemble-card');")
    open_instance(browser, ENSEMBLE_ID)
    pool = json.loads((ens / ENSEMBLE_ID / "pool.json").read_text())
    members = js(browser, "return Object.fromEntries([...document.querySelectorAll('ol.candidates > li')]"
                          ".map(li => [li.dataset.candidate, li.querySelector('.small').textContent]));")
    assert members == {c["id"]: "members: " + ", ".join(c["sources"]) for c in pool["candidates"]}
    winner = json.loads((ens / ENSEMBLE_ID / "selection.json").read_text())["winner"]
    assert js(browser, f"return !!document.querySelector('ol.candidates > li[data-candidate=\"{winner}\"] .badge.good');")
