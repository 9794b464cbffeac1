"""swebench 5's grading rules on node's TAP and go test's logs, as the non-Python fixtures' records
name them (literal logs in the shape their eval scripts print; the Docker tests run the real ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from sandbox.evaluation.grading import grade

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = load_dataset(ROOT / "data" / "fixtures-multilang.jsonl")
NODE = FIXTURES.get("codefix-fixtures__qsparse-23")
GO = FIXTURES.get("codefix-fixtures__textwrap-9")


def log(lines: list[str], exit_code: int) -> str:
    """An eval log: the traced markers around the runner's output, then the recorded exit status."""
    from swebench.harness.constants import END_TEST_OUTPUT, START_TEST_OUTPUT, TEST_EXIT_CODE, TEST_EXIT_CODE_VAR

    return "\n".join([f"+ : '{START_TEST_OUTPUT}'", *lines, f"+ {TEST_EXIT_CODE_VAR}={exit_code}",
                      f"+ : '{END_TEST_OUTPUT}'", f"{TEST_EXIT_CODE}: {exit_code}", ""])


def tap(statuses: dict[str, str]) -> list[str]:
    lines = ["TAP version 13"]
    for n, (name, line) in enumerate(statuses.items(), 1):
        lines += [f"# Subtest: {name[2:]}", f"{line} {n} {name}", "  ---", "  duration_ms: 0.3", "  ..."]
    return lines + [f"1..{len(statuses)}", f"# tests {len(statuses)}"]


def gotest(statuses: dict[str, str]) -> list[str]:
    lines = []
    for name, word in statuses.items():
        indent = "    " if "/" in name else ""
        lines += [f"{indent}=== RUN   {name}", f"{indent}--- {word}: {name} (0.00s)"]
    return lines + ["FAIL" if "FAIL" in statuses.values() else "PASS", "ok  \tgithub.com/codefix-fixtures/textwrap\t0.004s"]


def required(instance) -> list[str]:
    return instance.FAIL_TO_PASS + instance.PASS_TO_PASS


def test_a_complete_passing_run_resolves_in_both_languages() -> None:
    node = grade(NODE, log(tap({name: "ok" for name in required(NODE)}), 0))
    go = grade(GO, log(gotest({name: "PASS" for name in required(GO)}), 0))
    assert node.resolved and go.resolved and node.exit_code == go.exit_code == 0


def test_a_skipped_fail_to_pass_test_of_node_is_not_a_resolution() -> None:
    skipped = NODE.FAIL_TO_PASS[0]
    statuses = {name: "ok" for name in required(NODE)}
    lines = [line + " # SKIP" if line.endswith(f" {skipped}") and line.startswith("ok") else line
             for line in tap(statuses)]
    report = grade(NODE, log(lines, 0))
    assert not report.resolved and report.fail_to_pass["failure"] == [skipped]


@pytest.mark.parametrize(("unrelated", "why"), [
    ({}, "reports no failing test but the test command exited 1"),  # swebench 5's exit-status check
    ({"TestUnrelatedFlake": "FAIL"}, "both FAILED and PASSED"),  # another failure hides it: codefix's check
], ids=["only_the_forged_test", "with_an_unrelated_failure"])
def test_a_printed_pass_line_after_go_reports_the_failure_is_unresolved(unrelated: dict, why: str) -> None:
    failing = "TestFillWithAccentedText"
    statuses = {name: "PASS" for name in required(GO)} | {failing: "FAIL"} | unrelated
    forged = gotest(statuses) + [f"--- PASS: {failing} (0.00s)"]  # e.g. printed by a patched init()
    report = grade(GO, log(forged, 1))
    assert not report.resolved and why in report.reason and not report.infra_failure


@pytest.mark.parametrize("lines", [
    ["# github.com/codefix-fixtures/textwrap [github.com/codefix-fixtures/textwrap.test]",
     "./wrap.go:36:6: undefined: Widht", "FAIL\tgithub.com/codefix-fixtures/textwrap [build failed]"],
], ids=["build_failed"])
def test_a_go_build_failure_is_the_patch_s_fault_not_the_infrastructure_s(lines: list[str]) -> None:
    report = grade(GO, log(lines, 1))
    assert not report.resolved and not report.infra_failure and not report.test_status
    assert report.fail_to_pass["failure"] == GO.FAIL_TO_PASS
