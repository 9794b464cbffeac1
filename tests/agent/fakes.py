"""Test doubles for the generation tests: a local-directory sandbox and a scripted model."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from codefix.core.protocols import Completion, ExecResult, Usage


class LocalDirSandbox:
    """TEST DOUBLE of the Sandbox protocol: a git checkout on the host, commands via subprocess."""

    def __init__(self, repo: Path):
        self.repo = Path(repo)
        self.commands: list[str] = []
        self.resets = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def run(self, command: str, timeout: float | None = None) -> ExecResult:
        self.commands.append(command)
        start = time.monotonic()
        proc = subprocess.Popen(
            ["bash", "-c", command], cwd=self.repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        try:
            out, _ = proc.communicate(timeout=timeout or 60)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            timed_out = True
        text = out.decode("utf-8", "replace")
        return ExecResult(text, -1 if timed_out else proc.returncode, timed_out, time.monotonic() - start)

    def read_file(self, path: str) -> str:
        return (self.repo / path).read_text(encoding="utf-8")

    def write_file(self, path: str, content: str) -> None:
        target = self.repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")

    def reset(self) -> None:
        self.resets += 1
        subprocess.run(["git", "reset", "-q", "--hard"], cwd=self.repo, check=True)
        subprocess.run(["git", "clean", "-q", "-fdx"], cwd=self.repo, check=True)


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository at `root` holding `files`, committed."""
    root.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "base"]):
        subprocess.run(cmd, cwd=root, check=True, env=env)
    return root


class ScriptedModel:
    """TEST DOUBLE of the Model protocol: answers from a list; an Exception entry is raised.

    Optionally a callable `(messages, stage, meta) -> str` answers instead.
    """

    name = "scripted"

    def __init__(self, replies=None, answer=None, cost: float = 0.001):
        self.replies = list(replies or [])
        self.answer = answer
        self.cost = cost
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def query(self, messages, *, ledger, stage, meta=None, **kwargs) -> Completion:
        with self._lock:
            self.calls.append({"stage": stage, "meta": dict(meta or {}), "n_messages": len(messages), **kwargs})
            if self.answer is not None:
                reply = self.answer(messages, stage, meta or {})
            elif not self.replies:
                raise AssertionError(f"ScriptedModel ran out of replies at stage {stage}")
            else:
                reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return Completion(reply, Usage(input_tokens=100, output_tokens=10), self.cost)


def local_sandbox_factory(root: Path, files: dict[str, str]):
    """A sandbox factory for `generate`: each call makes a fresh LocalDirSandbox over a new repo of
    `files` under `root`; `factory.made` lists every sandbox made."""
    made, numbers = [], itertools.count()

    def make():
        box = LocalDirSandbox(make_repo(root / f"box{next(numbers)}", files))
        made.append(box)
        return box

    make.made = made
    return make


class DictSandbox:
    """TEST DOUBLE of the Sandbox protocol: files in a dict, every command exits `exit_code`
    without running; for tests of what a machine reads from a reply, not of execution."""

    def __init__(self, files: dict[str, str], exit_code: int = 0):
        self.initial, self.files, self.exit_code = dict(files), dict(files), exit_code
        self.commands: list[str] = []

    def run(self, command: str, timeout: float | None = None) -> ExecResult:
        self.commands.append(command)
        return ExecResult(f"ran {command}\n", self.exit_code)

    def read_file(self, path: str) -> str:
        if path in self.files:
            return self.files[path]
        if any(p.startswith(path.rstrip("/") + "/") for p in self.files):
            raise IsADirectoryError(path)
        raise FileNotFoundError(path)

    def write_file(self, path: str, content: str) -> None:
        self.files[path] = content

    def reset(self) -> None:
        self.files = dict(self.initial)
