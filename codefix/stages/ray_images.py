"""Instance images on the nodes of a Ray cluster: which node holds which, fetching them on every
node ahead of a batch, and where a batch's instance should preferably run.

- `codefix images prefetch --executor ray` runs one task pinned to each chosen node
  (`NodeAffinitySchedulingStrategy(soft=False)`, no CPU asked) that fetches the selection's
  missing images on that node's own engine and reports what was pulled, present or failed.
- Placement: before a Ray batch schedules anything, one small pinned task per alive node says
  which of the batch's images its engine holds (`survey`). Each instance is then submitted with
  `NodeAffinitySchedulingStrategy(soft=True)` to a node holding its image that still has a free
  CPU slot (`pick_holder`); soft, so Ray places it elsewhere when that node is busy or gone, and
  the task fetches the image there as usual. No holder with room: no hint at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from codefix.core.errors import InputError


def alive_nodes(nodes: Iterable[Mapping]) -> list[Mapping]:
    """The entries of `ray.nodes()` that are alive, in a stable order (by node id)."""
    return sorted((n for n in nodes if n.get("Alive")), key=lambda n: n["NodeID"])


def node_label(node: Mapping) -> str:
    """A node as a user reads it: host, IP and the start of its Ray node id."""
    return f"{node.get('NodeManagerHostname', '?')} ({node.get('NodeManagerAddress', '?')}, Ray node {node['NodeID'][:12]})"


def chosen_nodes(nodes: Iterable[Mapping], named: Iterable[str] = ()) -> list[Mapping]:
    """The alive nodes, or those of them `named` (each an IP, a host name, or a prefix of a node id);
    InputError naming what is unknown and what is alive."""
    alive = alive_nodes(nodes)
    named = [n for n in named if n]
    if not named:
        return alive
    out, unknown = [], []
    for name in named:
        hits = [n for n in alive if name in (n.get("NodeManagerAddress"), n.get("NodeManagerHostname"))
                or n["NodeID"].startswith(name)]
        if not hits:
            unknown.append(name)
        out.extend(n for n in hits if n not in out)
    if unknown:
        raise InputError(f"no alive Ray node {', '.join(unknown)}: alive are "
                         + "; ".join(node_label(n) for n in alive))
    return out


def free_slots(cpus: Mapping[str, int], placed: Iterable[str | None]) -> dict[str, int]:
    """CPU slots left per node (`cpus`: node id → CPUs) once the tasks `placed` (each the node it
    went to, None when not known) hold one each."""
    free = dict(cpus)
    for node in placed:
        if node in free:
            free[node] -= 1
    return free


def pick_holder(holders: Iterable[str], free: Mapping[str, int]) -> str | None:
    """The node to prefer for an instance whose image `holders` hold: the holder with the most free
    slots (ties: the smallest node id), or None when no holder has a free slot."""
    best = [(-free.get(node, 0), node) for node in holders if free.get(node, 0) > 0]
    return min(best)[1] if best else None


def on_each_node(fn, nodes: Iterable[Mapping], *args) -> list[tuple[Mapping, Any]]:
    """`fn(*args)` as one task pinned to each of `nodes` (no CPU asked); (node, result) pairs, a
    result being the exception when the task itself failed."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    remote = ray.remote(num_cpus=0, max_retries=0)(fn)
    refs = [(node, remote.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False))
             .remote(*args)) for node in nodes]
    out = []
    for node, ref in refs:
        try:
            out.append((node, ray.get(ref)))
        except Exception as exc:  # the node went away, or the task could not start there
            out.append((node, exc))
    return out


def held_here(names: list[str]) -> dict:
    """In a task: which of the image `names` this node's engine holds ({"held": [...]}), or why its
    engine cannot say ({"error": line})."""
    import os

    from codefix.stages.node_docker import engine_error, engine_of, no_docker_line, this_node

    why = engine_error(os.environ)
    if why is not None:
        return {"held": [], "error": no_docker_line(this_node(), engine_of(os.environ), why)}
    import docker

    client = docker.from_env(timeout=30)
    held = []
    for name in names:
        try:
            client.images.get(name)
            held.append(name)
        except docker.errors.ImageNotFound:
            continue
    return {"held": held, "error": None}


def survey(names: Iterable[str]) -> tuple[dict[str, set[str]], dict[str, int]]:
    """Ask every alive node which of the image `names` it holds: ({image: {node ids}}, {node id:
    CPUs}) for the alive nodes (one that cannot say holds nothing)."""
    import ray

    names = sorted(set(names))
    nodes = alive_nodes(ray.nodes())
    holders: dict[str, set[str]] = {}
    for node, result in on_each_node(held_here, nodes, names) if names else []:
        for name in result.get("held", []) if isinstance(result, dict) else []:
            holders.setdefault(name, set()).add(node["NodeID"])
    return holders, {n["NodeID"]: int(n.get("Resources", {}).get("CPU", 0)) for n in nodes}


def prefetch_here(image_config: dict, instances: list) -> dict:
    """In a task: fetch the `instances`' missing images on this node's engine (kept);
    {"node", "present", "pulled", "failed": {instance id: why}, "error": the node's own failure}."""
    import os

    from codefix.core.parallel import map_isolated
    from codefix.stages.node_docker import engine_error, engine_of, no_docker_line, this_node
    from sandbox.images.image_acquire import ImageAcquirer
    from sandbox.images.image_config import ImageConfig

    node = this_node()
    out: dict[str, Any] = {"node": node, "present": [], "pulled": [], "failed": {}, "error": None}
    why = engine_error(os.environ)
    if why is not None:
        out["error"] = no_docker_line(node, engine_of(os.environ), why)
        return out
    images = ImageAcquirer(ImageConfig(**{**image_config, "cache_level": "instance"}), log=lambda msg: None)
    todo = []
    for inst in instances:
        (out["present"] if images.present(images.image_name(inst)) else todo).append(inst)
    out["present"] = [inst.instance_id for inst in out["present"]]
    for done in map_isolated(images.ensure, todo, images.config.max_pulls):
        if done.error is None:
            out["pulled"].append(done.item.instance_id)
        else:
            out["failed"][done.item.instance_id] = " ".join(str(done.error).split())[:300]
    return out


def prefetch_on_nodes(image_config: dict, instances: list, named: Iterable[str] = ()) -> list[dict]:
    """Fetch the `instances`' images on every alive node (or those `named`), one pinned task per
    node at once; one report per node (as `prefetch_here`)."""
    import ray

    out = []
    for node, result in on_each_node(prefetch_here, chosen_nodes(ray.nodes(), named), image_config, instances):
        if isinstance(result, Exception):
            result = {"node": node_label(node), "present": [], "pulled": [], "failed": {},
                      "error": f"node {node_label(node)}: its task failed ({type(result).__name__}); "
                               "check the node with `ray status` and run prefetch again"}
        out.append(result)
    return out
