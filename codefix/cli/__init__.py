"""The command-line floor: the `codefix` click group (`app`), its commands (`commands/<name>.py`,
each imported only when it runs) and the click options they share. Nothing below this package
imports click; `codefix.cli:main` is the console entry point."""

from codefix.cli.app import main

__all__ = ["main"]
