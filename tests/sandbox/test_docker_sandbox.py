"""DockerSandbox against the real engine: timeouts, limits, isolation, files, reset."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time

import pytest

from tests.sandbox.tiny_instance import tiny_image

pytestmark = pytest.mark.docker

PROCS = "for d in /proc/[0-9]*; do tr '\\0' ' ' < $d/cmdline 2>/dev/null; echo; done"


@pytest.fixture(scope="module")
def image(tmp_path_factory, docker_client):
    return tiny_image(tmp_path_factory.mktemp("tiny"), docker_client)[0]


@pytest.fixture(scope="module")
def sb(image, docker_client):
    from sandbox.docker.docker_sandbox import DockerSandbox

    with DockerSandbox(image, client=docker_client, memory="256m", pids_limit=128, output_limit=20_000) as sandbox:
        yield sandbox


@pytest.fixture
def clean(sb):
    sb.reset()
    return sb


def test_run_combines_output_and_reports_exit_code_in_the_workdir(clean):
    result = clean.run("pwd; echo out; echo err >&2; exit 3")
    assert result.output == "/testbed\nout\nerr\n" and result.exit_code == 3 and not result.timed_out


def test_hang_is_killed_at_the_timeout_and_the_sandbox_stays_usable(clean):
    result = clean.run("echo before; sleep 60", timeout=1)
    assert result.timed_out and result.exit_code == -1 and result.duration < 10
    assert "before" in result.output and "killed after 1 s" in result.output
    assert clean.run("echo alive").output == "alive\n"


def test_processes_a_timed_out_command_started_are_gone(clean):
    result = clean.run("sleep 301 & setsid sleep 302 & nohup sleep 303 >/dev/null 2>&1 & sleep 60", timeout=1)
    assert result.timed_out
    procs = clean.run(PROCS).output
    assert "sleep 30" not in procs and "sleep 60" not in procs
    assert "sleep infinity" in procs  # the container's own idle process survives


def test_a_background_job_does_not_hold_a_finished_command(clean):
    result = clean.run("sleep 200 & echo done", timeout=30)
    assert result.output == "done\n" and not result.timed_out  # the 200 s job did not hold it
    assert "sleep 200" not in clean.run(PROCS).output


# A daemon that renames itself (/proc/self/comm), every second writing a mark in the workdir.
NAMED_DAEMON = """python3 - "$1" <<'PY' &
import os, sys, time
if os.fork():
    sys.exit(0)
os.setsid()
with open("/proc/self/comm", "w") as fh:
    fh.write(sys.argv[1])
while True:
    with open("/testbed/mark-" + str(os.getpid()), "w") as fh:
        fh.write("alive")
    time.sleep(0.2)
PY
"""
# A process whose main thread exits while another thread runs: its leader reads as a zombie.
ZOMBIE_LEADER = """python3 - <<'PY' &
import ctypes, os, sys, threading, time
if os.fork():
    sys.exit(0)
os.setsid()
def mark():
    while True:
        open("/testbed/mark-thread", "w").write("alive")
        time.sleep(0.2)
