"""`codefix context` on a realbench sympy instance (~800 relevance calls) against the
rate-limited fake endpoint at 10 requests/s, through litellm's real HTTP path in a separate
process: every file gets a verdict, the calls recorded equal the calls served, and the limit is
used (utilisation >= 0.8) without drowning it in refusals (refused <= 0.5 x served)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doubles.rate_limited_endpoint import RateLimitedEndpoint
from tests.realbench import VERIFIED

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
IID = "sympy__sympy-24443"


def test_context_on_sympy_at_ten_requests_per_second_judges_every_file(realbench_images, tmp_path) -> None:
    from agent.models.test_doubles.gold_answers import ranking, relevance
    from codefix.core.datasets import load_dataset

    instance = load_dataset(VERIFIED).get(IID)

    def respond(messages: list[dict]) -> str:
        if "<file path=" in messages[-1]["content"]:
            return relevance.answer(instance, messages, {}, False)
        return ranking.answer(instance, messages, {}, False)

    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", COLUMNS="200")
    with RateLimitedEndpoint(requests=50, window=5.0, retry_after="seconds", respond=respond) as endpoint:
        proc = subprocess.run(
            [sys.executable, "-m", "codefix", "context", "-d", str(VERIFIED), "-i", IID, "-m", "fake-model",
             "--api-base", endpoint.base_url + "/v1", "--runs-dir", str(tmp_path), "--run-id", "limited"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
        times = sorted(endpoint.served_times)
        served, refused = endpoint.served, endpoint.refused
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    context = json.loads((tmp_path / "limited" / IID / "context.json").read_text())
    verdicts = [d["status"] for d in context["relevance"].values()]
    assert context["status"] == "done" and len(verdicts) > 700
    assert set(verdicts) <= {"relevant", "not_relevant"}, sorted(set(verdicts))
    assert context["usage"]["totals"]["calls"] == served
    utilisation = (served - 1) / (times[-1] - times[0]) / 10.0
    print(f"served {served} refused {refused} in {times[-1] - times[0]:.1f} s: utilisation {utilisation:.2f}")
    assert utilisation >= 0.8 and refused <= 0.5 * served, (utilisation, served, refused)
