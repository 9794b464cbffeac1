"""`codefix images status|prefetch|prune` on every engine of a backend. One Docker engine is the
backend itself; a pool (`sandbox/docker_pool_backend.py:DockerPool.members`, one `DockerBackend`
per engine) is asked engine by engine, all engines at once, because an instance of a pool batch
may be placed on any engine and so its image is wanted on each. Each engine acts with its own
acquirer (its records, its `max_pulls`); an engine that does not answer is reported (one line
naming it) and the others still act."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codefix.core.errors import EngineUnreachable


@dataclass
class EngineReport:
    """What one engine of the backend answered."""

    engine: str
    """The engine's URL, as messages name it."""
    result: Any = None
    """What the command's action returned there (None when the engine did not answer)."""
    unreachable: str | None = None
    """The one line saying that the engine did not answer and what to do, else None."""


def engines_of(backend) -> list:
    """The single-engine backends of `backend`: the members of a pool, else `backend` itself, which
    is reached now (EngineUnreachable: the command's one-line error, before any work)."""
    members = list(getattr(backend, "members", None) or [backend])
    if len(members) == 1:
        members[0].check()
    return members


def on_each_engine(act: Callable[[Any], Any], members: list) -> list[EngineReport]:
    """`act(member)` on every engine of `members` at once, in their order; an engine that does not
    answer (before or during `act`) is an `EngineReport` with `unreachable`; any other error is raised."""
    from codefix.core.parallel import map_isolated

    def reached(member):
        member.check()
        return act(member)

    out = []
    for done in map_isolated(reached, members, len(members)):
        if isinstance(done.error, EngineUnreachable):
            out.append(EngineReport(done.item.engine, unreachable=str(done.error)))
        elif done.error is not None:
            raise done.error
        else:
            out.append(EngineReport(done.item.engine, done.result))
    return out


def image_rows(images, instances: list) -> list[tuple[str, str, int | None, str | None]]:
    """(instance id, image name, bytes or None when absent, how codefix fetched it or None) of each
    of `instances` on the engine of the acquirer `images`."""
    records = images.records.all()
    rows = []
    for inst in instances:
        name = images.image_name(inst)
        rec = records.get(name)
        rows.append((inst.instance_id, name, image_size(images.client, name), rec["how"] if rec else None))
    return rows


def prefetch_missing(images, instances: list, say: Callable[[str], None]) -> tuple[int, dict[str, str]]:
    """Fetch the missing images of `instances` onto the acquirer's engine, `max_pulls` at once
    (kept: no clean-up); `say` gets the "present; fetching" line first. (how many were missing,
    {instance id: why} of those that failed)."""
    from codefix.core.parallel import map_isolated

    todo = [inst for inst in instances if not images.present(images.image_name(inst))]
    say(f"{len(instances) - len(todo)}/{len(instances)} present; fetching {len(todo)}")
    failed = {out.item.instance_id: str(out.error)
              for out in map_isolated(images.ensure, todo, images.config.max_pulls) if out.error is not None}
    return len(todo), failed


def prune_recorded(images, names: set[str]) -> tuple[list[str], dict[str, str]]:
    """Remove every recorded (codefix-fetched) image among `names` whose id is still the recorded
    one; (removed, {kept name: why})."""
    import docker

    removed, kept = [], {}
    for name, rec in sorted(images.records.all().items()):
        if name not in names:
            continue
        try:
            current = images.client.images.get(name).id
        except docker.errors.ImageNotFound:
            images.records.drop(name)
            continue
        if current != rec.get("id"):
            kept[name] = "replaced since codefix fetched it (not codefix's any more)"
            images.records.drop(name)
            continue
        try:
            images.client.images.remove(name)
        except docker.errors.APIError as exc:
            kept[name] = str(exc.explanation or exc)
            continue
        images.records.drop(name)
        removed.append(name)
    return removed, kept


def image_size(client, name: str) -> int | None:
    """Bytes of the image on the client's engine, None when absent."""
    import docker

    try:
        return int(client.images.get(name).attrs.get("Size") or 0)
    except docker.errors.ImageNotFound:
        return None
