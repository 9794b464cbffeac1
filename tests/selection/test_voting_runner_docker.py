"""The voting runner in real Docker sandboxes on a bundled fixture: gold, wrong, breaking and
unappliable candidates by three tests, the cache, and the repository's own tests."""

from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset

from agent.models.test_doubles.gold_answers.testing import reproduction_script
from selection.candidates import build_pool
from selection.voting import UNEDITED, Outcome, broken_repo_tests, rank, script_id, vote_table
from selection.voting_runner import REPO_TEST_PREFIX, VotingRun, split_repo_votes

pytestmark = pytest.mark.docker

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"
FORMAT_TEST = """\
import sys
from invoicing import Money
from invoicing.formatting import format_amount
shown = format_amount(Money("1234.7", "JPY"))
print(shown)
sys.exit(0 if shown == "1,235" else 2)
"""
ALWAYS_PASSES = "print('nothing to check')\n"
UNAPPLIABLE = "diff --git a/invoicing/money.py b/invoicing/money.py\n--- a/invoicing/money.py\n+++ b/invoicing/money.py\n@@ -1,2 +1,2 @@\n-no such line here\n-nor here\n+x = 1\n+y = 2\n"


def docker_parts(instance):
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import sandbox_config_for
    from sandbox.docker.patching import apply_patch

    config = sandbox_config_for(instance)
    return (lambda: DockerSandbox(config)), apply_patch


def test_gold_gets_the_votes_unappliable_is_error_and_a_warm_cache_runs_nothing(docker_client, tmp_path):
    inst = load_dataset(str(FIXTURES)).get("codefix-fixtures__invoicing-1")
    factory, apply_patch = docker_parts(inst)
    breaking = inst.wrong_patch.replace("money.currency.minor_units", "7")  # breaks the repo's own formatting tests
    pool = build_pool(inst.instance_id, [(inst.patch, "gold", []), (inst.wrong_patch, "wrong", []),
                                         (breaking, "breaking", []), (UNAPPLIABLE, "unappliable", [])])
    gold, wrong, broke, bad = (c.id for c in pool.candidates)
    tests = [reproduction_script(inst), FORMAT_TEST, ALWAYS_PASSES]
    repro, fmt, trivial = (script_id(t) for t in tests)
    cache = tmp_path / "votes.jsonl"

    votes, stats = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=apply_patch,
                             cache_path=cache, workers=2, script_timeout=60, repo_tests=True).run()
    generated, repo = split_repo_votes(votes)
    table = vote_table(generated)
    P, F, E = Outcome.PASS, Outcome.FAIL, Outcome.ERROR
    assert {c: [table[(c, t)] for t in (repro, fmt, trivial)] for c in (UNEDITED, gold, wrong, broke, bad)} == {
        UNEDITED: [F, F, P], gold: [P, P, P], wrong: [F, P, P], broke: [F, F, P], bad: [E, E, E],
    }
    assert stats.apply_failures == [bad]
    assert stats.sandboxes_started <= 2
    # repository tests: test_formatting.py and test_money.py for gold (and bad); test_formatting.py for wrong and breaking
    assert {v.test for v in repo} == {REPO_TEST_PREFIX + "tests/test_formatting.py", REPO_TEST_PREFIX + "tests/test_money.py"}
    assert broken_repo_tests(repo) == {gold: 0, wrong: 0, broke: 1, bad: 0}  # bad: ERROR cells, never counted
    assert stats.runs == 4 * 3 + 6  # the unappliable column runs nothing

    ranked = rank(pool.candidates, generated, only_failing_before=True, repo_votes=repo)
    assert [s.id for s in ranked][:2] == [gold, wrong]
    assert ranked[0].passes == 2 and ranked[0].counted_tests == 2

    again, warm = VotingRun(pool.candidates, tests, sandbox_factory=factory, apply_patch=apply_patch,
                            cache_path=cache, workers=2, script_timeout=60, repo_tests=True).run()
    assert sorted(again, key=str) == sorted(votes, key=str)
    assert (warm.runs, warm.sandboxes_started, warm.cached) == (0, 0, warm.cells)
