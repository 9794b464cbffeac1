"""Read and write files in a running container through `docker exec` (the archive API cannot see
tmpfs mounts, and the sandbox's workdir, home and /tmp are tmpfs)."""

from __future__ import annotations

import socket
import struct

from codefix.core.errors import SandboxError

MISSING, IS_DIR = 20, 21
READ = '[ -d "$1" ] && exit 21; [ -e "$1" ] || exit 20; exec cat -- "$1"'
WRITE = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"'


def read_bytes(api, container_id: str, path: str, *, user: str = "") -> bytes:
    """The bytes of `path` (symlinks followed); FileNotFoundError / IsADirectoryError."""
    import docker

    try:
        exec_id = api.exec_create(container_id, ["bash", "-c", READ, "read", path], user=user)["Id"]
        out, err = api.exec_start(exec_id, demux=True)
        code = api.exec_inspect(exec_id)["ExitCode"]
    except docker.errors.APIError as exc:
        raise SandboxError(f"could not read {path} in the sandbox: {exc.explanation or exc}") from exc
    if code == MISSING:
        raise FileNotFoundError(path)
    if code == IS_DIR:
        raise IsADirectoryError(path)
    if code != 0:
        raise SandboxError(f"could not read {path} in the sandbox: {(err or b'').decode('utf-8', 'replace').strip()[-200:]}")
    return out or b""


def write_bytes(api, container_id: str, path: str, data: bytes, *, user: str = "") -> None:
    """Write `data` to `path`, making its parent directories; SandboxError when it cannot."""
    import docker

    try:
        exec_id = api.exec_create(container_id, ["bash", "-c", WRITE, "write", path], stdin=True, user=user)["Id"]
        sock = api.exec_start(exec_id, socket=True)
    except docker.errors.APIError as exc:
        raise SandboxError(f"could not write {path} in the sandbox: {exc.explanation or exc}") from exc
    raw = getattr(sock, "_sock", sock)
    received = bytearray()
    try:
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)
        while chunk := raw.recv(65536):
            received += chunk
    except OSError as exc:
        raise SandboxError(f"could not write {path} in the sandbox: {exc}") from exc
    finally:
        sock.close()
    try:
        code = api.exec_inspect(exec_id)["ExitCode"]
    except docker.errors.APIError as exc:
        raise SandboxError(f"could not write {path} in the sandbox: {exc.explanation or exc}") from exc
    if code != 0:
        message = demultiplex(bytes(received)).decode("utf-8", "replace").strip()
        raise SandboxError(f"could not write {path} in the sandbox: {message[-200:] or f'exit {code}'}")


def demultiplex(stream: bytes) -> bytes:
    """The payload of Docker's multiplexed stream frames (8-byte headers), stdout and stderr joined."""
    out, i = bytearray(), 0
    while i + 8 <= len(stream):
        size = struct.unpack(">I", stream[i + 4:i + 8])[0]
        out += stream[i + 8:i + 8 + size]
        i += 8 + size
    return bytes(out)