threading.Thread(target=mark).start()
time.sleep(0.3)
ctypes.CDLL(None).pthread_exit(None)
PY
"""
WEIRD_NAMES = ["x Z y", "a) Z (b", "Z", ") Z 1 1 1", "two\nZ lines"]


def until(condition: str, limit: int = 120) -> str:
    """Shell lines that return once `condition` holds (polled, at most `limit` s): a command waits
    for what the test needs (a daemon detached and marking), never a fixed time a loaded machine
    may not meet."""
    return f"for i in $(seq {limit * 10}); do {condition} && break; sleep 0.1; done\n"


ZOMBIE = "grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | grep -q ."


def test_no_process_outlives_a_reset_whatever_its_name_or_state(clean):
    for k, name in enumerate(WEIRD_NAMES, 1):  # each command returns once its daemon detached and marked
        clean.run(f"set -- {shlex.quote(name)}\n" + NAMED_DAEMON + until(f"[ $(ls mark-* 2>/dev/null | wc -l) -ge {k} ]"), timeout=150)
    clean.run(ZOMBIE_LEADER + until(f"[ -e mark-thread ] && {ZOMBIE}"), timeout=150)
    assert len(clean.run("ls mark-*").output.split()) == len(WEIRD_NAMES) + 1  # they all ran
    assert clean.run(ZOMBIE).exit_code == 0  # and one leader reads as a zombie
    clean.reset()
    time.sleep(0.5)  # a survivor would have written its mark again
    assert clean.run("ls mark-* 2>/dev/null").output == ""
    names = clean.run("cat /proc/[0-9]*/comm").output
    assert "python3" not in names and not [n for n in WEIRD_NAMES if n.split("\n")[0] in names]


def test_a_renamed_job_left_in_the_group_does_not_hold_a_finished_command(clean):
    job = "python3 -c 'open(\"/proc/self/comm\", \"w\").write(\"x Z y\"); import time; time.sleep(200)' & sleep 0.5; echo done"
    result = clean.run(job, timeout=30)
    assert result.output == "done\n" and not result.timed_out  # the 200 s job did not hold it
    assert "x Z y" not in clean.run("cat /proc/[0-9]*/comm").output


def test_fork_bomb_is_contained_by_the_pids_limit(clean):
    result = clean.run(":(){ :|:& };:; sleep 30", timeout=3)
    assert result.timed_out and result.duration < 20
    clean.reset()
    assert clean.run("echo ok").output == "ok\n"
    assert int(clean.run("ls -d /proc/[0-9]* | wc -l").output) < 12


def test_allocating_without_end_is_oom_killed(clean):
    result = clean.run("python3 -c 'a = []\nwhile True: a.append(bytearray(10**7))'", timeout=60)
    assert result.exit_code != 0 and not result.timed_out and result.duration < 30
    assert clean.run("echo ok").output == "ok\n"


def test_no_network(clean):
    assert clean.run("ls /sys/class/net").output.split() == ["lo"]
    probe = "python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 53), timeout=3)'"
    assert clean.run(probe, timeout=20).exit_code != 0


def test_megabytes_of_output_are_cut_in_the_middle(clean):
    result = clean.run("python3 -c \"print('HEAD' + 'x' * 5_000_000 + 'TAIL')\"")
    assert result.exit_code == 0 and len(result.output) < 20_200
    assert result.output.startswith("HEADxxx") and result.output.endswith("xxxTAIL\n")
    assert "characters omitted from the middle" in result.output


def test_files_round_trip_with_parents_and_absolute_paths(clean):
    clean.write_file("new/deep/ünï.txt", "héllo\n$HOME `x` 'q'\n")
    assert clean.read_file("new/deep/ünï.txt") == "héllo\n$HOME `x` 'q'\n"
    assert clean.run("cat new/deep/ünï.txt").output == "héllo\n$HOME `x` 'q'\n"
    clean.write_file("/root/abs.txt", "abs")
    assert clean.read_file("/root/abs.txt") == "abs"
    assert clean.read_file("pkg/mod.py") == "def f():\n    return 1\n"
    with pytest.raises(FileNotFoundError):
        clean.read_file("missing.txt")
    clean.run("ln -s pkg/mod.py link.py")
    assert clean.read_file("link.py") == "def f():\n    return 1\n"


def test_host_secrets_never_reach_the_container_and_are_redacted(clean, monkeypatch):
    monkeypatch.setenv("CODEFIX_TEST_API_KEY", "sk-test-0123456789abcdef")
    env = clean.run("env").output
    assert "sk-test-0123456789abcdef" not in env and "CODEFIX_TEST_API_KEY" not in env
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    clean.write_file("leak.txt", "token sk-test-0123456789abcdef\n")
    assert clean.run("cat leak.txt").output == "token ***\n"
    assert clean.read_file("leak.txt") == "token ***\n"


def test_reset_returns_to_the_start_state(clean):
    state = "git status --porcelain --ignored --branch; git log --oneline -1; ls -l --time-style=+%s build"
    start_tree = clean.run(state).output
    clean.run(
        "echo changed >> pkg/mod.py; rm pkg/__init__.py; echo new > new_file.py; mkdir -p scratch/x;"
        " echo junk > /tmp/junk; mkdir /tmp/dir; echo overwritten > build/artefact.txt; echo y > build/extra.o;"
        " mkdir -p pkg.egg-info; git checkout -q -b other; git -c user.name=x -c user.email=x@y commit -qam wip"
    )
    clean.reset()
    assert clean.run(state).output == start_tree
    assert clean.read_file("build/artefact.txt") == "compiled at image build\n"
    assert clean.run("ls -A /tmp").output == ""
    assert clean.read_file("pkg/mod.py") == "def f():\n    return 1\n"


def test_no_stale_bytecode_across_same_size_edits_in_one_second(clean):
    same_second = "touch -d @1700000000 pkg/mod.py"
    clean.write_file("pkg/mod.py", "def f():\n    return 3\n")
    clean.run(f"{same_second}; python3 -m compileall -q pkg")  # bytecode for 'return 3' exists now
    clean.reset()
    clean.write_file("pkg/mod.py", "def f():\n    return 4\n")  # same size, same mtime as compiled
    clean.run(same_second)
    assert clean.run("python3 -c 'from pkg.mod import f; print(f())'").output == "4\n"
    clean.write_file("pkg/mod.py", "def f():\n    return 5\n")  # within one run sequence, no reset
    clean.run(same_second)
    assert clean.run("python3 -c 'from pkg.mod import f; print(f())'").output == "5\n"


def test_no_stale_bytecode_even_when_a_run_re_enabled_bytecode_writing(clean):
    """A previous run re-enables bytecode writing (and uses a pycache prefix); a same-size edit in
    the same second after the reset must still run the new code."""
    same_second = "touch -d @1700000000 pkg/mod.py"
    writes_bytecode = "env -u PYTHONDONTWRITEBYTECODE python3 -c 'import sys; sys.dont_write_bytecode = False; "
    clean.write_file("pkg/mod.py", "def f():\n    return 3\n")
    clean.run(same_second)
    clean.run(writes_bytecode + "import pkg.mod'")
    clean.run("PYTHONPYCACHEPREFIX=/root/.cache/pyc " + writes_bytecode + "import pkg.mod'")
    assert "mod.cpython" in clean.run("ls pkg/__pycache__; find /root/.cache -name '*.pyc'").output
    clean.reset()
    clean.write_file("pkg/mod.py", "def f():\n    return 4\n")  # same size, same mtime as the bytecode's source
    clean.run(same_second)
    assert clean.run(writes_bytecode + "from pkg.mod import f; print(f())'").output == "4\n"
    clean.reset()
    assert clean.run("ls /root/.cache 2>&1; echo done").output.count("No such file") == 1
    assert clean.run("ls pkg/__pycache__").output == START_BYTECODE  # only the snapshot's own


START_BYTECODE = "__init__.cpython-311.pyc\nlong.cpython-311.pyc\nmod.cpython-311.pyc\n"
"""The base commit's bytecode the snapshot compiled (the base image's python3 is 3.11)."""


def test_the_start_state_carries_hash_checked_bytecode_that_an_edit_never_reuses(clean):
    """The snapshot compiles the workdir with hash-checked .pyc files (flags 3: checked hash): an
    unedited module loads them, and an edit of the same size with the same mtime runs its own code,
    because Python compares the source's hash, not its size and mtime."""
    assert clean.run("ls pkg/__pycache__").output == START_BYTECODE
    flags = "python3 -c 'import sys; d=open(sys.argv[1],\"rb\").read(8); print(int.from_bytes(d[4:8], \"little\"))' "
    assert clean.run(flags + "pkg/__pycache__/mod.cpython-311.pyc").output == "3\n"
    assert clean.run("python3 -c 'from pkg.mod import f; print(f())'").output == "1\n"
    mtime = clean.run("stat -c %Y pkg/mod.py").output.strip()
    clean.write_file("pkg/mod.py", "def f():\n    return 7\n")  # same size as 'return 1'
    clean.run(f"touch -d @{mtime} pkg/mod.py")
    assert clean.run("python3 -c 'from pkg.mod import f; print(f())'").output == "7\n"
    clean.reset()
    assert clean.run("python3 -c 'from pkg.mod import f; print(f())'").output == "1\n"
    assert clean.run("ls pkg/__pycache__").output == START_BYTECODE


