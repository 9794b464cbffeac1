"""A second, real Docker engine for tests: its own `dockerd` with its own data root, exec root,
pid file, unix socket, containerd namespace and bridge (a bridge of its own: `--bridge none` would
delete the host's docker0), started under a temporary folder and removed with everything it made."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


class SecondEngine:
    """`dockerd` on `url` (unix://<folder>/docker.sock); `client` is a docker-py client of it."""

    def __init__(self):
        tag = os.getpid() % 100000
        self.bridge = f"cfx{tag}"
        self.subnet = f"10.123.{tag % 250}.1/24"
        self.root = Path(tempfile.mkdtemp(prefix="cfx2-", dir="/tmp"))  # short: a socket path has ~100 characters
        self.url = f"unix://{self.root}/docker.sock"
        self.proc: subprocess.Popen | None = None
        self.client = None
        self._bridge_made = False

    def start(self, wait: float = 60.0) -> SecondEngine:
        import docker

        binary = shutil.which("dockerd")
        if binary is None or shutil.which("ip") is None or os.geteuid() != 0:
            why = "a second engine needs dockerd, ip and root"
            if os.environ.get("CI"):
                pytest.fail(why)
            pytest.skip(why)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)  # left by a killed earlier run of this pid
        self._ip("link", "add", "name", self.bridge, "type", "bridge")
        self._bridge_made = True
        self._ip("addr", "add", self.subnet, "dev", self.bridge)
        self._ip("link", "set", self.bridge, "up")
        log = open(self.root / "dockerd.log", "w")
        self.proc = subprocess.Popen(
            [binary, "--data-root", str(self.root / "data"), "--exec-root", str(self.root / "exec"),
             "--pidfile", str(self.root / "docker.pid"), "-H", self.url, "--bridge", self.bridge,
             "--iptables=false", "--ip-masq=false", "--containerd-namespace", f"cfx2-{os.getpid()}",
             "--containerd-plugins-namespace", f"cfx2-plugins-{os.getpid()}", "--log-level", "warn"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"the second dockerd exited: {(self.root / 'dockerd.log').read_text()[-2000:]}")
            try:
                client = docker.DockerClient(base_url=self.url, timeout=300)
                client.ping()
                self.client = client
                return self
            except Exception:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the second dockerd did not answer within {wait:.0f} s")

    def kill(self) -> None:
        """Stop the daemon as an engine that goes away under a run (its containers die with it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def stop(self) -> None:
        """Stop the daemon (its containers go with it), delete its bridge and its folder."""
        if self.client is not None:
            if self.proc is not None and self.proc.poll() is None:
                for container in self.client.containers.list(all=True):
                    container.remove(force=True)
            self.client.close()
        self.kill()
        if self._bridge_made:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        subprocess.run(["umount", "-R", str(self.root / "data")], capture_output=True)  # in case a mount outlived it
        shutil.rmtree(self.root, ignore_errors=True)

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)
