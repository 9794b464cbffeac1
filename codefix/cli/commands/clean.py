"""`codefix clean`: remove containers codefix left behind (by label and owner)."""

from __future__ import annotations

import click


@click.command("clean")
@click.option("--all", "everything", is_flag=True,
              help="Remove every codefix container, also those of processes still running.")
@click.option("--pristine", is_flag=True,
              help="Also remove this session's per-image workdir snapshots (volumes) no sandbox is using "
                   "(with --all: every session's).")
def command(everything: bool, pristine: bool) -> None:
    """Remove orphaned codefix containers: those whose owning process is dead (killed, crashed).
    Containers of live runs are kept unless --all is given."""
    from sandbox.docker.orphans import sweep

    result = sweep(everything=everything)
    line = f"removed {result.removed} container{'s' if result.removed != 1 else ''}"
    if result.kept_live:
        line += f"; kept {result.kept_live} of running processes (--all removes them too)"
    click.echo(line)
    if pristine:
        import docker

        from sandbox.docker.ownership import label_value
        from sandbox.docker.pristine import remove_unused

        removed, in_use = remove_unused(docker.from_env(timeout=120), None if everything else label_value())
        click.echo(f"removed {removed} snapshot volume{'s' if removed != 1 else ''}"
                   + (f"; kept {in_use} in use" if in_use else ""))
