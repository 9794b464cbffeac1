"""Which reproduction script a repository gets (agent/script_kinds.py), how a stored script is run
by its `#!` line, the test command the prompts may show (agent/record_tests.py), and the prompts
that name the language, the script's kind and the test command."""

from __future__ import annotations

import subprocess

import pytest
from pydantic import ValidationError

from agent.editing_machine import EditingTask
from agent.record_tests import public_test_command, script_test_command
from agent.script_kinds import (PYTHON, SHELL, ScriptTarget, choose_target, interpreter, run_command, script_file,
                                script_kind, target_of_files)
from agent.script_runs import ScriptRunConfig, run_script
from agent.testing_machine import TestingTask
from codefix.core.instance import Instance
from selection.candidates import build_pool
from selection.selection_machine import SelectionTask
from tests.agent.fakes import LocalDirSandbox


@pytest.mark.parametrize("script, program, kind", [
    ("#!/bin/sh\nexit 2\n", "sh", SHELL),
    ("#!/usr/bin/env bash\nexit 2\n", "bash", SHELL),
    ("#! /bin/bash -e\nexit 2\n", "bash", SHELL),
    ("\n  #!/bin/dash\nexit 2\n", "dash", SHELL),
    ("#!/usr/bin/env python3\nimport sys\n", "python3", PYTHON),
    ("#!/usr/bin/env node\nprocess.exit(2)\n", "node", PYTHON),
    ("#!/bin/sh;rm -rf /\n", "sh;rm", PYTHON),  # no shell by that name: not run as one
    ("import sys\nsys.exit(2)\n", None, PYTHON),
    ("", None, PYTHON),
])
def test_a_scripts_kind_is_its_hashbang_line(script, program, kind):
    assert interpreter(script) == program and script_kind(script) == kind


def test_a_shell_script_is_written_beside_the_python_name_and_checked_before_it_runs():
    assert script_file("codefix_reproduce.py", "import sys\n") == "codefix_reproduce.py"
    assert script_file("codefix_vote_test.py", "#!/bin/sh\n") == "codefix_vote_test.sh"
    assert run_command("print(1)\n", "codefix_x.py") == "python3 codefix_x.py"
    assert run_command("#!/bin/sh\nexit 0\n", "codefix_x.sh").splitlines() == [
        "sh -n codefix_x.sh || { echo 'codefix: the script does not parse (sh -n), exit 1'; exit 1; }",
        "sh codefix_x.sh"]
    assert ScriptRunConfig(script_path="codefix_vote_test.py").paths == ("codefix_vote_test.py", "codefix_vote_test.sh")
    with pytest.raises(ValidationError, match="not a script kind"):
        ScriptRunConfig(kind="perl")


@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "README").write_text("x\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x"],
                   check=True)
    return tmp_path


@pytest.mark.parametrize("script, exit_code", [
    ("#!/bin/bash\necho checking\nexit 2\n", 2),
    ("#!/bin/bash\n[ -f README ] && exit 0\nexit 2\n", 0),
    ("#!/bin/bash\nif [ -f README ]; then\n  exit 0\n", 1),  # bash's own syntax error exits 2: read as 1
    ("#!/bin/sh\nexit 0\n", 0),
    ("import sys\nsys.exit(2)\n", 2),
])
def test_run_script_runs_each_kind_with_its_interpreter_and_keeps_the_exit_code_contract(repo, script, exit_code):
    box = LocalDirSandbox(repo)
    result = run_script(box, script, ScriptRunConfig())
    assert result.exit_code == exit_code, result.output
    written = "codefix_reproduce.py" if script_kind(script) == PYTHON else "codefix_reproduce.sh"
    assert written in box.commands[-1]


@pytest.mark.parametrize("languages, record, kind, expected", [
    (["python"], "", "auto", (PYTHON, "python")),
    ([], "", "auto", (PYTHON, "")),
    (None, "", "auto", (PYTHON, "")),
    (["go"], "", "auto", (SHELL, "go")),
    (["javascript", "python"], "", "auto", (SHELL, "javascript")),
    (["python"], "Go", "auto", (SHELL, "go")),  # a record's own language wins (SWE-bench Pro's repo_language)
    (["python"], "TypeScript", "auto", (SHELL, "javascript")),
    (["go"], "", "python", (PYTHON, "go")),
    (["python"], "", "shell", (SHELL, "python")),
    (["cobol"], "", "auto", (PYTHON, "")),
])
def test_the_target_follows_the_repositorys_language_unless_the_config_names_a_kind(languages, record, kind, expected):
    target = choose_target(languages, "go test ./...", kind, record)
    assert (target.kind, target.language) == expected and target.test_command == "go test ./..."


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown script kind"):
        choose_target(["go"], kind="perl")


