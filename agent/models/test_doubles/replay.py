"""`replay:PATH`: a scripted model. The script (YAML, JSON, or JSONL with one entry a line) is a list of entries
`{stage, match?, reply | error, retry_after?, repeat?}`; each call takes the first unused
entry whose stage fits and whose `match` regex is found in the last user message. `repeat`
entries are never used up. `error` makes the provider raise what a real one would:
rate_limit (a 429 carrying `retry-after`), timeout, server_error, auth, context_window.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from agent.models.litellm_model import LitellmModel
from agent.models.test_doubles.providers import register_provider
from codefix.core.errors import InputError, ModelError

REPLAY_MODEL = "codefix-replay/script"
"""The litellm model name of the replay provider."""
ErrorKind = Literal["rate_limit", "timeout", "server_error", "auth", "context_window"]


class ReplayExhausted(ModelError):
    """No entry of the replay script fits the call."""


class ReplayEntry(BaseModel):
    """One scripted answer."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    """The stage the call must be made for."""
    match: str | None = None
    """Regex searched in the last user message; the entry fits only when it is found."""
    reply: str | None = None
    """The reply text."""
    error: ErrorKind | None = None
    """A provider error to raise instead of replying."""
    retry_after: float | None = None
    """Seconds a rate_limit error asks the caller to wait (its `retry-after` header)."""
    repeat: bool = False
    """Never used up."""

    @model_validator(mode="after")
    def _one_outcome(self) -> "ReplayEntry":
        if (self.reply is None) == (self.error is None):
            raise ValueError("give exactly one of 'reply' or 'error'")
        if self.match is not None:
            try:
                re.compile(self.match)
            except re.error as exc:
                raise ValueError(f"match is not a valid regex: {exc}") from None
        return self


class ReplayScript:
    """The entries of one script and which are used; thread-safe."""

    def __init__(self, entries: list[ReplayEntry], source: str = "<script>"):
        self.entries = entries
        self.source = source
        self.used = [False] * len(entries)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path) -> "ReplayScript":
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise InputError(f"cannot read replay script {path}: {exc.strerror or exc}") from exc
        try:
            if path.suffix == ".jsonl":
                data = [json.loads(line) for line in text.splitlines() if line.strip()]
            else:
                data = json.loads(text) if path.suffix == ".json" else _yaml(text)
            if not isinstance(data, list):
                raise ValueError("a replay script is a list of entries")
            entries = [ReplayEntry.model_validate(e) for e in data]
        except (ValueError, ValidationError) as exc:
            raise InputError(f"bad replay script {path}: {' '.join(str(exc).split())[:300]}") from exc
        return cls(entries, str(path))

    def take(self, stage: str, messages: list[dict]) -> ReplayEntry:
        """The first unused entry that fits (marked used unless it repeats)."""
        last_user = last_user_text(messages)
        with self._lock:
            for i, entry in enumerate(self.entries):
                if self.used[i] or entry.stage != stage:
                    continue
                if entry.match is not None and not re.search(entry.match, last_user):
                    continue
                if not entry.repeat:
                    self.used[i] = True
                return entry
        first = next((line for line in last_user.splitlines() if line.strip()), "")
        raise ReplayExhausted(f"replay script {self.source} has no entry left for stage {stage!r}; prompt starts: {first[:120]!r}")


class ReplayModel(LitellmModel):
    """A LitellmModel on the `codefix-replay` provider that answers from a script."""

    def __init__(self, path: str | Path, **kwargs):
        script = ReplayScript.load(path)
        register_provider(REPLAY_MODEL, replay_answer)
        super().__init__(f"replay:{path}", **kwargs)
        self.litellm_model = REPLAY_MODEL
        self.script = script

    def call_metadata(self, stage: str, meta: dict) -> dict:
        return {**super().call_metadata(stage, meta), "codefix_replay": self.script}


def replay_answer(model: str, messages: list, metadata: dict) -> str:
    """The provider side: the next fitting entry's reply, or its error raised."""
    script = metadata.get("codefix_replay")
    if not isinstance(script, ReplayScript):
        raise ModelError("the codefix-replay provider is reached through ReplayModel (make_model('replay:PATH'))")
    entry = script.take(metadata.get("codefix_stage", ""), messages)
    if entry.error is not None:
        raise provider_error(entry, model)
    return entry.reply or ""


def provider_error(entry: ReplayEntry, model: str) -> Exception:
    """The litellm exception a real provider's failure of this kind produces."""
    import httpx

    from agent.models.litellm_setup import load_litellm

    litellm = load_litellm()
    provider = "codefix-replay"
    request = httpx.Request("POST", "https://replay.invalid/v1/chat/completions")
    if entry.error == "rate_limit":
        headers = {} if entry.retry_after is None else {"retry-after": f"{entry.retry_after:g}"}
        response = httpx.Response(429, headers=headers, request=request)
        return litellm.RateLimitError("replay: rate limit reached", llm_provider=provider, model=model, response=response)
    if entry.error == "timeout":
        return litellm.Timeout("replay: request timed out", model=model, llm_provider=provider)
    if entry.error == "server_error":
        return litellm.InternalServerError("replay: internal server error", llm_provider=provider, model=model)
    if entry.error == "auth":
        return litellm.AuthenticationError("replay: invalid API key", llm_provider=provider, model=model)
    return litellm.ContextWindowExceededError("replay: prompt is too long", model=model, llm_provider=provider)


def last_user_text(messages: list[dict]) -> str:
    """The text of the last user message (text blocks joined), which `match` is searched in."""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
            return str(content or "")
    return ""


def _yaml(text: str):
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


def from_spec(options: str, *, dataset=None, temperature: float | None = None, **kwargs) -> ReplayModel:
    """The model of `--model replay:PATH` (`options` is PATH)."""
    path = Path(options)
    if not options or not path.is_file():
        raise InputError(f"replay script not found: {path if options else '(none given: replay:PATH)'}")
    return ReplayModel(path, temperature=temperature, **kwargs)
