"""Whether the Docker engine of the node a Ray task landed on answers, and the one line that says
so when it does not (a node without Docker: an infrastructure error naming the node, not a verdict)."""

from __future__ import annotations

from collections.abc import Mapping

PING_SECONDS = 5.0
"""How long a task waits for its node's Docker engine to answer a ping."""


def engine_of(env: Mapping[str, str], docker_host: str | None = None) -> str:
    """The engine a task would use: the run's `sandbox.docker_host`, else DOCKER_HOST, else the local socket."""
    return docker_host or env.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def no_docker_line(node: str, engine: str, why: str, then: str = "") -> str:
    """One line for a node whose Docker engine does not answer: the node, the engine, why, what to
    do (and `then`, what to do after)."""
    why = " ".join(why.split())[:300]
    return (f"node {node} has no Docker engine answering at {engine} ({why}): start Docker there and make "
            f"`docker info` work for the user running `ray start` (DOCKER_HOST in its environment), "
            f"or remove the node from the cluster" + (f"; {then}" if then else ""))


def engine_error(env: Mapping[str, str], docker_host: str | None = None, timeout: float = PING_SECONDS) -> str | None:
    """Why the engine of `env` (or `docker_host`) does not answer a ping within `timeout`, or None."""
    import docker

    engine = engine_of(env, docker_host)
    try:
        client = docker.DockerClient(base_url=engine, timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # any failure to reach it: docker's, requests', the socket's
        return f"{type(exc).__name__}: {exc}"
    return None


def this_node() -> str:
    """How a Ray task names the node it runs on: host, IP and the start of Ray's node id."""
    import socket

    import ray

    node_id = ray.get_runtime_context().get_node_id()
    return f"{socket.gethostname()} ({ray.util.get_node_ip_address()}, Ray node {node_id[:12]})"