def test_a_container_killed_under_a_command_is_a_sandbox_error_not_an_exit_code(image, docker_client):
    import threading

    from codefix.core.errors import SandboxGone
    from sandbox.docker.docker_sandbox import DockerSandbox

    with DockerSandbox(image, client=docker_client) as box:
        def kill_when_running():
            while box.container is not None and box.container.exec_run(["test", "-f", "/tmp/started"]).exit_code:
                time.sleep(0.1)
            docker_client.containers.get(box.container.id).kill()

        killer = threading.Thread(target=kill_when_running)
        killer.start()
        with pytest.raises(SandboxGone):  # the class, whatever the engine answered (see test_dead_container_answers.py)
            box.run("touch /tmp/started; sleep 60", timeout=120)
        killer.join()


def test_a_writable_root_is_only_ever_reset_by_a_fresh_container(image, docker_client):
    from sandbox.docker.docker_sandbox import DockerSandbox

    with DockerSandbox(image, client=docker_client, writable_root=True) as box:
        box.reset()  # nothing ran yet: the container is kept
        assert box.recycled == []
        assert box.run("echo planted > /usr/local/lib/codefix-planted && echo ok").output == "ok\n"
        box.reset()
        assert box.recycled == ["writable root filesystem"]
        assert box.run("ls /usr/local/lib/codefix-planted").exit_code != 0


