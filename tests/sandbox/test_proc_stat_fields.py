"""The container scripts read a process's state and group from /proc/PID/stat after the last ") ":
the command name before it is whatever the process wrote to /proc/self/comm."""

from __future__ import annotations

import subprocess

import pytest

from sandbox.docker.container_scripts import STAT_FIELDS

TAIL = " 1 77 77 0 -1 4194560 98 0 0 0 0 0 0 0 20 0 1 0 4711 2420736 128 18446744073709551615\n"


def fields(stat: str) -> tuple[str, str]:
    out = subprocess.run(["bash", "-c", STAT_FIELDS + '; printf "%s|%s" "$st" "$pg"', "_"],
                         env={"s": stat, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True).stdout
    st, pg = out.split("|")
    return st, pg


@pytest.mark.parametrize("comm", ["sleep", "x Z y", "a) Z (b", "Z", "(", ")", ") Z 1 77 77", "two\nZ lines", "))) ((("])
def test_state_and_group_are_read_after_the_last_parenthesis_whatever_the_name(comm):
    assert fields(f"4242 ({comm}) S" + TAIL) == ("S", "77")


def test_a_real_zombie_reads_as_one():
    assert fields("4242 (x Z y) Z" + TAIL) == ("Z", "77")
