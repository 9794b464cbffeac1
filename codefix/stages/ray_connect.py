"""Joining a Ray cluster with a bounded wait and one clear line when it does not answer.

`ray.init(address="HOST:PORT")` on an address where nothing listens retries for minutes, printing
warnings; so the driver first opens a TCP connection to the address's port within
`CONNECT_SECONDS` and only then lets Ray join. "auto" (the cluster `ray start` left on this
machine) fails fast by itself; its ConnectionError becomes the same kind of line.
"""

from __future__ import annotations

from typing import Any

from codefix.core.errors import CodefixError, InputError

CONNECT_SECONDS = 5.0
"""How long the driver waits for a Ray address to accept a connection before giving up."""
CLIENT_PORT = 10001
"""Ray Client's default port (`ray://HOST` without a port)."""


class RayUnreachable(CodefixError):
    """The Ray cluster named by --address did not answer (printed as one line by the CLI)."""


def address_target(address: str | None) -> tuple[str, int] | None:
    """The (host, port) the driver connects to for `address`, or None when Ray finds it itself
    (None: a local Ray for the batch; "auto": the cluster started on this machine)."""
    if not address or address == "auto":
        return None
    rest = address
    default_port = None
    if rest.startswith("ray://"):
        rest, default_port = rest[len("ray://"):], CLIENT_PORT
    rest = rest.rstrip("/")
    if rest.startswith("["):  # [IPv6]:PORT
        host, _, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    elif rest.count(":") == 1:
        host, port_text = rest.split(":")
    else:
        host, port_text = rest, ""
    if not port_text and default_port is not None:
        return host, default_port
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"Ray address {address!r}: expected auto, HOST:PORT or ray://HOST[:PORT]")
    return host, int(port_text)


def unreachable_line(address: str, why: str) -> str:
    """The one line for a Ray address that did not answer: the address, why, and what to do."""
    return (f"Ray cluster at {address} does not answer ({why}): start it there with `ray start --head --port PORT` "
            f"(or check HOST:PORT and the firewall), or leave out --address to run Ray on this machine only")


def probe(address: str | None, timeout: float = CONNECT_SECONDS) -> None:
    """Raises RayUnreachable when `address`'s port does not accept a TCP connection in `timeout` s."""
    import socket

    target = address_target(address)
    if target is None:
        return
    try:
        with socket.create_connection(target, timeout=timeout):
            pass
    except OSError as exc:
        why = "no answer within %gs" % timeout if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise RayUnreachable(unreachable_line(str(address), why)) from None


def join(address: str | None, **kwargs: Any) -> None:
    """`ray.init` on `address` (None: a new local Ray, with `kwargs`, even when another Ray runs on
    this machine: `ray.init()` alone would join that one and refuse `num_cpus`), refusing at once
    an address that does not answer."""
    import ray

    probe(address)
    kwargs["address"] = address or "local"
    try:
        ray.init(**kwargs)
    except ConnectionError as exc:
        raise RayUnreachable(unreachable_line(str(address), str(exc).split(". ")[0])) from None
