"""The message sent after a cut-off reply asks for the form the stage's reader takes, so the
model's next reply is read instead of costing a second call (issue 21, item 3)."""

from __future__ import annotations

import pytest

from agent.prompts.render import render


@pytest.mark.parametrize("stage", ["testing", "selection"])
def test_the_truncation_message_of_a_script_stage_asks_for_test_tags_not_a_python_fence(stage):
    message = render(stage, "truncated", tokens=4096)
    assert "<test>" in message and "</test>" in message
    assert "```python" not in message
