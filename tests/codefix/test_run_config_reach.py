"""Options reach the component they configure: a RunConfig built from a command's words, handed to
the stage functions `solve` runs (`select`, `_generation`), changes what the voting pool, the
selection machine and the generation pairs do. Local-directory sandboxes and a scripted model
(test doubles of the Sandbox and Model protocols) keep this off Docker."""

from __future__ import annotations

import itertools
import threading

from codefix.core.instance import Instance
from codefix.core.ledger import Ledger
from codefix.stages.solve import _generation, select
from selection.candidates import build_pool
from selection.voting_runner import VOTE_SCRIPT
from tests.agent.fakes import LocalDirSandbox, ScriptedModel, make_repo
from tests.codefix.test_run_config import config_of

FILES = {"calc.py": "def add(a, b):\n    return a - b\n",
         "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 1) == 2\n"}
INST = Instance(instance_id="calc-1", repo="x/calc", base_commit="", problem_statement="add subtracts")
SLOW_FIX_CHECK = "import sys, time\nfrom calc import add\ntime.sleep(0.4)\nsys.exit(0 if add(2, 3) == 5 else 2)\n"
PASSES_UNEDITED = "import sys\nfrom calc import add\nsys.exit(0 if add(0, 0) == 0 else 2)\n"
HANGS = "import time\ntime.sleep(30)\n"


def patch(expr: str) -> str:
    return ("diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n"
            f" def add(a, b):\n-    return a - b\n+    return {expr}\n")


class Sandboxes:
    """A factory of local sandboxes that records how many ran a command at the same time and the
    timeout each command was given. Each has its own /tmp, as a container has (the patch is
    applied through a file there).

    With `meet`, the first voting script runs wait (up to 30 s) until `meet` commands run at once,
    so a pool `meet` wide shows its width however slowly a loaded machine starts the threads; a
    narrower pool never gets there (the wait ends and `most_active` says so)."""

    def __init__(self, root, meet: int = 0):
        self.root, self.numbers, self.lock = root, itertools.count(), threading.Lock()
        self.made, self.active, self.most_active = 0, 0, 0
        self.runs: list[tuple[str, float | None]] = []
        self.meet, self.met, self.changed = meet, False, threading.Condition(self.lock)

    def __call__(self):
        owner = self

        class Counted(LocalDirSandbox):
            def private(self, text: str) -> str:
                tmp = self.repo.parent / f"{self.repo.name}.tmp"
                tmp.mkdir(exist_ok=True)
                return text.replace("/tmp/", f"{tmp}/")

            def write_file(self, path, content):
                super().write_file(self.private(path), content)

            def run(self, command, timeout=None):
                command = self.private(command)
                with owner.changed:
                    owner.active += 1
                    owner.most_active = max(owner.most_active, owner.active)
                    owner.runs.append((command, timeout))
                    if owner.meet and not owner.met and VOTE_SCRIPT in command:
                        owner.changed.notify_all()
                        owner.changed.wait_for(lambda: owner.active >= owner.meet, timeout=30)
                        owner.met = True
                try:
                    return super().run(command, timeout)
                finally:
                    with owner.lock:
                        owner.active -= 1

        with self.lock:
            self.made += 1
            return Counted(make_repo(self.root / f"box{next(self.numbers)}", FILES))


def text_of(messages) -> str:
    return "\n".join(str(m["content"]) for m in messages)


def candidates(tests):
    proposals = [(patch(e), f"pair-{i}", list(tests)) for i, e in enumerate(["a + b", "b + a", "a + b + 0"])]
    return build_pool(INST.instance_id, proposals).candidates


MACHINE_REPLIES = ("<test>\nimport sys\nfrom calc import add\nsys.exit(0 if add(2, 3) == 5 else 2)\n</test>",
                   "WINNER: 1")


