"""Adaptive compute on the local-directory sandbox double: generation stops launching pairs once
enough finished candidates agree and pass each other's tests, and only then."""

import threading

import pytest
from pydantic import ValidationError

from codefix.core.run_layout import CANDIDATES
from codefix.core.store import read_json, read_jsonl

from agent.generation import SKIPPED, GenerationConfig, generate
from selection.normalize import normalized_or_text
from tests.agent.fakes import ScriptedModel, local_sandbox_factory

SRC = {"calc.py": "def add(a, b):\n    return a - b\n"}
SCRIPT = "import sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n"


def fix(new_line: str) -> str:
    return f"```python\ncalc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n{new_line}\n>>>>>>> REPLACE\n```\n"


PLUS = fix("    return a + b")


class Inst:
    instance_id = "calc-1"
    problem_statement = "add subtracts"


def pairs_answer(tests: dict | None = None, fixes: dict | None = None, default_test=SCRIPT, default_fix=PLUS):
    """A model that writes pair p's test and fix (defaults for pairs not listed), then accepts."""
    def answer(messages, stage, meta):
        pair = meta["trajectory"]
        if any(m["role"] == "assistant" for m in messages):
            return "ACCEPT"
        if stage == "testing":
            return f"<test>\n{(tests or {}).get(pair, default_test)}</test>"
        return (fixes or {}).get(pair, default_fix)
    return answer


@pytest.fixture
def factory(tmp_path):
    return local_sandbox_factory(tmp_path, SRC)


def run(tmp_path, factory, model, *, samples=6, workers=1, agree=2, key=normalized_or_text, out="out"):
    config = GenerationConfig(samples=samples, workers=workers, max_calls=3, stop_when_agree=agree)
    return generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="ctx",
                    out_dir=tmp_path / out, config=config, patch_key=key)


def pairs_called(model) -> set[int]:
    return {c["meta"]["trajectory"] for c in model.calls}


class PairWaitsForPair:
    """TEST DOUBLE of the Model protocol: a ScriptedModel whose pair `waiting` makes its first
    call only once pair `until` made one (so the order of finishing is set, not left to timing)."""

    name = "held"

    def __init__(self, inner: ScriptedModel, waiting: int, until: int):
        self.inner, self.waiting, self.until = inner, waiting, until
        self.started = threading.Event()
        self.calls = inner.calls

    def query(self, messages, *, ledger, stage, meta=None, **kwargs):
        pair = (meta or {}).get("trajectory")
        if pair == self.until:
            self.started.set()
        elif pair == self.waiting and not self.started.wait(timeout=120):
            raise AssertionError(f"pair {self.until} never started while pair {self.waiting} waited for it")
        return self.inner.query(messages, ledger=ledger, stage=stage, meta=meta, **kwargs)


def test_stops_launching_once_two_candidates_agree_and_skipped_pairs_cost_nothing(tmp_path, factory):
    model = PairWaitsForPair(ScriptedModel(answer=pairs_answer()), waiting=1, until=2)
    results, figures = run(tmp_path, factory, model, samples=6, workers=2)
    # pairs 0 and 1 start together; pair 1 waits until pair 2 has started, so pair 0 finishes
    # alone and pair 2 starts; the next to finish makes two agreeing candidates: pairs 3-5 are
    # never launched, and the pair still running finishes (when pairs 1 and 2 both finish before
    # the next launch is weighed, all three agree: the decision is "at least two")
    assert [r.status for r in results] == ["submitted"] * 3 + [SKIPPED] * 3
    assert pairs_called(model) == {0, 1, 2}
    assert all(r.calls == 0 and r.cost == 0 and not r.patch for r in results[3:])
    assert figures["skipped_pairs"] == [3, 4, 5]
    record = read_json(tmp_path / "out" / "early_stop.json")
    assert record["stopped"] and record["stop_when_agree"] == 2 and record["skipped_pairs"] == [3, 4, 5]
    assert len(record["agreeing_pairs"]) >= 2 and set(record["agreeing_pairs"]) <= {0, 1, 2}
    assert set(record["agreeing_pairs"]) <= set(record["after_pairs"])
    assert figures["early_stop"] == record
    assert [c["pair"] for c in read_jsonl(tmp_path / "out" / CANDIDATES)] == [0, 1, 2]


