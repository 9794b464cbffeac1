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
    """SWE-bench instance images: status, prefetch, prune."""


def _one_engine(backend):
    """The backend when it is one engine (the images of a pool are each engine's own: ask each)."""
    from codefix.core.errors import InputError

    if len(getattr(backend, "members", (backend,))) > 1:
        raise InputError("codefix images acts on one engine: give --docker-host once (run it for each engine of a pool)")
    backend.check()
    return backend


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
    """What is present (and its size), what is missing, and which codefix fetched."""
    from rich.console import Console
    from rich.table import Table

    backend = _one_engine(backend_of(config_file, docker_host, image_opts))
    images = backend.images
    picked = _selected(dataset, instances, pattern, slice_)
    records = images.records.all()
    table = Table(title=f"instance images ({images.config.namespace}) on {backend.engine}")
    for col in ("instance", "image", "state", "size", "fetched by codefix"):
        table.add_column(col, justify="right" if col == "size" else "left", overflow="fold")
    present_bytes, missing = 0, 0
    for inst in picked:
        name = images.image_name(inst)
        size = image_size(images.client, name)
        rec = records.get(name)
        if size is None:
            missing += 1
        else:
            present_bytes += size
        table.add_row(inst.instance_id, name, "missing" if size is None else "present",
                      "-" if size is None else f"{size / 1e9:.2f} GB", f"{rec['how']}" if rec else "-")
    Console().print(table)
    click.echo(f"{len(picked) - missing}/{len(picked)} present ({present_bytes / 1e9:.2f} GB), {missing} missing")


@command.command("prefetch")
@selection_options
@image_options()
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Fetch onto this machine's engine, or onto the engine of every node of a Ray cluster (see --address).")
@click.option("--address", default=None, help="Ray cluster address (auto, HOST:PORT); none starts a local Ray.")
@click.option("--nodes", default=None, metavar="N1,N2",
              help="With --executor ray: only these nodes (IP, host name or Ray node id prefix) [default: every alive node].")
def prefetch(dataset, instances, pattern, slice_, config_file, docker_host, image_opts, executor, address, nodes):
    """Fetch every missing image of the selection, --max-pulls at once (kept: no clean-up)."""
    from codefix.cli.run_options import build_run_config
    from codefix.core.errors import InputError
    from codefix.core.parallel import map_isolated

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

    backend = _one_engine(backend_of(config_file, docker_host, {**image_opts, "cache_level": "instance"}))
    images = backend.images
    picked = _selected(dataset, instances, pattern, slice_)
    todo = [inst for inst in picked if not images.present(images.image_name(inst))]
    click.echo(f"{len(picked) - len(todo)}/{len(picked)} present; fetching {len(todo)}", err=True)
    failed = {}
    for out in map_isolated(images.ensure, todo, images.config.max_pulls):
        if out.error is not None:
            failed[out.item.instance_id] = str(out.error)
            click.echo(f"failed {out.item.instance_id}: {out.error}", err=True)
    click.echo(f"fetched {len(todo) - len(failed)}, failed {len(failed)}")
    if failed:
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
    """Remove the selection's images that codefix pulled or built onto the engine (and nothing else)."""
    backend = _one_engine(backend_of(config_file, docker_host, image_opts))
    images = backend.images
    names = {images.image_name(inst) for inst in _selected(dataset, instances, pattern, slice_)}
    removed, kept = prune_recorded(images, names)
    for name, why in kept.items():
        click.echo(f"kept {name}: {why}", err=True)
    click.echo(f"removed {len(removed)} image(s) codefix had fetched; {len(kept)} kept")


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
    """Bytes of the local image, None when absent."""
    import docker

    try:
        return int(client.images.get(name).attrs.get("Size") or 0)
    except docker.errors.ImageNotFound:
        return None
