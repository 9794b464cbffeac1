"""`codefix view --serve`: the page served on 127.0.0.1 carries only the run's data, instance data
is fetched on demand, a change in the run directory redraws the page (live refresh), and nothing
outside the run directory is served."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from codefix.cli.commands.view import selection_keys
from codefix.view.server import LiveRun, make_server
from tests.codefix.view.page_helpers import js, open_instance, open_run, page_problem
from tests.codefix.view.real_runs import WRONG_IDS

pytestmark = pytest.mark.docker
A, B = WRONG_IDS


@pytest.fixture
def served(run_copy):
    run = run_copy("wrong")
    server = make_server(LiveRun(run, selection_keys()), 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield run, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_served_view_loads_instances_on_demand_and_refreshes_live(served, browser):
    run, url = served
    open_run(browser, url)
    assert page_problem(browser) is None
    assert js(browser, "return document.querySelectorAll('script[id^=codefix-instance]').length;") == 0
    assert js(browser, "return document.querySelectorAll('#instances tbody tr').length;") == 2
    browser.wait_for("document.body.dataset.live === 'on'")
    open_instance(browser, A)
    assert page_problem(browser) is None
    assert js(browser, "return document.querySelectorAll('details.pair').length;") == 3
    browser.eval("location.hash = '#/'")
    browser.wait_for("document.body.dataset.ready === 'run'")

    status = run / B / "batch_status.json"
    data = json.loads(status.read_text())
    status.write_text(json.dumps({**data, "status": "running", "stage": "selection stage"}))
    browser.wait_for("Number(document.body.dataset.refreshes || 0) >= 1", timeout=30)
    browser.wait_for(f"document.querySelector('tr[data-id=\"{B}\"]').dataset.status === 'running'", timeout=30)
    assert "now: selection stage" in js(browser, f"return document.querySelector('tr[data-id=\"{B}\"]').textContent;")


def test_served_files_stay_inside_the_run_directory(served):
    run, url = served
    code, body = get(url + f"{A}/solve.json")
    assert code == 200 and json.loads(body)["instance_id"] == A
    assert get(url + "..%2F..%2F..%2Fetc%2Fpasswd")[0] == 404
    assert get(url + "api/instance/..%2F..%2Fetc")[0] == 404
    code, body = get(url + "api/instance/" + A)
    assert code == 200 and json.loads(body)["id"] == A