def test_members_tests_are_run_on_the_reference_patch(tmp_path, factory):
    # one normalized fix in two texts, two test texts: pair 1's test must really run on pair 0's patch
    tests = {p: SCRIPT + f"# written by pair {p}\n" for p in range(4)}
    model = ScriptedModel(answer=pairs_answer(tests=tests, fixes={1: fix("    return a + b  ")}))
    results, figures = run(tmp_path, factory, model, samples=4)
    assert [r.status for r in results] == ["submitted", "submitted", SKIPPED, SKIPPED]
    assert figures["early_stop"]["checks"]["1@0"] == {"after": 0, "how": "run"}
    script_runs = sum(cmd.endswith("codefix_reproduce.py") for box in factory.made for cmd in box.commands)
    assert script_runs == 2 * 3 + 1  # per pair: testing 1 + editing before/after 2; plus the cross-run


def test_same_test_or_same_patch_as_the_reference_needs_no_run(tmp_path, factory):
    tests = {1: SCRIPT + "# another test\n"}
    model = ScriptedModel(answer=pairs_answer(tests=tests, fixes={2: fix("    return a + b  ")}))
    results, figures = run(tmp_path, factory, model, samples=5, agree=3)
    assert [r.status for r in results][3:] == [SKIPPED, SKIPPED]
    checks = figures["early_stop"]["checks"]
    assert checks["1@0"]["how"].startswith("same patch") and checks["2@0"]["how"].startswith("same test")
    script_runs = sum(cmd.endswith("codefix_reproduce.py") for box in factory.made for cmd in box.commands)
    assert script_runs == 3 * 3


def test_a_member_whose_test_fails_on_the_reference_patch_does_not_count(tmp_path, factory):
    # A key that makes every patch agree: pair 1's fix (b + a) differs from pair 0's (a + b), and
    # pair 1's test tells them apart; only the cross-run can see that.
    concat = ("import sys\nfrom calc import add\ntry:\n    ok = add(2, 3) == 5 and add('x', 'y') == 'yx'\n"
              "except TypeError:\n    ok = False\nsys.exit(0 if ok else 2)\n")
    model = ScriptedModel(answer=pairs_answer(tests={1: concat}, fixes={1: fix("    return b + a")}))
    results, figures = run(tmp_path, factory, model, samples=5, key=lambda patch: "everything agrees")
    assert (results[1].before, results[1].after) == (2, 0)
    record = figures["early_stop"]
    assert record["checks"]["1@0"] == {"after": 2, "how": "run"}
    assert record["agreeing_pairs"] == [0, 2] and record["skipped_pairs"] == [3, 4]
    assert pairs_called(model) == {0, 1, 2}


@pytest.mark.parametrize("script, verdicts", [
    ("import sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 6 else 2)\n", (2, 2)),  # still fails patched
    ("import sys\nsys.exit(0)\n", (0, 0)),  # passes on the unedited repo: reproduces nothing
    ("import sys\nsys.exit(1)\n", (1, 1)),  # crashes
])
def test_agreeing_patches_whose_tests_do_not_pass_do_not_stop_it(tmp_path, factory, script, verdicts):
    model = ScriptedModel(answer=pairs_answer(default_test=script))
    results, figures = run(tmp_path, factory, model, samples=4)
    assert [(r.status, r.before, r.after) for r in results] == [("submitted", *verdicts)] * 4
    assert pairs_called(model) == {0, 1, 2, 3}
    assert figures["skipped_pairs"] == [] and figures["early_stop"]["stopped"] is False


def test_disagreeing_patches_do_not_stop_it(tmp_path, factory):
    fixes = {0: PLUS, 1: fix("    return b + a"), 2: fix("    return sum((a, b))"), 3: fix("    return -(-a - b)")}
    model = ScriptedModel(answer=pairs_answer(fixes=fixes))
    results, figures = run(tmp_path, factory, model, samples=4)
    assert [(r.before, r.after) for r in results] == [(2, 0)] * 4
    assert pairs_called(model) == {0, 1, 2, 3} and figures["skipped_pairs"] == []


