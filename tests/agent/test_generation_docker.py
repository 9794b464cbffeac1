"""Generation in real Docker sandboxes on the bundled fixtures: gold and replay models."""

import json
from pathlib import Path

import pytest

from codefix.core.datasets import load_dataset
from codefix.core.ledger import Ledger
from codefix.core.parallel import map_isolated
from codefix.core.store import read_json

from agent.generation import GenerationConfig, generate, trajectory_path
from agent.models.factory import make_model
from agent.script_runs import ScriptRunConfig
from agent.models.test_doubles.gold_answers.editing import patch_to_blocks
from agent.models.test_doubles.gold_answers.testing import reproduction_script

pytestmark = pytest.mark.docker

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures.jsonl"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(str(FIXTURES))


def docker_factory(instance):
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.images.images import sandbox_config_for

    config = sandbox_config_for(instance)
    return lambda: DockerSandbox(config)


def grade(instance, patch):
    from sandbox.docker.docker_sandbox import DockerSandbox
    from sandbox.evaluation.evaluate import evaluate_in_sandbox
    from sandbox.images.images import sandbox_config_for

    with DockerSandbox(sandbox_config_for(instance)) as box:
        return evaluate_in_sandbox(instance, patch, box)[0]


def test_gold_resolves_every_fixture_and_wrong_trajectories_do_not(docker_client, dataset, tmp_path):
    model = make_model("gold:wrong=0.5", dataset=dataset)  # pair 0 right, pair 1 wrong

    def one(instance_id):
        inst = dataset.get(instance_id)
        results, figures = generate(
            inst, model=model, ledger=Ledger(), sandbox_factory=docker_factory(inst), context="",
            out_dir=tmp_path / instance_id, config=GenerationConfig(samples=2, workers=1),
        )
        assert figures["sandboxes_peak"] == 1
        right, wrong = results
        assert right.status == wrong.status == "submitted", (right.error, wrong.error)
        assert (right.before, right.after) == (2, 0)
        return grade(inst, right.patch).resolved, grade(inst, wrong.patch).resolved

    ids = [json.loads(line)["instance_id"] for line in FIXTURES.read_text().splitlines() if line.strip()]
    outcomes = map_isolated(one, ids, workers=2)
    errors = {o.item: repr(o.error) for o in outcomes if o.error}
    assert not errors
    assert {o.item: o.result for o in outcomes} == {i: (True, False) for i in ids}


def test_replayed_failures_end_in_their_documented_states(docker_client, dataset, tmp_path):
    inst = dataset.get("codefix-fixtures__invoicing-1")
    script = reproduction_script(inst)
    py = lambda body: f"<test>\n{body}</test>"  # noqa: E731
    absent = "```python\ninvoicing/money.py\n<<<<<<< SEARCH\ndef no_such_function():\n    pass\n=======\n\n>>>>>>> REPLACE\n```"
    ambiguous = ("```python\ninvoicing/money.py\n<<<<<<< SEARCH\n        if not isinstance(other, Money):\n=======\n"
                 "        if not isinstance(other, (Money, int)):\n>>>>>>> REPLACE\n```")
    t, e = "testing", "editing"
    entries = [
        # pair 0: SEARCH text absent, then an ACCEPT with nothing applied
        (t, py(script)), (t, "ACCEPT"), (e, absent), (e, "ACCEPT"),
        # pair 1: SEARCH text ambiguous
        (t, py(script)), (t, "ACCEPT"), (e, ambiguous), (e, "ACCEPT"),
        # pair 2: a script that hangs is killed; the model accepts it anyway
        (t, py("import time\ntime.sleep(600)\n")), (t, "ACCEPT"), (e, "ACCEPT"), (e, "ACCEPT"),
        # pair 3: a script printing megabytes is cut; then a real fix is proposed and accepted
        (t, py("print('HEAD')\nprint('x' * 3_000_000)\nprint('TAIL')\n")), (t, py(script)),
        (e, patch_to_blocks(inst.patch)), (e, "ACCEPT"),
        # pair 4: no parseable block at all
        (t, "I would look at the rounding code."), (t, "Still thinking."),
    ]
    steps = [{"stage": s, "reply": r} for s, r in entries]
    # pair 5: the conversation outgrows the context window
    steps.append({"stage": "testing", "error": "context_window"})
    path = tmp_path / "replay.json"
    path.write_text(json.dumps(steps))
    model = make_model(f"replay:{path}")
    config = GenerationConfig(samples=6, workers=1, max_calls=2, scripts=ScriptRunConfig(timeout=20))
    results, figures = generate(inst, model=model, ledger=Ledger(), sandbox_factory=docker_factory(inst),
                                context="", out_dir=tmp_path / "out", config=config)
    out = tmp_path / "out"
    editing = lambda pair: read_json(trajectory_path(out, pair, "editing"))  # noqa: E731
    testing = lambda pair: read_json(trajectory_path(out, pair, "testing"))  # noqa: E731
    assert figures["sandboxes_peak"] == 1
    assert results[0].status == "max_calls" and not results[0].patch
    assert "not found in invoicing/money.py" in editing(0)["steps"][0]["rejected"]
    assert "matches" in editing(1)["steps"][0]["rejected"] and "places" in editing(1)["steps"][0]["rejected"]
    hang = testing(2)["steps"][0]["run"]
    assert hang["timed_out"] and hang["exit_code"] == -1 and testing(2)["result"]["exit_code"] == -1
    loud = testing(3)["steps"][0]["run"]["output"]
    assert len(loud) < 8400 and loud.startswith("HEAD") and "TAIL" in loud
    assert results[3].status == "submitted" and (results[3].before, results[3].after) == (2, 0)
    assert grade(inst, results[3].patch).resolved
    assert results[4].status == "max_calls" and testing(4)["format_errors"] == 2
    assert not trajectory_path(out, 4, "editing").exists()
    assert results[5].status == "context_window"


