"""`codefix config show`: the effective run configuration, every knob with its default and doc."""

from __future__ import annotations

from pathlib import Path

import click

from codefix.cli.run_options import config_option


@click.group("config")
def command() -> None:
    """Run configurations: what solve, batch, generate and ensemble are configured by."""


@command.command("show")
@config_option
def show(config_file: Path | None) -> None:
    """Print the effective configuration as YAML: the defaults, or FILE's settings over them.
    Give it to a command with --config (options given there override it)."""
    from codefix.cli.run_options import build_run_config
    from codefix.stages.config_yaml import commented_yaml

    click.echo(commented_yaml(build_run_config({}, config_file=config_file)), nl=False)
