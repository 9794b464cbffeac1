"""The gold double's shell reproduction script (gold_script/reproduce.sh, filled by shell.py), run
with bash on a git checkout: it applies the test patch, runs the record's own test command, reads
the FAIL_TO_PASS results with its log parser's line format, reverts, and keeps the exit-code
contract (2 present, 0 fixed, 1 no results); a log parser without a reader leaves the verdict to
the command's status. The record is a literal; the test command is a shell snippet printing each
format's lines from the state of the checkout."""

from __future__ import annotations

import subprocess

import pytest

from agent.models.test_doubles.gold_answers.testing import answer
from agent.models.test_doubles.gold_script.shell import heredoc, shell_reproduction_script
from codefix.core.instance import Instance

TEST_PATCH = ("diff --git a/new_test b/new_test\nnew file mode 100644\n--- /dev/null\n+++ b/new_test\n"
              "@@ -0,0 +1 @@\n+a new test's file\n")
# The "tests": each passes when the source file says fixed; the new ones exist only with the test patch.
LINES = {
    "parse_log_gotest": ('--- {status}: TestWrap/accented_words (0.00s)', '--- PASS: TestOld (0.01s)', "PASS", "FAIL",
                         ["TestWrap/accented_words"]),
    "parse_log_tap": ('    {status} 3 - keeps a stray % (x)', 'ok 1 - old one', "ok", "not ok", ["- keeps a stray % (x)"]),
    "parse_log_cargo": ('test parse::it_keeps_50% ... {status}', 'test old ... ok', "ok", "FAILED",
                        ["parse::it_keeps_50%"]),
}


def command(new_line: str, old_line: str, passed: str, failed: str) -> str:
    new = new_line.format(status="$s")
    return (f"s={failed}; grep -q fixed src.txt && s='{passed}'; echo '{old_line}'; "
            f"if [ -f new_test ]; then echo \"{new}\"; fi")


def record(parser: str, test_cmd: str, tests: list[str]) -> Instance:
    return Instance(instance_id="o__r-1", repo="o/r", base_commit="", problem_statement="it breaks",
                    test_patch=TEST_PATCH, FAIL_TO_PASS=tests, test_cmd=test_cmd, log_parser=parser, test_timeout=20)


@pytest.fixture
def checkout(tmp_path):
    run = lambda *args: subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("git", "init", "-q")
    (tmp_path / "src.txt").write_text("broken\n")
    run("git", "add", ".")
    run("git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "base")
    return tmp_path


def verdict(checkout, script: str) -> tuple[int, str]:
    (checkout / "codefix_reproduce.sh").write_text(script)
    done = subprocess.run(["bash", "codefix_reproduce.sh"], cwd=checkout, capture_output=True, text=True, timeout=60)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=checkout, capture_output=True, text=True).stdout
    assert "new_test" not in status  # the test patch is reverted
    return done.returncode, done.stdout


@pytest.mark.parametrize("parser", sorted(LINES))
def test_the_script_reads_its_log_parsers_lines_and_keeps_the_contract(checkout, parser):
    new_line, old_line, passed, failed, tests = LINES[parser]
    script = shell_reproduction_script(record(parser, command(new_line, old_line, passed, failed), tests))
    assert script.startswith("#!/bin/bash\n")
    code, out = verdict(checkout, script)
    assert code == 2 and "1 of 1 test(s) fail" in out, out
    (checkout / "src.txt").write_text("fixed\n")
    code, out = verdict(checkout, script)
    assert code == 0 and "issue fixed: 1 test(s) pass" in out, out


def test_a_test_that_never_ran_is_the_issue_present_and_no_results_is_a_script_error(checkout):
    (checkout / "src.txt").write_text("fixed\n")
    missing = shell_reproduction_script(record("parse_log_gotest", "echo '--- PASS: TestOther (0.00s)'", ["TestWrap"]))
    assert verdict(checkout, missing)[0] == 2
    silent = shell_reproduction_script(record("parse_log_gotest", "echo compiling; exit 1", ["TestWrap"]))
    assert verdict(checkout, silent) == (1, "compiling\nthe test command produced no test results (it could not run)\n")


def test_a_parser_without_a_reader_leaves_the_verdict_to_the_commands_status(checkout):
    script = shell_reproduction_script(record("parse_log_jest", "[ -f new_test ] && grep -q fixed src.txt", ["t"]))
    assert "LOG_FORMAT=''" in script
    assert verdict(checkout, script)[0] == 2
    (checkout / "src.txt").write_text("fixed\n")
    assert verdict(checkout, script)[0] == 0
    missing_tool = shell_reproduction_script(record("parse_log_jest", "no-such-runner --ci", ["t"]))
    assert verdict(checkout, missing_tool)[0] == 1


def test_a_hanging_test_command_is_the_issue_present(checkout):
    inst = record("parse_log_gotest", "sleep 30", ["TestWrap"]).model_copy(update={"test_timeout": 1})
    assert verdict(checkout, shell_reproduction_script(inst)) == (2, "the tests hang: issue present\n")


def test_text_holding_the_here_documents_delimiter_survives_verbatim(checkout):
    text = "line one\nCODEFIX_TEXT\n'quotes' and $dollars `ticks`\n"
    shell = heredoc("VALUE", text) + 'printf "%s" "$VALUE"\n'
    assert subprocess.run(["bash", "-c", shell], capture_output=True, text=True).stdout == text


def test_the_gold_testing_answer_writes_the_kind_its_prompt_asks_for():
    inst = record("parse_log_gotest", "go test -v ./...", ["TestWrap"])
    shell = [{"role": "system", "content": "The repository is written in Go. The script is a shell script, run ..."}]
    python = [{"role": "system", "content": "The script is a standalone Python program, run with `python3` ..."}]
    assert "<test>\n#!/bin/bash\n" in answer(inst, shell, {}, False)
    assert "<test>\n#!/bin/bash" not in answer(inst, python, {}, False) and "import subprocess" in answer(inst, python, {}, False)
