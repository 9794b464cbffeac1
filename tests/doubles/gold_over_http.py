"""`GoldOverHttp`: a TEST DOUBLE `respond` for `RateLimitedEndpoint` that answers every stage's
prompt as the gold model would, for a model reached over real HTTP (`openai/<name>` with
`--api-base`), where no litellm metadata says the stage or the instance.

The gold provider is told both by `GoldModel.call_metadata`; over HTTP they are read from the
request itself: the stage from the system prompt (the first line of each stage's
`agent/prompts/<stage>/system.md`), the instance from its issue text in the prompt. The reply is
then the stage's `gold_answers/<stage>.py` answer, never a wrong one.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.models.test_doubles.gold import answer_for

PROMPTS = Path(__file__).resolve().parents[2] / "agent" / "prompts"
STAGES = ("relevance", "ranking", "testing", "editing", "selection")


def opening_pattern(line: str) -> re.Pattern:
    """The first line of a system prompt template as a pattern: its `$name` placeholders (the
    repository's language, the candidates' count) match any words."""
    parts = re.split(r"\$\w+", line)
    return re.compile(r"[\w+#. -]+?".join(re.escape(part) for part in parts))


class GoldOverHttp:
    """respond(messages) -> the gold reply, for the instances given (see the module docstring)."""

    def __init__(self, instances):
        self.instances = list(instances)
        self.openings = {stage: opening_pattern((PROMPTS / stage / "system.md").read_text().splitlines()[0].strip())
                         for stage in STAGES}

    def stage_of(self, messages: list[dict]) -> str:
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        found = [stage for stage, opening in self.openings.items() if opening.match(system.lstrip())]
        if len(found) != 1:
            raise ValueError(f"GoldOverHttp: no single stage's system prompt opens {system[:120]!r}")
        return found[0]

    def instance_of(self, messages: list[dict]):
        text = "\n".join(m["content"] for m in messages)
        found = [i for i in self.instances if i.problem_statement.strip()[:300] in text]
        if len(found) != 1:
            raise ValueError(f"GoldOverHttp: the prompt holds the issue of {len(found)} of the instances, not one")
        return found[0]

    def __call__(self, messages: list[dict]) -> str:
        return answer_for(self.stage_of(messages))(self.instance_of(messages), messages, {}, False)