class DyingSandbox:
    """TEST DOUBLE wrapping a DockerSandbox whose container is killed before its `kill_at`-th run."""

    def __init__(self, inner, kill_at):
        self.inner, self.kill_at, self.runs = inner, kill_at, 0

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)

    def run(self, command, timeout=None):
        self.runs += 1
        if self.runs == self.kill_at:
            self.inner.container.kill()
        return self.inner.run(command, timeout)

    def read_file(self, path):
        return self.inner.read_file(path)

    def write_file(self, path, content):
        return self.inner.write_file(path, content)

    def reset(self):
        return self.inner.reset()


def test_a_sandbox_dying_mid_run_fails_only_its_pair_and_is_replaced(docker_client, dataset, tmp_path):
    inst = dataset.get("codefix-fixtures__dotenv-219")
    make = docker_factory(inst)
    made = []

    def factory():
        made.append(DyingSandbox(make(), kill_at=2 if not made else 0))
        return made[-1]

    model = make_model("gold", dataset=dataset)
    once = GenerationConfig(samples=2, workers=1, sandbox_retries=0)
    results, figures = generate(inst, model=model, ledger=Ledger(), sandbox_factory=factory, context="",
                                out_dir=tmp_path / "out", config=once)
    assert results[0].status == "sandbox_error" and results[0].error
    assert results[1].status == "submitted" and (results[1].before, results[1].after) == (2, 0)
    assert figures["sandboxes_started"] >= 2 and figures["sandboxes_peak"] == 1
    # a rerun resumes the failed pair from its saved reply on a fresh sandbox
    calls_before = read_json(trajectory_path(tmp_path / "out", 0, "editing"))["calls"]
    results, _ = generate(inst, model=model, ledger=Ledger(), sandbox_factory=make, context="",
                          out_dir=tmp_path / "out", config=GenerationConfig(samples=2, workers=1))
    assert results[0].status == "submitted"
    assert read_json(trajectory_path(tmp_path / "out", 0, "editing"))["calls"] == calls_before + 1


def test_a_dead_sandbox_is_replaced_within_the_run(docker_client, dataset, tmp_path):
    inst = dataset.get("codefix-fixtures__dotenv-219")
    make = docker_factory(inst)
    made = []

    def factory():
        made.append(DyingSandbox(make(), kill_at=1 if not made else 0))
        return made[-1]

    results, figures = generate(inst, model=make_model("gold", dataset=dataset), ledger=Ledger(),
                                sandbox_factory=factory, context="", out_dir=tmp_path / "out",
                                config=GenerationConfig(samples=1, workers=1))
    assert results[0].status == "submitted" and figures["sandboxes_started"] >= 2
    assert read_json(trajectory_path(tmp_path / "out", 0, "testing"))["calls"] == 2
