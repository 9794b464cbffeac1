"""The voting runner on local git checkouts (no Docker): cache, infrastructure errors,
unappliable patches and the repository-test file matching."""

import itertools
import subprocess

from codefix.core.errors import PatchApplyError, SandboxError

from selection.candidates import build_pool
from selection.voting import UNEDITED, Outcome, read_votes, script_id, vote_table
from selection.voting_runner import APPLY_CHECK, VotingRun, repo_tests_for
from tests.agent.fakes import LocalDirSandbox, make_repo

BASE = {"calc.py": "def double(x):\n    return x + x\n"}
GOOD = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def double(x):\n-    return x + x\n+    return 2 * x\n"
BAD = GOOD.replace("2 * x", "3 * x")
UNAPPLIABLE = GOOD.replace("return x + x", "return x - x")
CHECK_NUMBER = "import sys\nfrom calc import double\nsys.exit(0 if double(4) == 8 else 2)\n"
CHECK_MUL = "import sys\nsys.exit(0 if '2 * x' in open('calc.py').read() else 2)\n"
INFRA = "print('the engine goes away')\n"


class FlakySandbox(LocalDirSandbox):
    """TEST DOUBLE: a local checkout whose runs of the INFRA script fail as infrastructure."""

    broken = True

    def run(self, command, timeout=None):
        if FlakySandbox.broken and "codefix_vote_test.py" in command and INFRA in self.read_file("codefix_vote_test.py"):
            raise SandboxError("container died")
        return super().run(command, timeout)


def git_apply(sandbox, patch):
    """TEST DOUBLE of sandbox.docker.patching.apply_patch for a local checkout."""
    proc = subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=sandbox.repo, capture_output=True)
    if proc.returncode:
        raise PatchApplyError("patch does not apply", proc.stderr.decode())


def test_matrix_errors_and_cache(tmp_path):
    counter = itertools.count()
    opened = []

    def factory():
        box = FlakySandbox(make_repo(tmp_path / f"repo{next(counter)}", BASE))
        opened.append(box)
        return box

    pool = build_pool("x__y-1", [(GOOD, "g", []), (BAD, "b", []), (UNAPPLIABLE, "u", [])])
    good, bad, unappliable = (c.id for c in pool.candidates)
    tests = [CHECK_NUMBER, CHECK_MUL, INFRA, CHECK_NUMBER]  # a duplicated test runs once
    cache = tmp_path / "votes.jsonl"
    FlakySandbox.broken = True
    votes, stats = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=git_apply,
                             cache_path=cache, workers=2).run()
    table = vote_table(votes)
    num, mul, infra = script_id(CHECK_NUMBER), script_id(CHECK_MUL), script_id(INFRA)
    P, F, E = Outcome.PASS, Outcome.FAIL, Outcome.ERROR
    assert {c: [table[(c, t)] for t in (num, mul, infra)] for c in (UNEDITED, good, bad, unappliable)} == {
        UNEDITED: [P, F, E], good: [P, P, E], bad: [F, F, E], unappliable: [E, E, E],
    }
    assert stats.runs == 3 * 3 and stats.apply_failures == [unappliable]
    assert stats.cells == 4 * 3
    assert any(v.test == APPLY_CHECK for v in read_votes(cache))

    FlakySandbox.broken = False  # the engine is back: only the infrastructure errors run again
    votes, again = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=git_apply,
                             cache_path=cache, workers=2).run()
    table = vote_table(votes)
    assert [table[(c, infra)] for c in (UNEDITED, good, bad, unappliable)] == [P, P, P, E]
    assert again.runs == 3 and again.cached == 12 - 3

    _, warm = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=git_apply,
                        cache_path=cache, workers=2).run()
    assert (warm.runs, warm.sandboxes_started, warm.cached) == (0, 0, 12)


def test_repo_tests_for_matches_touched_modules():
    repo = ["pkg/money.py", "tests/test_money.py", "tests/money_test.py", "tests/test_other.py", "tests/test_format.py"]
    assert repo_tests_for(["pkg/money.py", "README.md"], repo) == ["tests/money_test.py", "tests/test_money.py"]
    assert repo_tests_for(["tests/test_format.py"], repo) == ["tests/test_format.py"]
    assert repo_tests_for(["docs/x.txt"], repo) == []
