"""`codefix clean`: remove every container codefix started, found by its label."""

from __future__ import annotations

import click


@click.command("clean")
def command() -> None:
    """Remove every container carrying codefix's label (running or not) and say how many."""
    from sandbox.live_sandboxes import remove_labelled

    removed = remove_labelled()
    click.echo(f"removed {removed} container{'s' if removed != 1 else ''}")
