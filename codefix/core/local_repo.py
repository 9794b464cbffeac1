"""An `Instance` for a user's own git repository and issue text (`codefix solve --repo --issue`).

The repository's HEAD (committed files only; uncommitted changes are left out) is exported to a
cache folder that becomes the instance's `source`, so the sandbox image is built from the base
image exactly like the bundled fixtures are.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from pathlib import Path

from codefix.core.errors import CodefixWarning, InputError
from codefix.core.instance import Instance
from codefix.core.safe_names import docker_safe

DEFAULT_TEST_CMD = "python3 -m pytest -rA -p no:cacheprovider"


def local_instance(
    repo: Path, issue_file: Path, *, cache_dir: Path, test_cmd: str | None = None, instance_id: str | None = None
) -> Instance:
    """The instance for `repo` at HEAD with the issue in `issue_file`; HEAD's sha is kept as `repo_head`."""
    repo = Path(repo).resolve()
    if not repo.is_dir():
        raise InputError(f"{repo}: no such repository directory")
    if not Path(issue_file).is_file():
        raise InputError(f"{issue_file}: no such issue file")
    try:
        issue = Path(issue_file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{issue_file}: not UTF-8 text") from None
    if not issue.strip():
        raise InputError(f"{issue_file}: is empty")
    head = _git(repo, "rev-parse", "HEAD").strip()
    changed = [line[3:] for line in _git(repo, "status", "--porcelain", "--untracked-files=normal").splitlines() if line]
    if changed:  # never dropped silently: the instance is HEAD's commit alone
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        warnings.warn(f"{repo} has uncommitted changes ({shown}): codefix works on HEAD ({head[:12]}) without "
                      "them; commit them first to include them", CodefixWarning, stacklevel=2)
    name = docker_safe(re.sub(r"[^A-Za-z0-9_.-]+", "-", repo.name))
    source = Path(cache_dir) / "local-repos" / f"{name}-{head[:12]}"
    if not source.is_dir():
        _export_head(repo, source)
    return Instance(
        instance_id=instance_id or f"local__{name}-{head[:12]}",
        repo=f"local/{name}",
        base_commit="",
        problem_statement=issue,
        source=source,
        test_cmd=test_cmd or DEFAULT_TEST_CMD,
        repo_head=head,
        repo_path=str(repo),
    )


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"{repo}: not a git repository with a commit ({msg[-1] if msg else 'git failed'})")
    return proc.stdout.decode("utf-8", "replace")


def _export_head(repo: Path, dest: Path) -> None:
    """HEAD's tree, as `git archive` gives it, into `dest` (atomically: a temp folder renamed)."""
    proc = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", "HEAD"], capture_output=True)
    if proc.returncode != 0:
        raise InputError(f"{repo}: git archive HEAD failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))  # ours alone
    tmp = scratch / "tree"
    tmp.mkdir()
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(tmp, filter="data")
    try:
        tmp.rename(dest)
    except OSError:  # made meanwhile by another process from the same commit
        pass
    shutil.rmtree(scratch, ignore_errors=True)