def test_selection_takes_the_language_of_the_changed_files_and_the_kind_of_the_example_test():
    files = ["src/parse.js", "src/decode.js", "README.md", "setup.py"]
    assert target_of_files(files, "#!/bin/bash\nexit 2\n") == ScriptTarget(SHELL, "javascript")
    assert target_of_files(files, "import sys\n") == ScriptTarget(PYTHON, "javascript")
    assert target_of_files(files) == ScriptTarget(SHELL, "javascript")
    assert target_of_files(["pkg/a.py"], "", "pytest") == ScriptTarget(PYTHON, "python", "pytest")


def record(command: str, test_patch_files=(), **fields) -> Instance:
    test_patch = "".join(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-a\n+b\n" for p in test_patch_files)
    script = f"#!/bin/bash\ncd /testbed\n: '>>>>> Start Test Output'\n{command}\nSWEBENCH_TEST_EXIT_CODE=$?\n" \
             f": '>>>>> End Test Output'\n"
    return Instance(instance_id="o__r-1", repo="o/r", base_commit="abc", problem_statement="it breaks",
                    test_patch=test_patch, image="o/r:1", eval_script=script, log_parser="parse_log_gotest", **fields)


@pytest.mark.parametrize("inst, shown", [
    (record("node --test --test-reporter=tap src/keys.test.js src/parse.test.js", ["src/parse.test.js"]),
     "node --test --test-reporter=tap src/keys.test.js"),
    (record("go test -count=1 -v ./...", ["wrap_test.go"], FAIL_TO_PASS=["TestWrap"]), "go test -count=1 -v ./..."),
    (record("go test -v -run '^(TestWrapBytes|TestFill)$' ./...", ["wrap_test.go"], FAIL_TO_PASS=["TestWrapBytes"]),
     "go test -v"),  # the graded tests' names are not shown, nor the option that takes them
    (record("cargo test --test=it_parses_dates", FAIL_TO_PASS=["it_parses_dates"]), "cargo test"),
    (record("pytest -rA 'tests/test_a.py"), ""),  # not a command line we can take apart: nothing shown
    (Instance(instance_id="l__r-1", repo="l/r", base_commit="", problem_statement="x", test_cmd="npm test"), "npm test"),
])
def test_the_prompts_test_command_hides_the_test_patchs_files_and_the_graded_tests(inst, shown):
    assert public_test_command(inst) == shown


def test_an_eval_script_without_markers_has_no_test_command():
    assert script_test_command("#!/bin/bash\ngo test ./...\n") == ""
    assert script_test_command(": '>>>>> Start Test Output'\na\nSWEBENCH_TEST_EXIT_CODE=$?\nb\n"
                               ": '>>>>> End Test Output'\n") == "a && b"


GO = ScriptTarget(SHELL, "go", "go test -count=1 -v ./...")


def test_the_testing_prompt_asks_a_go_repository_for_a_shell_script_naming_its_test_command():
    system = TestingTask("wrap counts bytes", target=GO).start()[0]["content"]
    assert "expert Go developer" in system and "The repository is written in Go" in system
    assert "The script is a shell script" in system and "`go test -count=1 -v ./...`" in system
    assert "exit code 2 when the issue is present" in system and "python" not in system.lower()
    python = TestingTask("clamp inverts bounds").start()[0]["content"]
    assert "expert Python developer" in python and "run with `python3`" in python and "shell" not in python


def test_the_editing_and_selection_prompts_speak_the_repositorys_language():
    editing = EditingTask("wrap counts bytes", "#!/bin/bash\nexit 2\n", "ctx", target=GO).start()[0]["content"]
    assert "expert Go developer" in editing and "```go\npath/to/file.go\n<<<<<<< SEARCH" in editing
    assert "a shell script run with bash" in editing
    pool = build_pool("x__y-1", [("--- a/w.go\n+++ b/w.go\n@@ -1 +1 @@\n-a\n+b\n", "0", [])])
    messages = SelectionTask("wrap counts bytes", pool.candidates, files={}, example_test="#!/bin/bash\nexit 2\n",
                             apply_patch=lambda box, patch: None, target=GO).start()
    assert "The script is a shell script" in messages[0]["content"]
    assert "```bash\n#!/bin/bash\nexit 2\n```" in messages[1]["content"]


def test_no_verified_prompt_names_a_graded_test_or_a_test_patch_file():
    import json

    from agent.record_tests import test_files
    from tests.selection.shared_data import VERIFIED, need

    shown = {}
    for line in need(VERIFIED).read_text().splitlines():
        inst = Instance(**json.loads(line))
        command = public_test_command(inst)
        words = command.split()
        assert command and not set(test_files(inst)) & set(words), inst.instance_id
        assert not [t for t in inst.FAIL_TO_PASS if len(t) > 3 and t in command], inst.instance_id
        shown.setdefault(inst.repo, command)
    assert shown["django/django"] == "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
    assert shown["sympy/sympy"] == "PYTHONWARNINGS=ignore::UserWarning,ignore::SyntaxWarning bin/test -C --verbose"
