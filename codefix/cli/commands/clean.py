"""`codefix clean`: remove containers codefix left behind (by label and owner) on the run's engine."""

from __future__ import annotations

import click

from codefix.cli.run_options import backend_of, engine_options


@click.command("clean")
@click.option("--all", "everything", is_flag=True,
              help="Remove every codefix container, also those of processes still running.")
@click.option("--pristine", is_flag=True,
              help="Also remove this session's per-image workdir snapshots (volumes) no sandbox is using "
                   "(with --all: every session's).")
@engine_options
def command(everything: bool, pristine: bool, config_file, docker_host) -> None:
    """Remove orphaned codefix containers: those whose owning process is dead (killed, crashed).
    Containers of live runs are kept unless --all is given. Acts on the engine of --docker-host
    (or sandbox.docker_host of --config; default: the local one)."""
    result = backend_of(config_file, docker_host).clean(everything=everything, pristine=pristine)
    line = f"removed {result.containers} container{'s' if result.containers != 1 else ''}"
    if result.kept_live:
        line += f"; kept {result.kept_live} of running processes (--all removes them too)"
    click.echo(line)
    if pristine:
        click.echo(f"removed {result.volumes} snapshot volume{'s' if result.volumes != 1 else ''}"
                   + (f"; kept {result.volumes_in_use} in use" if result.volumes_in_use else ""))
