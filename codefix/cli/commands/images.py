"""`codefix images status|prefetch|prune`: the SWE-bench instance images of a dataset selection:
what is present, missing and how big; fetch the missing ones ahead of a run; remove what
codefix fetched (never an image it did not pull or build)."""

from __future__ import annotations

import click

from codefix.cli.image_options import image_options
from codefix.cli.run_options import backend_of, engine_options

SELECTION = [
    click.option("--dataset", "-d", required=True, help="verified, lite, a Hugging Face id, or a local .json/.jsonl file."),
    click.option("--instances", default=None, help="Comma-separated instance ids."),
    click.option("--filter", "pattern", default=None, help="Regex searched in instance ids."),
    click.option("--slice", "slice_", default=None, metavar="A:B", help="Instances A..B-1 in dataset order."),
]


def selection_options(fn):
    """The dataset selection, and the engine (--config, --docker-host) whose images are meant."""
    fn = engine_options(fn)
    for option in reversed(SELECTION):
        fn = option(fn)
    return fn


@click.group("images")
def command() -> None:
    """SWE-bench instance images: status, prefetch, prune. With a pool of engines (--docker-host
    more than once, or `sandbox.kind: docker_pool` in --config) each acts on every engine of the
    pool, whose lines start with the engine's URL: a pool batch may place an instance on any of them."""


def _engines(backend):
    """The engines of `backend` (each of a pool), and how a line names one: not at all with one engine."""
    from codefix.stages.engine_images import engines_of

    members = engines_of(backend)
    return members, (lambda engine: "") if len(members) == 1 else (lambda engine: f"{engine}: ")


def _unreachable(reports) -> int:
    """Print the line of each engine that did not answer; how many."""
    down = [rep.unreachable for rep in reports if rep.unreachable]
    for line in down:
        click.echo(line, err=True)
    return len(down)


def _selected(dataset, instances, pattern, slice_):
    from codefix.core.datasets import load_dataset
    from codefix.core.errors import InputError
    from codefix.stages.instance_selection import select_instances

    picked = [i for i in select_instances(load_dataset(dataset), ids=instances, pattern=pattern, slice_=slice_)
              if i.is_swebench]
    if not picked:
        raise InputError(f"{dataset}: no SWE-bench instance selected (local instances have no instance image)")
    return picked


@command.command("status")
@selection_options
@image_options()
def status(dataset, instances, pattern, slice_, config_file, docker_host, image_opts):
    """What is present (and its size), what is missing, and which codefix fetched; with a pool of
    engines (--docker-host more than once), a table and a summary line per engine."""
    from rich.console import Console
    from rich.table import Table

    from codefix.stages.engine_images import image_rows, on_each_engine

    backend = backend_of(config_file, docker_host, image_opts)
    members, named = _engines(backend)
    picked = _selected(dataset, instances, pattern, slice_)
    reports = on_each_engine(lambda member: image_rows(member.images, picked), members)
    for rep in reports:
        if rep.unreachable:
            continue
        table = Table(title=f"instance images ({backend.images.config.namespace}) on {rep.engine}")
        for col in ("instance", "image", "state", "size", "fetched by codefix"):
            table.add_column(col, justify="right" if col == "size" else "left", overflow="fold")
        for iid, name, size, how in rep.result:
            table.add_row(iid, name, "missing" if size is None else "present",
                          "-" if size is None else f"{size / 1e9:.2f} GB", how or "-")
        Console().print(table)
        missing = sum(size is None for _, _, size, _ in rep.result)
        present_bytes = sum(size or 0 for _, _, size, _ in rep.result)
        click.echo(f"{named(rep.engine)}{len(picked) - missing}/{len(picked)} present ({present_bytes / 1e9:.2f} GB), "
                   f"{missing} missing")
    if _unreachable(reports):
        raise SystemExit(1)


@command.command("prefetch")
@selection_options
@image_options()
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Fetch onto this machine's engine, or onto the engine of every node of a Ray cluster (see --address).")
@click.option("--address", default=None, help="Ray cluster address (auto, HOST:PORT); none starts a local Ray.")
@click.option("--nodes", default=None, metavar="N1,N2",
              help="With --executor ray: only these nodes (IP, host name or Ray node id prefix) [default: every alive node].")
