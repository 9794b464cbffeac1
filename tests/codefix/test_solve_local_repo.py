"""`codefix solve --repo PATH --issue FILE`: an instance for a user's own git repository at HEAD,
built into a sandbox image from the base image, solved end to end."""

import subprocess
from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.datasets import Dataset
from codefix.core.errors import InputError
from codefix.core.errors import CodefixWarning
from codefix.core.local_repo import DEFAULT_TEST_CMD, local_instance

CALC = "def add(a, b):\n    return a - b\n\n\ndef double(a):\n    return a * 2\n"
TESTS = "from calc import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
NEW_TEST = "\n\ndef test_add():\n    from calc import add\n    assert add(2, 3) == 5\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "my calc"
    (repo / "tests").mkdir(parents=True)
    (repo / "calc.py").write_text(CALC)
    (repo / "tests" / "test_calc.py").write_text(TESTS)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "calc")
    return repo


def diff_of(repo: Path, path: str, new_text: str) -> str:
    """The patch turning the committed `path` into `new_text` (the working tree is restored)."""
    target = repo / path
    old = target.read_text()
    target.write_text(new_text)
    try:
        return git(repo, "diff", "--", path)
    finally:
        target.write_text(old)


def test_instance_is_head_without_uncommitted_changes(repo, tmp_path):
    (tmp_path / "issue.md").write_text("add() subtracts\n")
    (repo / "calc.py").write_text("uncommitted\n")
    (repo / "scratch.txt").write_text("untracked\n")
    with pytest.warns(CodefixWarning, match=r"uncommitted changes \(calc.py, scratch.txt\).*HEAD"):
        inst = local_instance(repo, tmp_path / "issue.md", cache_dir=tmp_path / "cache")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert inst.repo_head == head and inst.instance_id == f"local__my-calc-{head[:12]}"
    assert inst.problem_statement == "add() subtracts\n" and inst.test_cmd == DEFAULT_TEST_CMD
    assert (inst.source / "calc.py").read_text() == CALC
    assert not (inst.source / "scratch.txt").exists() and not (inst.source / ".git").exists()


def test_bad_repo_or_issue_is_one_clear_error(repo, tmp_path, capsys):
    (tmp_path / "issue.md").write_text("x")
    plain_dir = tmp_path / "plain"
    plain_dir.mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        local_instance(plain_dir, tmp_path / "issue.md", cache_dir=tmp_path / "cache")
    (tmp_path / "empty.md").write_text("  \n")
    with pytest.raises(InputError, match="is empty"):
        local_instance(repo, tmp_path / "empty.md", cache_dir=tmp_path / "cache")
    assert main(["solve", "--repo", str(repo)]) == 2
    assert "--repo and --issue go together" in capsys.readouterr().err
    assert main(["solve", "--repo", str(repo), "--issue", str(tmp_path / "issue.md"), "-d", "x.jsonl", "-i", "a"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.docker
def test_local_repo_is_solved_end_to_end(docker_client, repo, tmp_path):
    from agent.models.factory import make_model
    from codefix.core.ledger import Ledger
    from codefix.stages.run_config import RunConfig
    from codefix.stages.solve import solve_instance
    from codefix.core.store import RunStore
    from sandbox.evaluation.evaluate import evaluate_in_sandbox
    from sandbox.backend_config import sandbox_factory

    (tmp_path / "issue.md").write_text("calc.add(2, 3) returns -1 instead of 5.\n")
    inst = local_instance(repo, tmp_path / "issue.md", cache_dir=tmp_path / "cache")
    # What a strong model would write, given to the gold test double as this instance's answers.
    labelled = inst.model_copy(update={
        "patch": diff_of(repo, "calc.py", CALC.replace("a - b", "a + b")),
        "test_patch": diff_of(repo, "tests/test_calc.py", TESTS + NEW_TEST),
        "FAIL_TO_PASS": ["tests/test_calc.py::test_add"], "PASS_TO_PASS": ["tests/test_calc.py::test_double"],
    })
    ds = Dataset("local", [labelled])
    model = make_model("gold", dataset=ds)
    store = RunStore(tmp_path / "runs", "local")
    outcome = solve_instance(inst, primary=model, reader=model, ledger=Ledger(), store=store,
                             predictions=store.root / "preds.jsonl", config=RunConfig.model_validate({"model": {"name": "gold"},
                                                              "generation": {"samples": 2, "workers": 1}}))
    assert outcome.status == "solved" and "+    return a + b" in outcome.patch
    sandboxes, built = sandbox_factory(labelled)
    with sandboxes() as sandbox:
        report, log = evaluate_in_sandbox(built, outcome.patch, sandbox)
    assert report.resolved, (report.reason, log[-2000:])
