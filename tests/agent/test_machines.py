import subprocess

import pytest

from agent.editing_machine import EditingTask
from agent.loop import run_trajectory
from agent.script_runs import ScriptRunConfig
from agent.testing_machine import TestingTask
from tests.agent.fakes import LocalDirSandbox, ScriptedModel, make_repo

SRC = {"calc.py": "def add(a, b):\n    return a - b\n", "README": "calc\n"}
SCRIPT = (
    "import sys\nfrom calc import add\nprint('add(2, 3) =', add(2, 3))\n"
    "sys.exit(0 if add(2, 3) == 5 else 2)\n"
)
FIX = "```python\ncalc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n"


@pytest.fixture
def sandbox(tmp_path):
    return LocalDirSandbox(make_repo(tmp_path / "repo", SRC))


def test_testing_machine_runs_the_script_and_accepts(sandbox, tmp_path):
    model = ScriptedModel(["no code here", f"<test>\n{SCRIPT}</test>", "ACCEPT"])
    rec = run_trajectory(TestingTask("add subtracts"), model, sandbox, ledger=None, stage="testing", path=tmp_path / "t.json")
    assert rec.status == "submitted" and rec.format_errors == 1
    assert rec.result == {"test": SCRIPT, "exit_code": 2, "output": "add(2, 3) = -1\n"}
    assert "add(2, 3) = -1" in rec.messages[-2]["content"] or "add(2, 3) = -1" in rec.steps[1]["run"]["output"]
    assert "add subtracts" in rec.messages[1]["content"]


def test_hanging_script_is_killed_and_big_output_cut_in_the_middle(sandbox, tmp_path):
    config = ScriptRunConfig(timeout=1, output_limit=1000)
    hang = "<test>\nimport time\ntime.sleep(30)\n</test>"
    loud = "<test>\nprint('HEAD')\nprint('x' * 2_000_000)\nprint('TAIL')\n</test>"
    model = ScriptedModel([hang, loud, "ACCEPT"])
    rec = run_trajectory(TestingTask("i", config), model, sandbox, ledger=None, stage="testing", path=tmp_path / "t.json")
    first, second = rec.steps[0]["run"], rec.steps[1]["run"]
    assert first["timed_out"] and first["exit_code"] == -1 and "killed after 1 s" in rec.messages[3]["content"]
    assert len(second["output"]) < 1100 and second["output"].startswith("HEAD") and "TAIL" in second["output"]
    assert "characters omitted from the middle of the output" in second["output"]  # the one marker


