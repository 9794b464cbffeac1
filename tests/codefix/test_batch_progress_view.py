"""`batch`'s live panel (`ProgressView.update`) shows the budget's committed and reserved spend and,
per model endpoint of the process, the requests in flight against the allowed concurrency, the
429s met and the seconds waited on the limiter (issue 19)."""

from __future__ import annotations

import io

from agent.models.limiter import EndpointLimits, no_shared_limiters, shared_limiter
from codefix.cli.commands.batch import ProgressView
from codefix.stages.batch import BatchState


class RecordingLive:
    """TEST DOUBLE of rich's `Live`: keeps what the panel was last updated with."""

    def __init__(self):
        self.shown = None

    def update(self, renderable) -> None:
        self.shown = renderable


def rendered(view: ProgressView) -> str:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(view._live.shown)
    return out.getvalue()


def test_the_panel_shows_committed_and_reserved_spend_and_each_endpoint_s_limiter() -> None:
    state = BatchState(total=3, workers=3, budget=0.06, running={"a": "generation"}, committed=0.0312,
                       reserved=0.0105, calls_in_flight=4)
    with no_shared_limiters():
        limiter = shared_limiter("fake-model|http://127.0.0.1:9/v1|-", EndpointLimits(max_in_flight=8))
        first, second = limiter.acquire(stage="relevance"), limiter.acquire(stage="relevance")
        limiter.refused(first, 0.0, stage="relevance")  # one 429: the allowance is halved, 8 -> 4
        view = ProgressView()
        view._live = RecordingLive()
        view.update(state)
        limiter.answered(second)
    text = rendered(view)
    assert "$0.0312 committed + $0.0105 reserved by 4 call(s) in flight of $0.0600" in text
    limits = [line.strip() for line in text.splitlines() if line.strip().startswith("limits")]
    assert len(limits) == 1 and "fake-model: in flight 1/4  429s 1  waited " in limits[0], text
