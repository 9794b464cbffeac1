"""The packages log with the standard library; a command prints their records on stderr, one
line each, as the ad-hoc `log` callbacks did (and a live display gets a progress hook instead)."""

from __future__ import annotations

import logging

from click.testing import CliRunner

from codefix.cli.app import cli
from codefix.cli.log_output import StderrLines, print_logs_on_stderr


def test_a_command_prints_the_packages_log_records_on_stderr_once(capsys) -> None:
    print_logs_on_stderr()
    print_logs_on_stderr()
    logging.getLogger("codefix.stages.run_session").warning("run r: taking over from pid 7, which died holding it")
    logging.getLogger("sandbox.images.image_acquire").info("pulled x")
    logging.getLogger("agent.loop").debug("not shown")
    assert capsys.readouterr().err == "run r: taking over from pid 7, which died holding it\npulled x\n"
    assert sum(isinstance(h, StderrLines) for h in logging.getLogger("codefix").handlers) == 1


def test_every_command_sets_up_the_log_output() -> None:
    for name in ("codefix", "agent", "sandbox", "selection"):
        for handler in [h for h in logging.getLogger(name).handlers if isinstance(h, StderrLines)]:
            logging.getLogger(name).removeHandler(handler)
    result = CliRunner().invoke(cli, ["config", "--help"])
    assert result.exit_code == 0
    assert all(any(isinstance(h, StderrLines) for h in logging.getLogger(name).handlers)
               for name in ("codefix", "agent", "sandbox", "selection"))
