"""A local instance's `source` directory as a git repository on the host, committed with
fixed author, committer and dates so the same contents always give the same base commit."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from codefix.core.errors import InputError
from codefix.core.instance import Instance
from codefix.core.safe_names import remove_marked

IDENTITY = {
    "GIT_AUTHOR_NAME": "codefix",
    "GIT_AUTHOR_EMAIL": "codefix@localhost",
    "GIT_COMMITTER_NAME": "codefix",
    "GIT_COMMITTER_EMAIL": "codefix@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}
SKIPPED = {".git", "__pycache__", ".pytest_cache"}
MARKER = ".git/codefix-made"
"""Inside `.git` (never part of the tree): this checkout was made by codefix and may be replaced."""


def source_digest(source: Path) -> str:
    """Hash of every file's relative path, executable bit and bytes under `source`."""
    digest = hashlib.sha256()
    for path in sorted(_files(source)):
        rel = path.relative_to(source).as_posix()
        mode = "x" if os.access(path, os.X_OK) else "-"
        digest.update(f"{rel}\0{mode}\0".encode())
        digest.update(path.read_bytes() if not path.is_symlink() else os.readlink(path).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def prepare_source_repo(instance: Instance, cache_dir: Path) -> tuple[Path, str]:
    """A git checkout of `instance.source` under `cache_dir`: (repo path, base commit sha).

    Reused when the source is unchanged; the commit hash depends only on the contents.
    """
    import git

    source = instance.source
    if source is None or not Path(source).is_dir():
        raise InputError(f"{instance.instance_id}: source directory {source} does not exist")
    source = Path(source)
    key = source_digest(source)[:12]
    dest = Path(cache_dir) / f"{instance.instance_id}-{key}"
    if (dest / ".git").is_dir():
        try:
            return dest, git.Repo(dest).head.commit.hexsha
        except (ValueError, git.GitError):
            remove_marked(dest, MARKER)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent)) / "repo"
    shutil.copytree(source, tmp, symlinks=True, ignore=shutil.ignore_patterns(*SKIPPED))
    repo = git.Repo.init(tmp, initial_branch="main")
    env = IDENTITY | {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    with repo.git.custom_environment(**env):
        repo.git.add("-A")
        repo.git.commit("-q", "--no-verify", "-m", f"base of {instance.instance_id}")
    sha = repo.head.commit.hexsha
    repo.close()
    (tmp / MARKER).touch()
    try:
        tmp.rename(dest)
    except OSError:  # another process made it first: use theirs (same contents, same sha)
        pass
    shutil.rmtree(tmp.parent, ignore_errors=True)  # our own temporary folder
    return dest, sha


def _files(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED]
        for name in filenames:
            yield Path(dirpath) / name
