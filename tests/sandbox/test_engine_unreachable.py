"""An engine URL nobody answers at is one line naming the engine and what to do, from every
command that touches an engine (clean, evaluate, images, report --grade-candidates), before any work (no Docker needed: a socket path that does not
exist, a TCP port nobody listens on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.errors import EngineUnreachable
from sandbox.docker.engine import connect, unreachable_line
from tests.sandbox.local_registry import free_port

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"
WHAT_TO_DO = "start that engine, or give the URL of one that runs (--docker-host, or sandbox.docker_host in --config)"


def test_the_line_says_why_for_a_missing_socket_a_refused_port_and_anything_else(tmp_path):
    sock = f"unix://{tmp_path}/absent.sock"
    assert unreachable_line(sock, OSError("whatever")) == (
        f"cannot reach the Docker engine at {sock} (no socket at {tmp_path}/absent.sock): {WHAT_TO_DO}")
    refused = unreachable_line("tcp://127.0.0.1:9", OSError("('Connection aborted.', ConnectionRefusedError(111, 'Connection refused'))"))
    assert "(connection refused)" in refused and "tcp://127.0.0.1:9" in refused
    odd = unreachable_line("ssh://me@host", RuntimeError("ssh: Could not resolve\n hostname host"))
    assert "(ssh: Could not resolve hostname host)" in odd and "\n" not in odd


def test_connecting_to_a_port_nobody_listens_on_raises_engine_unreachable():
    url = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(EngineUnreachable, match=f"cannot reach the Docker engine at {url} \\(connection refused\\)"):
        connect(url, timeout=5)


def _port_url() -> str:
    return f"tcp://127.0.0.1:{free_port()}"


@pytest.mark.parametrize("words", [
    ["clean"],
    ["clean", "--pristine"],
    ["evaluate", "-d", str(FIXTURES), "-i", "codefix-fixtures__invoicing-1", "--gold"],
    ["images", "status", "-d", str(FIXTURES)],
    ["images", "prefetch", "-d", str(FIXTURES)],
    ["report", "RUN_DIR", "--grade-candidates", "-d", str(FIXTURES)],
])
@pytest.mark.parametrize("how", ["socket", "port", "config"])
def test_each_engine_command_says_so_in_one_line(words, how, tmp_path, capsys):
    url = f"unix://{tmp_path}/absent.sock" if how == "socket" else _port_url()
    if how == "config":
        config = tmp_path / "run.yaml"
        config.write_text(f"sandbox:\n  docker_host: {url}\n")
        engine = ["--config", str(config)]
    else:
        engine = ["--docker-host", url]
    words = [str(tmp_path) if w == "RUN_DIR" else w for w in words]
    code = main([*words, *engine, "--runs-dir", str(tmp_path / "runs")] if words[0] == "evaluate" else [*words, *engine])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith(f"error: cannot reach the Docker engine at {url} (") and err.count("\n") == 1, err
    assert WHAT_TO_DO in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("eval.json"))  # nothing graded
