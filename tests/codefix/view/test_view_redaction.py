"""The viewer's page and what `view --serve` sends go through redaction like every artefact: the
issue text from the dataset (packed gzip+base64 in view.html, where a grep of the file cannot see
it) and the run's files served as they are."""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import urllib.request

import pytest

from codefix.cli.commands.view import selection_keys
from codefix.core.redaction import redact, secret_values
from codefix.view.page import build_view
from codefix.view.server import LiveRun, make_server

SECRET = "sk-live-0123456789<abc>&def"
ID = "acme__widget-1"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEFIX_TEST_API_KEY", SECRET)
    inst = tmp_path / "run" / ID
    inst.mkdir(parents=True)
    (inst / "solve.json").write_text(json.dumps({"instance_id": ID, "status": "no_candidates", "patch": "",
                                                 "note": f"written before redaction: {SECRET}"}))
    return tmp_path / "run"


def unpacked(page: str) -> str:
    """view.html with every gzip+base64 block inflated."""
    blocks = re.findall(r'data-encoding="gzip\+base64"[^>]*>([^<]*)<', page)
    assert blocks
    return page + "".join(gzip.decompress(base64.b64decode(b)).decode("utf-8") for b in blocks)


def test_view_html_holds_no_secret_of_the_issue_text_even_inside_its_packed_blocks(run):
    stats = build_view(run, selection_keys(), issues={ID: f"Crash when the key is {SECRET}\n"})
    page = unpacked(stats.path.read_text())
    assert "Crash when the key is" in page
    escaped = json.dumps(SECRET)[1:-1]
    for form in (SECRET, escaped, SECRET.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")):
        assert form not in page


def test_served_pages_api_answers_and_run_files_hold_no_secret(run):
    server = make_server(LiveRun(run, selection_keys(), issues={ID: f"key {SECRET}"}), 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for path in ("", "api/run", f"api/instance/{ID}", f"{ID}/solve.json"):
            with urllib.request.urlopen(base + path, timeout=30) as resp:
                body = resp.read().decode("utf-8")
            assert resp.status == 200 and SECRET not in body and json.dumps(SECRET)[1:-1] not in body, path
            assert "\\u003cabc" not in body, path
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("name", ["GITHUB_PAT", "DB_PASS", "MYSQL_PWD", "SMTP_PASSWD", "AWS_CREDENTIALS",
                                  "PASS", "GPG_PASSPHRASE", "GH_PAT_TOKEN"])
def test_more_secret_names_are_redacted(name):
    assert redact("v=abcdefgh12345", {name: "abcdefgh12345"}) == "v=***"


@pytest.mark.parametrize("name", ["PWD", "OLDPWD", "PATH", "PATHEXT", "COMPASS_DIR", "PYTHONPATH"])
def test_names_that_only_look_alike_are_not(name):
    assert secret_values({name: "/usr/local/bin:/usr/bin"}) == []


def test_passwords_in_urls_and_dsns_of_any_variable_are_redacted():
    env = {"DATABASE_URL": "postgres://app:pw1@db:5432/x", "BROKER": "amqp://guest:longerpassword@mq//",
           "PG_DSN": "host=db port=5432 password=hunter2hunter dbname=x", "HOME": "/root"}
    text = "tried postgres://app:pw1@db:5432/x, amqp://guest:longerpassword@mq// and hunter2hunter; pw1 is fine"
    assert redact(text, env) == "tried postgres://app:***@db:5432/x, amqp://guest:***@mq// and ***; pw1 is fine"
    assert redact("https://example.org/a:b@c", {"X_URL": "https://example.org/a"}) == "https://example.org/a:b@c"


def test_the_server_answers_only_to_its_own_host_name_and_closes_idle_connections(run):
    import socket

    server = make_server(LiveRun(run, selection_keys()), 0, idle_seconds=0.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    assert server.request_queue_size >= 64
    try:
        def status(host: str) -> int:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(f"GET /api/version HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                return int(sock.makefile("rb").readline().split()[1])

        assert status(f"127.0.0.1:{port}") == 200 and status("localhost") == 200 and status(f"LOCALHOST:{port}") == 200
        assert status(f"evil.example:{port}") == 403 and status("127.0.0.1.evil.example") == 403
        assert server.RequestHandlerClass.timeout == 0.5
        # closed by the server (recv reads the end of the stream), not by our own timeout, which
        # is long enough for a loaded machine: the invariant is the close, not how fast it comes
        idle = socket.create_connection(("127.0.0.1", port), timeout=120)
        assert idle.recv(1) == b""
        idle.close()
    finally:
        server.shutdown()
        server.server_close()
