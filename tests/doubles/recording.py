"""Record a real model's replies as a replay script, to rerun a stage offline later.

`RecordingModel(model, path)` answers through `model` and appends one line per successful call
to the JSONL script at `path`: `{stage, match, reply}` where `match` is the escaped text of the
prompt's last user message, so `replay:PATH` finds the same reply for the same prompt even when
calls arrive in another order (the relevance stage runs them concurrently).
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from agent.models.test_doubles.replay import last_user_text
from codefix.core.errors import InputError


class RecordingModel:
    """Wraps any Model; every reply it returns is also appended to a replay script."""

    def __init__(self, model, path: str | Path):
        self.model = model
        self.name = model.name
        self.path = Path(path)
        if self.path.suffix != ".jsonl":
            raise InputError(f"a recorded replay script is JSONL: name it *.jsonl, not {self.path.name}")
        self._lock = threading.Lock()

    def query(self, messages: list[dict], *, ledger, stage: str, meta: dict | None = None, **kwargs):
        completion = self.model.query(messages, ledger=ledger, stage=stage, meta=meta, **kwargs)
        entry = {"stage": stage, "match": re.escape(last_user_text(messages)), "reply": completion.text}
        line = json.dumps(entry) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line)
        return completion
