"""The bundled fixture instances (data/fixtures.jsonl) are sound, checked on the host without Docker.

For every instance, in a temporary git repository made from its source directory: the three
patches apply (git and patch -p1); FAIL_TO_PASS fail before the gold patch and pass with it;
PASS_TO_PASS pass in both; the wrong patch changes behaviour but leaves a FAIL_TO_PASS failing;
the issue text does not give the fix away. The set as a whole covers the variety the project
needs (a two-file fix, a new function, a repository of hundreds of files, a hang, huge output).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.instance import Instance

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "data" / "fixtures.jsonl"
RUN_LIMIT = 10.0
"""Seconds a test run may take here; only the hanging fixture's unfixed run should reach it."""
INSTANCES = list(load_dataset(DATASET))
IDS = [inst.instance_id for inst in INSTANCES]
GIT = ["git", "-c", "user.name=fixtures", "-c", "user.email=fixtures@example.com", "-c", "commit.gpgsign=false"]


@dataclass
class Run:
    status: dict[str, str]
    """Test name -> PASSED/FAILED/... as swebench's pytest log parser reads the output."""
    timed_out: bool
    output_size: int


@dataclass
class Outcome:
    before: Run
    gold: Run
    wrong: Run
    p2p_before: dict[str, str]
    """PASS_TO_PASS statuses before the fix (from a run without FAIL_TO_PASS if `before` hung)."""
    apply_errors: list[str] = field(default_factory=list)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return env


def _run_tests(repo: Path, command: str, limit: float) -> Run:
    from swebench.harness.log_parsers.python import parse_log_pytest

    proc = subprocess.Popen(
        command, shell=True, cwd=repo, env=_env(), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        out, _ = proc.communicate(timeout=limit)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        timed_out = True
    text = out.decode("utf-8", "replace")
    return Run(parse_log_pytest(text, None), timed_out, len(out))


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GIT, *args], cwd=repo, capture_output=True, text=True)


def _check_applies(repo: Path, name: str, patch: str) -> list[str]:
    path = repo.parent / f"{repo.name}.{name}.diff"
    path.write_text(patch)
    errors = []
    git = _git(repo, "apply", "--check", str(path))
    if git.returncode:
        errors.append(f"{name}: git apply --check: {git.stderr.strip()}")
    gnu = subprocess.run(["patch", "-p1", "--dry-run", "-i", str(path)], cwd=repo, capture_output=True, text=True)
    if gnu.returncode:
        errors.append(f"{name}: patch -p1 --dry-run: {gnu.stdout.strip()}")
    return errors


def _apply(repo: Path, patch: str) -> None:
    path = repo.parent / f"{repo.name}.apply.diff"
    path.write_text(patch)
    result = _git(repo, "apply", str(path))
    assert result.returncode == 0, result.stderr


def _evaluate(inst: Instance, workdir: Path) -> Outcome:
    repo = workdir / inst.instance_id
    shutil.copytree(inst.source, repo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    errors = []
    for name in ("test_patch", "patch", "wrong_patch"):
        errors += _check_applies(repo, name, getattr(inst, name))
    limit = min(inst.test_timeout or RUN_LIMIT, RUN_LIMIT)
    _apply(repo, inst.test_patch)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "tests")
    before = _run_tests(repo, inst.test_cmd, limit)
    p2p_before = before.status
    if before.timed_out:
        deselect = " ".join(f"--deselect '{t}'" for t in inst.FAIL_TO_PASS)
        p2p_before = _run_tests(repo, f"{inst.test_cmd} {deselect}", limit).status
    _apply(repo, inst.patch)
    gold = _run_tests(repo, inst.test_cmd, limit)
    _git(repo, "reset", "-q", "--hard")
    _git(repo, "clean", "-qfdx")
    _apply(repo, inst.wrong_patch)
    wrong = _run_tests(repo, inst.test_cmd, limit)
    return Outcome(before, gold, wrong, p2p_before, errors)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    workdir = tmp_path_factory.mktemp("fixtures")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {inst.instance_id: pool.submit(_evaluate, inst, workdir) for inst in INSTANCES}
        return {iid: f.result() for iid, f in futures.items()}


def _files(patch: str) -> list[str]:
    return re.findall(r"^diff --git a/(\S+) b/", patch, flags=re.M)


def _added_lines(patch: str) -> list[str]:
    return [line[1:] for line in patch.splitlines() if line.startswith("+") and not line.startswith("+++")]