def selection_run(tmp_path, words, tests=(SLOW_FIX_CHECK,), replies=MACHINE_REPLIES, meet: int = 0):
    config = config_of("solve", words).selection
    seen = []

    def answer(messages, stage, meta):
        seen.append(messages)
        return replies[len(seen) - 1]

    boxes = Sandboxes(tmp_path / "boxes", meet=meet)
    result = select(INST, candidates(tests), model=ScriptedModel(answer=answer), ledger=Ledger(),
                    sandbox_factory=boxes, out_dir=tmp_path / "selection", config=config)
    return result, boxes, seen


def test_vote_workers_size_the_voting_pool_and_top_k_the_finalists(tmp_path):
    result, boxes, _ = selection_run(tmp_path / "a", ["-w", "4", "--vote-workers", "2", "--top-k", "2"], meet=2)
    assert boxes.most_active == 2 and boxes.made == 2 + 1  # two voting sandboxes, one for the machine
    assert len(result.finalists) == 2 and result.method == "selection_machine"
    result, boxes, _ = selection_run(tmp_path / "b", ["-w", "3"], meet=3)  # --workers reaches voting too
    assert boxes.most_active == 3 and len(result.finalists) == 3


def test_script_timeout_reaches_the_voting_cells(tmp_path):
    result, boxes, _ = selection_run(tmp_path, ["--script-timeout", "1", "--vote-workers", "4"], tests=(HANGS,))
    # every column, the unedited one too, is killed, a failing cell; what proves the option reached
    # them is the timeout each script run was given (not the wall time, which a loaded machine stretches)
    assert result.votes["cells"] == {"pass": 0, "fail": 4, "error": 0}, result.votes
    script_runs = [timeout for command, timeout in boxes.runs if VOTE_SCRIPT in command]
    assert len(script_runs) >= 4 and set(script_runs) == {1}, script_runs  # the machine's runs are given it too


def test_show_votes_only_failing_before_and_repo_tests_reach_selection(tmp_path):
    tests = (SLOW_FIX_CHECK, PASSES_UNEDITED)
    plain, _, prompts = selection_run(tmp_path / "plain", ["--vote-workers", "4"], tests=tests)
    assert plain.votes["counted_tests"] == 1 and plain.votes["repo_test_cells"] == 0
    assert 'votes="' not in text_of(prompts[0])
    shown, _, prompts = selection_run(tmp_path / "shown", ["--vote-workers", "4", "--show-votes", "--all-tests-count",
                                                           "--repo-tests"], tests=tests)
    assert 'votes="2 of 2"' in text_of(prompts[0])
    assert shown.votes["counted_tests"] == 2 and shown.votes["only_tests_failing_before"] is False
    assert shown.votes["repo_test_cells"] == 4  # tests/test_calc.py on each candidate and unedited


def test_selection_max_calls_bounds_the_machine(tmp_path):
    result, _, prompts = selection_run(tmp_path, ["--selection-max-calls", "1", "--vote-workers", "4"],
                                       replies=("no verdict here",))
    assert len(prompts) == 1 and result.method == "fallback_top_voted"


def test_generation_options_reach_the_pairs(tmp_path):
    config = config_of("generate", ["-n", "3", "-k", "2", "--temperature", "0.2", "-w", "1", "--share-attempts",
                                    "--script-timeout", "7"])

    def answer(messages, stage, meta):
        return "no test and no edit"  # every machine runs out of calls

    model = ScriptedModel(answer=answer)
    boxes = Sandboxes(tmp_path / "boxes")
    _generation(INST, model, None, boxes, "ctx", tmp_path / "out", config.generation)
    assert {c["meta"]["trajectory"] for c in model.calls} == {0, 1, 2}
    assert {c["temperature"] for c in model.calls} == {0.2}
    per_machine = {}
    for c in model.calls:
        key = (c["meta"]["trajectory"], c["stage"])
        per_machine[key] = per_machine.get(key, 0) + 1
    assert set(per_machine.values()) == {2}
    assert boxes.made == 1  # one pair at a time: one sandbox, reused
    assert not (tmp_path / "out" / "generation_config.json").exists()  # config.yaml's generation: section says it
    assert config.generation.scripts.timeout == 7.0 and config.generation.share_attempts is True
