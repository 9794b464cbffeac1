"""A local Docker registry for pull tests: Debian's `docker-registry` (distribution) serving on
127.0.0.1 at a free port with its storage in a temporary folder, and a flaky HTTP proxy in front
of a registry that answers 503 to the first N manifest requests."""

from __future__ import annotations

import http.client
import http.server
import io
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest

CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, proc: subprocess.Popen | None = None, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"docker-registry exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class LocalRegistry:
    """`docker-registry serve` on 127.0.0.1:<free port>; `address` is what `--registry` takes."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> LocalRegistry:
        binary = shutil.which("docker-registry") or shutil.which("registry")
        if binary is None:
            if os.environ.get("CI"):
                pytest.fail("CI needs Debian's docker-registry package (.ci/run installs it)")
            pytest.skip("docker-registry is not installed (apt-get install docker-registry)")
        config = self.root / "config.yml"
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        config.write_text(CONFIG.format(root=self.root / "data", port=self.port))
        log = open(self.root / "registry.log", "w")
        self.proc = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
        _wait_listening(self.port, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def with_marker_layer(client, image: str, marker: str = "etc/codefix-test-marker") -> str:
    """`image` plus one layer of its own (a file `marker` holding random bytes), as an untagged
    image id labelled codefix.test=1: a copy no other image shares that layer with."""
    data = uuid.uuid4().hex.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(marker)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    container = client.containers.create(image, command=["true"])
    try:
        container.put_archive("/", buf.getvalue())
        return container.commit(changes=["LABEL codefix.test=1"]).id
    finally:
        container.remove(force=True)


def push(client, image: str, ref: str) -> None:
    """Tag `image` as `ref`, push it, and drop the `ref` tag locally again."""
    from sandbox.images.image_pull import split_ref

    repo, tag = split_ref(ref)
    client.api.tag(image, repo, tag)
    try:
        for event in client.api.push(repo, tag=tag, stream=True, decode=True):
            if event.get("error"):
                raise RuntimeError(f"push of {ref} failed: {event['error']}")
    finally:
        client.api.remove_image(ref)


class FlakyProxy:
    """An HTTP proxy to `upstream` (host:port) under which the first `failures` pulls fail: every
    pull starts with the API check `GET /v2/`, and the manifest requests of the first `failures`
    pulls get a 503; everything else passes through. `address` is what `--registry` takes."""

    def __init__(self, upstream: str, failures: int):
        self.upstream, self.failures, self.pulls, self.failed = upstream, failures, 0, 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                if self.command == "GET" and self.path.rstrip("/") == "/v2":
                    with proxy.lock:
                        proxy.pulls += 1
                if "/manifests/" in self.path:
                    with proxy.lock:
                        fail = proxy.pulls <= proxy.failures
                        proxy.failed += fail
                    if fail:
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FlakyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