def test_dataset_loads_as_local_instances():
    assert len(INSTANCES) >= 6
    for inst in INSTANCES:
        name = inst.repo.split("/")[1]
        assert inst.repo == f"codefix-fixtures/{name}"
        assert re.fullmatch(rf"codefix-fixtures__{name}-\d+", inst.instance_id)
        assert inst.source == (DATASET.parent / "fixtures" / name).resolve()
        assert inst.base_commit == "" and inst.version == "1.0"
        assert inst.test_cmd.startswith("python3 -m pytest -rA ")
        assert inst.test_timeout and inst.test_timeout <= 120


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_record_shape(inst: Instance):
    assert 1 <= len(inst.FAIL_TO_PASS) <= 3
    assert inst.PASS_TO_PASS and not set(inst.FAIL_TO_PASS) & set(inst.PASS_TO_PASS)
    for name in ("patch", "test_patch", "wrong_patch"):
        text = getattr(inst, name)
        assert text.startswith("diff --git ") and text.endswith("\n"), name
    assert inst.wrong_patch != inst.patch
    assert all(not f.startswith("tests/") for f in _files(inst.patch) + _files(inst.wrong_patch))
    assert all(f.startswith("tests/") for f in _files(inst.test_patch))
    test_files = inst.test_cmd.split()[6:]
    assert {t.split("::")[0] for t in inst.FAIL_TO_PASS + inst.PASS_TO_PASS} <= set(test_files)
    assert not list(inst.source.rglob(".git")) and not list(inst.source.rglob("__pycache__"))


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_problem_statement_does_not_reveal_the_fix(inst: Instance):
    statement = inst.problem_statement
    assert len(statement) > 300
    revealing = [line.strip() for line in _added_lines(inst.patch) if len(line.strip()) >= 20]
    assert [line for line in revealing if line in statement] == []


@pytest.mark.parametrize("iid", IDS)
def test_patches_apply_with_git_and_patch(outcomes, iid):
    assert outcomes[iid].apply_errors == []


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_fail_to_pass_fail_before_and_pass_with_the_gold_patch(outcomes, inst: Instance):
    out = outcomes[inst.instance_id]
    assert [t for t in inst.FAIL_TO_PASS if out.before.status.get(t) == "PASSED"] == []
    assert not out.gold.timed_out
    assert {t: out.gold.status.get(t) for t in inst.FAIL_TO_PASS} == {t: "PASSED" for t in inst.FAIL_TO_PASS}


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_pass_to_pass_pass_before_and_after(outcomes, inst: Instance):
    out = outcomes[inst.instance_id]
    expected = {t: "PASSED" for t in inst.PASS_TO_PASS}
    assert {t: out.p2p_before.get(t) for t in inst.PASS_TO_PASS} == expected
    assert {t: out.gold.status.get(t) for t in inst.PASS_TO_PASS} == expected
    assert set(out.gold.status) == set(inst.FAIL_TO_PASS) | set(inst.PASS_TO_PASS)


@pytest.mark.parametrize("inst", INSTANCES, ids=IDS)
def test_wrong_patch_changes_behaviour_but_leaves_a_failure(outcomes, inst: Instance):
    out = outcomes[inst.instance_id]
    assert [t for t in inst.FAIL_TO_PASS if out.wrong.status.get(t) != "PASSED"]
    assert out.wrong.timed_out != out.before.timed_out or out.wrong.status != out.before.status


def test_variety(outcomes):
    two_file = [i for i in INSTANCES if len(set(_files(i.patch))) >= 2]
    assert two_file, "a gold patch that edits two files"
    assert [i for i in INSTANCES if _adds_a_function(i)], "a fix that needs a new function"
    assert [i for i in INSTANCES if len(list(i.source.rglob("*.py"))) >= 300], "a repository of >= 300 files"
    hangs = [iid for iid, o in outcomes.items() if o.before.timed_out and not o.gold.timed_out]
    assert hangs, "a test that hangs unless fixed"
    loud = [iid for iid, o in outcomes.items() if o.before.output_size >= 1_000_000 > o.gold.output_size]
    assert loud, "a failure that prints >= 1 MB"


def _adds_a_function(inst: Instance) -> bool:
    source = "\n".join(p.read_text() for p in inst.source.rglob("*.py"))
    for line in _added_lines(inst.patch):
        m = re.match(r"\s*def (\w+)\(", line)
        if m and f"def {m[1]}(" not in source:
            return True
    return False


def test_unitkit_generator_reproduces_the_committed_modules(tmp_path):
    script = ROOT / "scripts" / "make_unitkit_fixture.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    committed = ROOT / "data" / "fixtures" / "unitkit" / "unitkit" / "units" / "si"
    generated = tmp_path / "unitkit" / "units" / "si"
    names = sorted(p.relative_to(generated) for p in generated.rglob("*.py"))
    assert names == sorted(p.relative_to(committed) for p in committed.rglob("*.py"))
    assert all((generated / n).read_text() == (committed / n).read_text() for n in names)
