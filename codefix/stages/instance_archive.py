"""One instance's directory as a compressed archive, for a worker without the driver's filesystem
(a Ray node): the driver packs its copy to seed the worker, the worker packs its scratch copy to
send it back, and the driver unpacks it into `runs/<run>/<instance>/`.

Packing takes regular files and directories only (never links, devices or the run lock), and
refuses an archive larger than its bound. Unpacking trusts nothing: every member must be a
regular file or directory at a relative path without `..`, the unpacked total is bounded too,
files land first in a staging directory beside the target and are then moved into place one by
one (each move atomic), and a path whose parent in the target is a link is refused, so nothing is
written outside the instance directory.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from codefix.core.errors import InputError
from codefix.core.run_lock import LOCK_NAME

MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
"""Largest compressed archive of one instance directory that is packed or unpacked."""
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
"""Largest total size of the files of one unpacked archive."""
SKIPPED_NAMES = (LOCK_NAME,)
"""Files never packed: they belong to the machine that holds them."""


class UnsafeArchive(InputError):
    """An archive with a member that could write outside its directory, or too large."""


def pack(directory: Path, *, limit: int = MAX_ARCHIVE_BYTES) -> bytes:
    """A gzip tar of `directory`'s regular files and directories (b"" when it does not exist)."""
    directory = Path(directory)
    if not directory.is_dir():
        return b""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(directory.rglob("*")):
            if path.name in SKIPPED_NAMES or path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue
            if any(parent.is_symlink() for parent in path.relative_to(directory).parents if str(parent) != "."):
                continue
            try:
                tar.add(path, arcname=path.relative_to(directory).as_posix(), recursive=False)
            except FileNotFoundError:  # removed while packing (a temporary file): not an artefact
                continue
            if buf.tell() > limit:
                raise UnsafeArchive(f"{directory} packs to more than {limit} bytes")
    data = buf.getvalue()
    if len(data) > limit:
        raise UnsafeArchive(f"{directory} packs to {len(data)} bytes, more than {limit}")
    return data


def member_problem(member: tarfile.TarInfo) -> str | None:
    """Why `member` may not be unpacked, or None."""
    name = PurePosixPath(member.name)
    if not member.name or name.is_absolute() or member.name.startswith(("/", "\\")):
        return "an absolute path"
    if ".." in name.parts:
        return "a path with '..'"
    if not (member.isfile() or member.isdir()):
        return "not a regular file or directory"
    return None


def unpack(data: bytes, directory: Path, *, limit: int = MAX_ARCHIVE_BYTES,
           unpacked_limit: int = MAX_UNPACKED_BYTES) -> int:
    """Put the files of `data` (a `pack` archive) into `directory`, over what is there; returns
    the number of files. Raises `UnsafeArchive` (and writes nothing) for any unsafe member."""
    if not data:
        return 0
    if len(data) > limit:
        raise UnsafeArchive(f"archive of {len(data)} bytes is larger than {limit}")
    directory = Path(directory)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        total = 0
        for m in members:
            problem = member_problem(m)
            if problem:
                raise UnsafeArchive(f"archive member {m.name!r} is {problem}")
            total += m.size
        if total > unpacked_limit:
            raise UnsafeArchive(f"archive unpacks to {total} bytes, more than {unpacked_limit}")
        directory.mkdir(parents=True, exist_ok=True)
        if directory.is_symlink():
            raise UnsafeArchive(f"{directory} is a link")
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.incoming-", dir=directory.parent))
        try:
            files = []
            for m in members:
                target = staging / m.name
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(m) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                files.append(m.name)
            for name in files:
                _place(staging / name, directory, name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return len(files)


def _place(source: Path, directory: Path, name: str) -> None:
    """Move `source` to `directory/name`, refusing a parent that is a link or not a directory."""
    dest = directory
    for part in PurePosixPath(name).parts[:-1]:
        dest = dest / part
        if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
            raise UnsafeArchive(f"{dest} is a link or not a directory")
        dest.mkdir(exist_ok=True)
    dest = dest / PurePosixPath(name).name
    if dest.is_symlink() or dest.is_dir():
        raise UnsafeArchive(f"{dest} is a link or a directory")
    os.replace(source, dest)
