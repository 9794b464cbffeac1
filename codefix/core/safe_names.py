"""Names that become paths: instance ids and run ids are checked against one safe pattern, and a
directory is only ever removed when it carries the marker file codefix put in it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from codefix.core.errors import InputError

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
"""Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 200 characters."""


def name_problem(value: object) -> str | None:
    """Why `value` cannot be a file name codefix creates (None when it can)."""
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if not value:
        return "is empty"
    if len(value) > 200:
        return f"is {len(value)} characters long (at most 200)"
    if "\x00" in value:
        return "contains a NUL character"
    if not SAFE_NAME.fullmatch(value):
        return ("may only hold letters, digits, '.', '_' and '-', starting with a letter or digit "
                "(no '/', no '..', no absolute path)")
    return None


DOCKER_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
"""A path component of a Docker image reference (lowercase): separators `.`, `_`, `__` or dashes,
each between letters or digits."""


def image_name_problem(value: str) -> str | None:
    """Why instance id `value` (already a safe name) cannot name its Docker image, or None."""
    if not DOCKER_COMPONENT.fullmatch(value.lower()):
        return ("cannot name a Docker image: '.', '_' (or '__') and '-' may only stand between letters or digits "
                "(no '..', no '._', no trailing separator)")
    return None


def docker_safe(name: str) -> str:
    """`name` (letters, digits, `.`, `_`, `-`) with every separator run Docker refuses made one `-`."""
    name = re.sub(r"[._-]{2,}", lambda m: m.group(0) if m.group(0) == "__" or set(m.group(0)) == {"-"} else "-", name)
    return name.strip("._-") or "repo"


def check_name(value: object, what: str) -> str:
    """`value` when it is a safe file name, else an InputError naming `what` and the problem."""
    problem = name_problem(value)
    if problem:
        shown = repr(value)[:80] + ("..." if len(repr(value)) > 80 else "")
        raise InputError(f"{what} {shown} {problem}")
    return value  # type: ignore[return-value]


def inside(root: Path, name: str, what: str) -> Path:
    """`root / name` for a checked `name`; raises when the result would leave `root`."""
    path = Path(root) / check_name(name, what)
    if path.resolve().parent != Path(root).resolve():
        raise InputError(f"{what} {name!r} leads outside {root}")
    return path


def mark(directory: Path, marker: str) -> None:
    """Record that codefix created `directory` (so `remove_marked` may remove it later)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / marker).touch()


def remove_marked(directory: Path, marker: str) -> None:
    """Remove `directory` if it does not exist or carries `marker`; refuse anything else: codefix
    never removes what it did not create."""
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return
    if directory.is_symlink() or not directory.is_dir() or not (directory / marker).is_file():
        raise InputError(f"{directory} exists and was not made by codefix (no {marker} in it); "
                         "refusing to remove it: move it away or choose another location")
    shutil.rmtree(directory)