def test_patches_differing_only_in_trailing_whitespace_agree_under_normalization(tmp_path, factory):
    model = ScriptedModel(answer=pairs_answer(fixes={1: fix("    return a + b   ")}))
    results, _ = run(tmp_path, factory, model, samples=4)
    assert results[0].patch != results[1].patch
    assert [r.status for r in results] == ["submitted", "submitted", SKIPPED, SKIPPED]
    model = ScriptedModel(answer=pairs_answer(fixes={1: fix("    return a + b   ")}))
    results, _ = run(tmp_path, factory, model, samples=4, key=None, out="by-text")
    assert [r.status for r in results] == ["submitted", "submitted", "submitted", SKIPPED]


def test_a_rerun_reaches_the_same_decision_without_model_calls_or_sandboxes(tmp_path, factory):
    tests = {p: SCRIPT + f"# pair {p}\n" for p in range(6)}
    first, figures = run(tmp_path, factory, ScriptedModel(answer=pairs_answer(tests=tests)), samples=6)
    assert figures["skipped_pairs"] == [2, 3, 4, 5]
    boxes = len(factory.made)
    again = ScriptedModel(replies=[])  # raises if asked anything
    results, figures2 = run(tmp_path, factory, again, samples=6)
    assert again.calls == [] and len(factory.made) == boxes  # no cross-run repeated either
    assert [r.status for r in results] == [r.status for r in first]
    assert figures2["early_stop"]["agreeing_pairs"] == figures["early_stop"]["agreeing_pairs"] == [0, 1]
    assert figures2["early_stop"]["after_pairs"] == figures["early_stop"]["after_pairs"] == [0, 1]
    assert figures2["skipped_pairs"] == [2, 3, 4, 5]


def test_a_rerun_keeps_the_decision_as_first_made_though_more_pairs_load_finished(tmp_path, factory):
    _, figures = run(tmp_path, factory, ScriptedModel(answer=pairs_answer()), samples=6, workers=2)
    first = figures["early_stop"]
    assert len(first["after_pairs"]) == 2  # pair 2 was still in flight when it was decided
    again = ScriptedModel(replies=[])
    _, figures = run(tmp_path, factory, again, samples=6, workers=2)
    decision = ("agreeing_pairs", "reference_pair", "after_pairs", "skipped_pairs", "reason")
    assert again.calls == [] and {k: figures["early_stop"][k] for k in decision} == {k: first[k] for k in decision}


def test_a_run_killed_mid_pair_resumes_it_then_stops_as_an_uninterrupted_run_would(tmp_path, factory):
    normal = pairs_answer()

    def dies(messages, stage, meta):
        if meta["trajectory"] == 1 and stage == "editing":
            raise KeyboardInterrupt
        return normal(messages, stage, meta)

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, factory, ScriptedModel(answer=dies), samples=5)
    model = ScriptedModel(answer=normal)
    results, figures = run(tmp_path, factory, model, samples=5)
    assert [c["stage"] for c in model.calls] == ["editing", "editing"]  # pair 1's editing only
    assert [r.status for r in results] == ["submitted", "submitted", SKIPPED, SKIPPED, SKIPPED]
    assert figures["early_stop"]["agreeing_pairs"] == [0, 1]


def test_a_rerun_without_the_option_runs_the_skipped_pairs(tmp_path, factory):
    run(tmp_path, factory, ScriptedModel(answer=pairs_answer()), samples=4)
    model = ScriptedModel(answer=pairs_answer())
    results, _ = generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="ctx",
                          out_dir=tmp_path / "out", config=GenerationConfig(samples=4, workers=1, max_calls=3))
    assert pairs_called(model) == {2, 3} and all(r.status == "submitted" for r in results)


def test_off_by_default_every_pair_runs(tmp_path, factory):
    assert GenerationConfig().stop_when_agree is None
    model = ScriptedModel(answer=pairs_answer())
    results, figures = generate(Inst(), model=model, ledger=None, sandbox_factory=factory, context="ctx",
                                out_dir=tmp_path / "out", config=GenerationConfig(samples=4, workers=2, max_calls=3))
    assert [r.status for r in results] == ["submitted"] * 4 and pairs_called(model) == {0, 1, 2, 3}
    assert figures["skipped_pairs"] == [] and figures["early_stop"] is None
    assert not (tmp_path / "out" / "early_stop.json").exists()


def test_fewer_than_two_agreeing_candidates_is_rejected():
    with pytest.raises(ValidationError):
        GenerationConfig(stop_when_agree=1)
