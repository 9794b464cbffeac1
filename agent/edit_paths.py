"""Resolving the path an edit names to a file of the repository, without guessing.

`./pkg/mod.py` is `pkg/mod.py`. A diff's `a/`/`b/` prefix is dropped only when the path with
it names nothing and the path without it is an existing file; a new file under a prefix that
is not a real directory is refused (never a junk file `a/pkg/mod.py`). An absolute path
resolves to the longest tail that is an existing file (`/testbed/pkg/mod.py`); paths that
leave the repository or touch `.git/` are refused.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Literal

from agent.edits import EditError

Kind = Literal["file", "dir"] | None
Lookup = Callable[[str], Kind]
"""What a repository-relative path names: "file", "dir", or None when nothing."""

WORKDIR = "/testbed"
"""Where sandboxes keep the repository (absolute paths under it are repository paths)."""


def resolve_path(raw: str, lookup: Lookup) -> str:
    """The repository-relative path `raw` means; EditError (for the model) when it cannot be
    resolved safely."""
    path = raw.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if not path:
        raise EditError(f"{raw!r} is not a file path")
    if path.startswith("/"):
        return _absolute(raw, path, lookup)
    norm = posixpath.normpath(path)
    _check_inside(raw, norm)
    kind = lookup(norm)
    if kind == "file":
        return norm
    if kind == "dir":
        raise EditError(f"{raw} is a directory; name a file")
    prefix, _, rest = norm.partition("/")
    if prefix in ("a", "b") and rest:
        if lookup(rest) == "file":
            return rest
        if lookup(prefix) != "dir":
            raise EditError(
                f"{raw} does not exist and there is no directory {prefix}/ in the repository; {prefix}/ looks like a "
                f"diff prefix: give the path relative to the repository root, e.g. {rest}"
            )
    return norm


def _absolute(raw: str, path: str, lookup: Lookup) -> str:
    path = posixpath.normpath(path)
    if _is_git(path):
        raise EditError(f"{raw} is inside .git/; edits to git's own files are refused")
    parts = [p for p in path.split("/") if p]
    for k in range(len(parts)):
        tail = "/".join(parts[k:])
        if lookup(tail) == "file":
            return tail
    if path.startswith(WORKDIR + "/"):
        norm = posixpath.normpath(path[len(WORKDIR) + 1 :])
        _check_inside(raw, norm)
        return norm
    raise EditError(f"{raw} is an absolute path that names no file of the repository; give paths relative to the "
                    "repository root (e.g. pkg/module.py)")


def _check_inside(raw: str, norm: str) -> None:
    if norm in (".", "..") or norm.startswith("../") or norm.startswith("/"):
        raise EditError(f"{raw} is outside the repository; edits must stay inside it")
    if _is_git(norm):
        raise EditError(f"{raw} is inside .git/; edits to git's own files are refused")


def _is_git(norm: str) -> bool:
    return any(part.lower() == ".git" for part in norm.split("/"))
