"""Infrastructure failures are never a verdict: a sandbox container killed from outside in the middle
of a reproduction script is a sandbox error, never exit 137 shown to the model; the pair resumes on
a fresh sandbox and reaches the right verdict."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from codefix.cli import main
from codefix.core.datasets import load_dataset
from codefix.core.store import read_json
from sandbox.docker.ownership import RUN_LABEL, SANDBOX_LABEL, label_value

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures.jsonl"
INSTANCE = "codefix-fixtures__dotenv-219"
SLOW_START = "import time\nopen('/tmp/codefix-kill-me-now', 'w').close()\ntime.sleep(6)\n"


def test_docker_kill_mid_command_is_a_sandbox_error_and_the_pair_finishes_on_a_new_sandbox(docker_client, tmp_path, capsys):
    from agent.models.test_doubles.gold_answers.editing import patch_to_blocks
    from agent.models.test_doubles.gold_answers.testing import reproduction_script

    inst = load_dataset(FIXTURES).get(INSTANCE)
    script = SLOW_START + reproduction_script(inst)
    replies = [("relevance", "VERDICT: NOT RELEVANT", True), ("ranking", "```\n```", True),
               ("testing", f"<test>\n{script}</test>\n", False), ("testing", "ACCEPT", False),
               ("editing", patch_to_blocks(inst.patch), False), ("editing", "ACCEPT", False)]
    path = tmp_path / "replay.json"
    path.write_text(json.dumps([{"stage": s, "reply": r, "repeat": rep} for s, r, rep in replies]))
    killed: list[str] = []
    done = threading.Event()

    def killer():  # kill the first sandbox of the run once the script is running in it
        while not done.is_set() and not killed:
            for c in docker_client.containers.list(sparse=True, filters={"label": [f"{SANDBOX_LABEL}={label_value()}",
                                                                                    f"{RUN_LABEL}=killed"]}):
                try:
                    if c.exec_run(["test", "-f", "/tmp/codefix-kill-me-now"]).exit_code == 0:
                        c.kill()
                        killed.append(c.id)
                        return
                except Exception:  # the container went away meanwhile
                    continue
            time.sleep(0.2)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        code = main(["generate", "-d", str(FIXTURES), "-i", INSTANCE, "-m", f"replay:{path}", "-n", "1", "-k", "3",
                     "-w", "1", "--runs-dir", str(tmp_path / "runs"), "--run-id", "killed"])
    finally:
        done.set()
        thread.join()
    out = capsys.readouterr()
    assert code == 0 and len(killed) == 1, out.err[-2000:]
    assert "2 sandbox(es) started" in out.out
    trajectories = tmp_path / "runs" / "killed" / INSTANCE / "trajectories"
    testing = read_json(trajectories / "0.testing.traj.json")
    runs = [step["run"] for step in testing["steps"] if "run" in step]
    assert [r["exit_code"] for r in runs] == [2]  # the verdict of the rerun, never the kill's 137
    assert all("137" not in m["content"] for m in testing["messages"] if m["role"] == "user")
    assert testing["status"] == "submitted" and testing["calls"] == 2  # the killed step's reply was not asked again
    editing = read_json(trajectories / "0.editing.traj.json")
    assert editing["status"] == "submitted" and (editing["result"]["before"], editing["result"]["after"]) == (2, 0)
