"""`codefix view --serve`: the view of a run served on 127.0.0.1, its data read live.

Routes: `/` (the page, carrying the run data; instance data is fetched on demand),
`/api/version` (a fingerprint of the run directory that the page polls for live refresh),
`/api/run`, `/api/instance/<id>`, and the run's own files at their paths (the page links them;
served as plain text, never outside the run directory). Rows and fingerprints are cached per
instance folder, so a refresh while a batch runs re-reads only the instances that changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from codefix.core.redaction import redact
from codefix.view.embed import data_block, page_html
from codefix.view.instance_data import Keys
from codefix.view.page import SERVED_LIMIT, run_data, safe_instance, safe_row
from codefix.view.run_data import instance_dirs

POLL_MS = 2000
IDLE_SECONDS = 30.0
"""A connection that sends nothing for this long is closed (its thread ends)."""
BACKLOG = 128
"""Connections the listening socket queues while every thread is busy."""
HOSTS = frozenset({"127.0.0.1", "localhost"})
"""The Host header a request must carry (with any port): another name pointing at 127.0.0.1 is a
page of another site reading the run through the browser (DNS rebinding)."""


def allowed_host(header: str | None) -> bool:
    """Whether a request's Host header names this server (127.0.0.1 or localhost, any port)."""
    if not header:
        return False
    host = header.strip().lower()
    name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    return name in HOSTS and (port == "" or port.isdigit())


def fingerprint(path: Path) -> str:
    """Changes whenever a file below `path` is added, removed, rewritten or resized."""
    digest = hashlib.sha1()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            digest.update(f"{root}/{name}:{st.st_mtime_ns}:{st.st_size};".encode())
    return digest.hexdigest()[:16]


class LiveRun:
    """The run's data, recomputed per instance only when that instance's folder changed."""

    def __init__(self, run_dir: Path, keys: Keys, issues: dict[str, str] | None = None):
        self.run_dir = Path(run_dir)
        self.keys = keys
        self.issues = issues or {}
        self._rows: dict[str, tuple[str, dict]] = {}
        self._lock = threading.Lock()

    def version(self) -> str:
        top = [f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in sorted(self.run_dir.iterdir())
               if p.is_file() and not p.name.startswith(("view", "."))]
        dirs = [f"{d.name}:{fingerprint(d)}" for d in instance_dirs(self.run_dir)]
        return hashlib.sha1("|".join(top + dirs).encode()).hexdigest()[:16]

    def run(self) -> dict:
        rows = []
        with self._lock:
            for d in instance_dirs(self.run_dir):
                mark = fingerprint(d)
                cached = self._rows.get(d.name)
                if cached is None or cached[0] != mark:
                    cached = self._rows[d.name] = (mark, safe_row(d))
                rows.append(cached[1])
        data = run_data(self.run_dir, "served", rows)
        data["poll_ms"] = POLL_MS
        return data

    def instance(self, instance_id: str) -> dict | None:
        target = self.run_dir / instance_id
        if "/" in instance_id or instance_id.startswith(".") or target not in instance_dirs(self.run_dir):
            return None
        return safe_instance(target, self.keys, limit=SERVED_LIMIT, issue=self.issues.get(instance_id))

    def page(self) -> str:
        return page_html(f"codefix view: {self.run_dir.name} (live)", [data_block("codefix-run", self.run())])


def make_server(live: LiveRun, port: int = 0, idle_seconds: float = IDLE_SECONDS) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:`port` (0: any free port; see `server.server_address`)."""

    class Handler(BaseHTTPRequestHandler):
        timeout = idle_seconds  # the socket's timeout: an idle connection is closed

        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            path = unquote(urlsplit(self.path).path)
            if not allowed_host(self.headers.get("Host")):
                return self._send(403, "this server answers to 127.0.0.1 and localhost only", "text/plain")
            try:
                if path in ("/", "/index.html", "/view.html"):
                    return self._send(200, live.page(), "text/html")
                if path == "/api/version":
                    return self._send(200, json.dumps({"version": live.version()}), "application/json")
                if path == "/api/run":
                    return self._send(200, json.dumps(live.run(), default=str), "application/json")
                if path.startswith("/api/instance/"):
                    data = live.instance(path[len("/api/instance/"):])
                    if data is None:
                        return self._send(404, "no such instance in this run", "text/plain")
                    return self._send(200, json.dumps(data, default=str), "application/json")
                return self._file(path)
            except Exception as exc:  # the page shows what failed; the server keeps serving
                return self._send(500, f"{type(exc).__name__}: {exc}", "text/plain")

        def _file(self, path: str) -> None:
            root = live.run_dir.resolve()
            target = (root / path.lstrip("/")).resolve()
            if root not in target.parents or not target.is_file():
                return self._send(404, "not found", "text/plain")
            kind = "application/json" if target.suffix == ".json" else "text/plain"
            return self._send(200, target.read_bytes(), kind)

        def _send(self, status: int, body, kind: str) -> None:
            text = body if isinstance(body, str) else body.decode("utf-8", "surrogateescape")
            data = redact(text).encode("utf-8", "surrogateescape")  # every answer, the run's files too
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args) -> None:  # noqa: A002 (the http.server API)
            return

    class Server(ThreadingHTTPServer):
        request_queue_size = BACKLOG
        daemon_threads = True

    return Server(("127.0.0.1", port), Handler)
