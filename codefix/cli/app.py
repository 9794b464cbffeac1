"""The `codefix` command line. Each command lives in `codefix/cli/commands/<name>.py` and is
imported only when it runs, so `codefix --help` never loads docker, litellm or datasets."""

from __future__ import annotations

import errno
import importlib
import sys
import warnings

import click

from codefix.core.errors import CodefixError, CodefixWarning

COMMANDS = {
    "evaluate": ("codefix.cli.commands.evaluate", "Grade patches against an instance's tests in Docker."),
    "config": ("codefix.cli.commands.config", "Show the effective run configuration (every knob, its default) as YAML."),
    "clean": ("codefix.cli.commands.clean", "Remove containers of dead codefix processes (--all: every codefix container)."),
    "context": ("codefix.cli.commands.context", "Rank and pack an instance's relevant files into a token budget."),
    "generate": ("codefix.cli.commands.generate", "Run parallel testing → editing pairs for an instance and collect candidates."),
    "solve": ("codefix.cli.commands.solve", "Solve one issue end to end: context → generation → selection → a patch."),
    "ensemble": ("codefix.cli.commands.ensemble", "Pool submissions and codefix runs, select per instance, report scores."),
    "report": ("codefix.cli.commands.report", "Summarise a run: stage funnel, cost by stage, failures, pass@k."),
    "batch": ("codefix.cli.commands.batch", "Solve many instances in parallel (threads or Ray), resumable, within one budget."),
    "view": ("codefix.cli.commands.view", "Inspect a run in the browser: one self-contained view.html, or --serve it live."),
    "images": ("codefix.cli.commands.images", "SWE-bench instance images: status, prefetch, prune what codefix fetched."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="codefix")
def cli() -> None:
    """codefix: repair GitHub issues with parallel, execution-checked attempts."""
    from codefix.cli.log_output import print_logs_on_stderr

    print_logs_on_stderr()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings codefix raises on purpose print as one line; others as Python prints them."""
    if issubclass(category, CodefixWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero exit for every deliberate error."""
    warnings.showwarning = _show_warning
    try:
        cli.main(args=argv, standalone_mode=False)
    except CodefixError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = f" writing {exc.filename}" if exc.filename else ""
        click.echo(f"error: no space left on the device{where}: free some space and run the same command again "
                   "(finished work is kept; each artefact is written whole or not at all)", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