def test_missing_image_is_a_sandbox_error(docker_client):
    from codefix.core.errors import SandboxError
    from sandbox.docker.docker_sandbox import DockerSandbox

    with pytest.raises(SandboxError, match="pull"):
        with DockerSandbox("codefix-local/does-not-exist:nope", client=docker_client):
            pass


def test_no_container_left_after_with_or_sigterm_or_sigint(image, docker_client):
    from sandbox.docker.docker_sandbox import SANDBOX_LABEL, DockerSandbox

    def labelled():
        return {c.id for c in docker_client.containers.list(all=True, sparse=True, filters={"label": SANDBOX_LABEL})}

    with DockerSandbox(image, client=docker_client) as sandbox:
        cid = sandbox.container.id
        assert cid in labelled()
    assert cid not in labelled()

    for signame, code in (("SIGTERM", -15), ("SIGINT", -2)):  # Ctrl-C: KeyboardInterrupt, then exit by SIGINT
        script = (
            "import os, signal, sys\n"
            "from sandbox.docker.docker_sandbox import DockerSandbox\n"
            f"sb = DockerSandbox({image!r}); sb.start(); print(sb.container.id, flush=True)\n"
            f"os.kill(os.getpid(), signal.{signame})\n"
            "import time; time.sleep(30)\n"
        )
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                              cwd=os.getcwd())
        assert proc.returncode == code, proc.stderr
        assert proc.stdout.strip() and proc.stdout.strip() not in labelled()


def test_host_guard_gives_up_waiting_and_kills_what_runs(clean):
    """The engine-side timeout normally ends a command; if the exec stream stays open past
    timeout + grace anyway, the host kills the container's processes and returns."""
    from codefix.core.truncation import HeadTail

    clean.config = clean.config.model_copy(update={"host_grace": 0.5})
    try:
        started = time.monotonic()
        code, _ = clean._exec_streaming("echo begun; sleep 30", HeadTail(100), 0.5)  # no engine-side timeout
        assert time.monotonic() - started < 8 and code != 0
    finally:
        clean.config = clean.config.model_copy(update={"host_grace": 30.0})
    assert "sleep 30" not in clean.run(PROCS).output