def prefetch(dataset, instances, pattern, slice_, config_file, docker_host, image_opts, executor, address, nodes):
    """Fetch every missing image of the selection, --max-pulls at once (kept: no clean-up); with a
    pool of engines (--docker-host more than once), onto every engine of it, each with its own
    --max-pulls."""
    from codefix.cli.run_options import build_run_config
    from codefix.core.errors import InputError
    from codefix.stages.engine_images import on_each_engine, prefetch_missing

    if (address or nodes) and executor != "ray":
        raise InputError("--address and --nodes go with --executor ray")
    if executor == "ray":
        if docker_host:
            raise InputError("--docker-host names one engine; with --executor ray each node fetches onto its own engine")
        config = build_run_config(dict(image_opts), config_file=config_file,
                                  command_defaults={"sandbox.images.cache_level": "instance"})
        images_config = getattr(config.sandbox, "images", None)
        if images_config is None:
            raise InputError("--executor ray prefetches onto each node's Docker engine: the config's sandbox is not one engine")
        return _prefetch_on_ray(_selected(dataset, instances, pattern, slice_), images_config.model_dump(), address, nodes)

    backend = backend_of(config_file, docker_host, {**image_opts, "cache_level": "instance"})
    members, named = _engines(backend)
    picked = _selected(dataset, instances, pattern, slice_)
    reports = on_each_engine(lambda member: prefetch_missing(
        member.images, picked, lambda line: click.echo(f"{named(member.engine)}{line}", err=True)), members)
    bad = _unreachable(reports)
    for rep in reports:
        if rep.unreachable:
            continue
        tried, failed = rep.result
        for iid, why in failed.items():
            click.echo(f"{named(rep.engine)}failed {iid}: {why}", err=True)
        click.echo(f"{named(rep.engine)}fetched {tried - len(failed)}, failed {len(failed)}")
        bad += bool(failed)
    if bad:
        raise SystemExit(1)


def _prefetch_on_ray(picked, config: dict, address, nodes) -> None:
    """`prefetch --executor ray`: one pinned task per node; a line per node, exit 1 on any failure."""
    import ray

    from codefix.stages.ray_connect import join
    from codefix.stages.ray_images import prefetch_on_nodes
    started_here = not ray.is_initialized()
    if started_here:
        join(address, include_dashboard=False, log_to_driver=False)
    try:
        reports = prefetch_on_nodes(config, picked, [n.strip() for n in (nodes or "").split(",")])
    finally:
        if started_here:
            ray.shutdown()
    bad = 0
    for rep in reports:
        if rep["error"]:
            bad += 1
            click.echo(f"failed: {rep['error']}", err=True)
            continue
        for iid, why in rep["failed"].items():
            click.echo(f"failed {iid} on node {rep['node']}: {why}", err=True)
        bad += bool(rep["failed"])
        click.echo(f"node {rep['node']}: pulled {len(rep['pulled'])}, present {len(rep['present'])}, "
                   f"failed {len(rep['failed'])}")
    if bad:
        raise SystemExit(1)


@command.command("prune")
@selection_options
@image_options()
def prune(dataset, instances, pattern, slice_, config_file, docker_host, image_opts):
    """Remove the selection's images that codefix pulled or built onto the engine (and nothing else);
    with a pool of engines (--docker-host more than once), on every engine of it."""
    from codefix.stages.engine_images import on_each_engine, prune_recorded

    backend = backend_of(config_file, docker_host, image_opts)
    members, named = _engines(backend)
    names = {backend.images.image_name(inst) for inst in _selected(dataset, instances, pattern, slice_)}
    reports = on_each_engine(lambda member: prune_recorded(member.images, names), members)
    for rep in reports:
        if rep.unreachable:
            continue
        removed, kept = rep.result
        for name, why in kept.items():
            click.echo(f"{named(rep.engine)}kept {name}: {why}", err=True)
        click.echo(f"{named(rep.engine)}removed {len(removed)} image(s) codefix had fetched; {len(kept)} kept")
    if _unreachable(reports):
        raise SystemExit(1)
