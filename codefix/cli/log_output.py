"""Where log records go on the command line: the codefix packages log with the standard
library's `logging` (`logging.getLogger(__name__)`), and a command prints each INFO-or-above
record of theirs as one line on stderr, as it printed its messages before."""

from __future__ import annotations

import logging

import click

PACKAGES = ("codefix", "agent", "sandbox", "selection")
"""The loggers whose records a command prints (their modules' loggers are children of these)."""


class StderrLines(logging.Handler):
    """Each record's message, alone on a line of stderr (through click, so CliRunner sees it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(record.getMessage(), err=True)
        except Exception:
            self.handleError(record)


def print_logs_on_stderr() -> None:
    """Send the codefix packages' records of INFO and above to stderr; calling it again adds nothing."""
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not any(isinstance(h, StderrLines) for h in logger.handlers):
            logger.addHandler(StderrLines())