def test_editing_machine_runs_before_and_after_and_yields_a_clean_patch(sandbox, tmp_path):
    bad = FIX.replace("return a - b", "return a  -  b", 1)
    broken = FIX.replace("return a + b", "return (a + b", 1)
    model = ScriptedModel([bad, broken, FIX, "ACCEPT"])
    task = EditingTask("add subtracts", SCRIPT, "<file path='calc.py'>...</file>")
    rec = run_trajectory(task, model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json")
    assert rec.status == "submitted"
    assert "not found in calc.py" in rec.steps[0]["rejected"] and "lines 2-2" in rec.steps[0]["rejected"]
    assert "calc.py:2:" in rec.steps[1]["rejected"]
    third = rec.steps[2]
    assert third["before"]["exit_code"] == 2 and third["after"]["exit_code"] == 0
    patch = rec.result["patch"]
    assert rec.result["before"] == 2 and rec.result["after"] == 0
    assert "codefix_reproduce" not in patch and patch.endswith("\n")
    sandbox.reset()
    subprocess.run(["git", "apply", "--check", "-"], input=patch.encode(), cwd=sandbox.repo, check=True)


def test_editing_machine_ambiguous_edit_and_test_revision(tmp_path):
    repo = make_repo(tmp_path / "repo", {"m.py": "x = 1\ny = 2\nx = 1\n"})
    sandbox = LocalDirSandbox(repo)
    ambiguous = "```\nm.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 3\n>>>>>>> REPLACE\n```"
    good = "```\nm.py\n<<<<<<< SEARCH\nx = 1\ny = 2\n=======\nx = 3\ny = 2\n>>>>>>> REPLACE\n```"
    new_test = "<test>\nimport sys, m\nsys.exit(0 if m.x == 1 else 2)\n</test>"
    model = ScriptedModel([ambiguous, good, new_test])
    task = EditingTask("i", "import sys\nsys.exit(2)\n", "ctx")
    rec = run_trajectory(task, model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json", max_calls=3)
    assert "matches 2 places" in rec.steps[0]["rejected"]
    assert rec.status == "max_calls"
    assert rec.result["test"].startswith("import sys, m") and rec.result["after"] == 0
    assert "+x = 3" in rec.result["patch"]


def test_accept_without_edits_is_a_format_error(sandbox, tmp_path):
    model = ScriptedModel(["ACCEPT", FIX, "ACCEPT"])
    rec = run_trajectory(EditingTask("i", SCRIPT, "c"), model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json")
    assert rec.format_errors == 1 and rec.status == "submitted"


def test_editing_machine_creates_new_files(sandbox, tmp_path):
    create = "```python\npkg/extra.py\n<<<<<<< SEARCH\n=======\nVALUE = 5\n>>>>>>> REPLACE\n```"
    model = ScriptedModel([create, "ACCEPT"])
    test = "import sys\nfrom pkg.extra import VALUE\nsys.exit(0 if VALUE == 5 else 2)\n"
    rec = run_trajectory(EditingTask("i", test, "c"), model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json")
    assert rec.steps[0]["before"]["exit_code"] == 1 and rec.steps[0]["after"]["exit_code"] == 0
    assert "new file mode" in rec.result["patch"]


def test_editing_steps_record_the_patch_after_each_applied_edit(sandbox, tmp_path):
    wrong = FIX.replace("return a + b", "return b - a", 1)
    undo = "```python\ncalc.py\n<<<<<<< SEARCH\n    return b - a\n=======\n    return a - b\n>>>>>>> REPLACE\n```\n"
    bad = FIX.replace("return a - b", "return nothing", 1)
    model = ScriptedModel([wrong, bad, undo, FIX, "ACCEPT"])
    rec = run_trajectory(EditingTask("i", SCRIPT, "c"), model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json")
    steps = rec.steps
    assert [s["call"] for s in steps] == [1, 2, 3, 4, 5]
    assert "-    return a - b\n+    return b - a\n" in steps[0]["patch"]
    assert "patch" not in steps[1] and "rejected" in steps[1]  # a rejected edit changes nothing
    assert steps[2]["patch"] == ""  # the edit undone: back to no change
    assert steps[3]["patch"] == rec.result["patch"] and "+    return a + b\n" in steps[3]["patch"]
    assert "patch" not in steps[4]  # ACCEPT


def test_first_editing_turn_shows_the_scripts_output_on_the_original_code_and_the_repository():
    task = EditingTask("add subtracts", SCRIPT, "ctx", test_run={"exit_code": 2, "output": "add(2, 3) = -1\n"},
                       repo="acme/calc", version="1.4")
    system, user = task.start()
    assert "may itself be wrong" in system["content"] and "think it through" in system["content"]
    # the repository, issue and context sit in the system message: the prefix every pair shares (cached)
    assert "The repository is acme/calc, version 1.4. Here is the issue:\n\n<issue>\nadd subtracts" in system["content"]
    assert user["content"].startswith("<reproduction_script>")
    assert "The reproduction script on the original code: exit code 2\n<output>\nadd(2, 3) = -1\n</output>" in user["content"]


def test_crlf_file_is_edited_with_its_line_endings_and_the_patch_applies(tmp_path):
    crlf = "def add(a, b):\r\n    return a - b\r\n"
    repo = make_repo(tmp_path / "repo", {"calc.py": ""})
    (repo / "calc.py").write_bytes(crlf.encode())
    subprocess.run(["git", "commit", "-qam", "crlf"], cwd=repo, check=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})
    sandbox = LocalDirSandbox(repo)
    sandbox.read_file = lambda path: (repo / path).read_bytes().decode()  # keep the CRs, as the Docker sandbox does
    model = ScriptedModel([FIX, "ACCEPT"])
    rec = run_trajectory(EditingTask("i", SCRIPT, "c"), model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json")
    assert rec.status == "submitted" and rec.steps[0]["after"]["exit_code"] == 0
    assert "+    return a + b\r\n" in rec.result["patch"]
    sandbox.reset()
    subprocess.run(["git", "apply", "-"], input=rec.result["patch"].encode(), cwd=repo, check=True)
    assert (repo / "calc.py").read_bytes() == b"def add(a, b):\r\n    return a + b\r\n"


def test_prefixed_paths_drifted_indentation_and_repeated_edits(sandbox, tmp_path):
    drifted = "```python\na/calc.py\n<<<<<<< SEARCH\nreturn a - b\n=======\nreturn a + b\n>>>>>>> REPLACE\n```"
    model = ScriptedModel([drifted, drifted + "\n" + SECOND, "ACCEPT"])
    rec = run_trajectory(EditingTask("i", SCRIPT, "c"), model, sandbox, ledger=None, stage="editing", path=tmp_path / "e.json")
    first, second = rec.steps[0], rec.steps[1]
    assert first["after"]["exit_code"] == 0 and not (sandbox.repo / "a").exists()
    assert any("indented 4 spaces less" in n for n in first["notes"]) and any("read as calc.py" in n for n in first["notes"])
    assert "Note: Your edit of calc.py was applied although" in rec.messages[3]["content"]
    assert any("repeats one applied in an earlier turn" in n for n in second["notes"])
    assert rec.result["patch"].count("+    return a + b") == 1 and "+# checked" in rec.result["patch"]


SECOND = "```python\ncalc.py\n<<<<<<< SEARCH\ndef add(a, b):\n=======\n# checked\ndef add(a, b):\n>>>>>>> REPLACE\n```"


@pytest.mark.parametrize("reply, problem", [
    ("```python\na/calc_new.py\n<<<<<<< SEARCH\n=======\nX = 1\n>>>>>>> REPLACE\n```", "looks like a diff prefix"),
    ("```\n.git/config\n<<<<<<< SEARCH\n=======\n[core]\n>>>>>>> REPLACE\n```", "inside .git/"),
    ("```\ncodefix_reproduce.py\n<<<<<<< SEARCH\n=======\nX = 1\n>>>>>>> REPLACE\n```", "is the reproduction script"),
])
def test_junk_git_and_script_paths_are_refused_and_nothing_is_written(sandbox, tmp_path, reply, problem):
    task = EditingTask("i", SCRIPT, "c")
    step = task.observe(reply, sandbox)
    assert problem in step.outputs["rejected"] and task.patch == ""
    assert not (sandbox.repo / "a").exists()


def test_an_edit_restated_against_the_original_is_explained(sandbox):
    task = EditingTask("i", SCRIPT, "c")
    task.observe(FIX.replace("return a + b", "return b + a", 1), sandbox)
    step = task.observe(FIX, sandbox)  # SEARCH is the original line, which the first edit changed
    assert "matches the original calc.py, but your earlier edits changed those lines" in step.outputs["rejected"]


def test_accept_with_edits_and_untagged_tests_are_not_guessed(sandbox):
    task = EditingTask("i", SCRIPT, "c")
    step = task.observe(FIX + "\nACCEPT", sandbox)
    assert step.format_error and "both says ACCEPT and carries SEARCH/REPLACE edits" in step.message
    step = task.observe("Try this test:\n```python\nimport sys\nsys.exit(0)\n```", sandbox)
    assert step.format_error and "not inside <test> … </test> tags" in step.message
    step = task.observe(FIX + "\n```python\nimport sys\nsys.exit(0)\n```", sandbox)
    assert not step.format_error and step.outputs["after"]["exit_code"] == 0 and task.test == SCRIPT
    assert "read as quotations; the reproduction script is unchanged" in step.message
