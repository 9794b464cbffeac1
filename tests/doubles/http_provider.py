"""`FakeProvider`: a TEST DOUBLE of two model provider HTTP APIs on 127.0.0.1, so that the
model layer is tested through litellm's real HTTP path (request shaping, response parsing,
error mapping), not only through its custom-provider hook.

- Anthropic `POST /v1/messages`: checks what the real API checks that matters here (max_tokens
  given, at most 4 `cache_control` blocks), records where the cache marks are, bills the prompt
  through a simulated prefix cache (`prefix_cache.PrefixCache.explicit`), answers with `usage`
  holding `cache_creation_input_tokens` / `cache_read_input_tokens`, and with
  `stop_reason: max_tokens` when the reply is longer than the request's max_tokens (the reply is
  cut there, as a real model's is).
- OpenAI-compatible `POST /v1/chat/completions` (also `/chat/completions`): automatic prefix
  caching (`usage.prompt_tokens_details.cached_tokens`), `finish_reason: length` when cut, and
  o-series / gpt-5 models refuse a temperature other than 1 with a 400 as the real API does.
- Errors on demand (`queue`): 429 with `retry-after`, 529 overloaded, any 5xx.

Replies come from `respond(request) -> str | FakeReply | FakeHTTPError`; queued outcomes are
served first. Every request is kept in `requests`. Use as a context manager.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.doubles.prefix_cache import CacheUsage, PrefixCache, Segment

MAX_CACHE_MARKS = 4
"""Anthropic refuses a request with more `cache_control` blocks than this."""
TEMPERATURE_FIXED = re.compile(r"^(o\d|gpt-5)")
"""OpenAI models that accept only the default temperature."""


@dataclass(frozen=True)
class FakeReply:
    """What the fake model says."""

    text: str
    stop: str = "end_turn"
    """Anthropic stop_reason to report: end_turn, or max_tokens (also set when the text is cut)."""


@dataclass(frozen=True)
class FakeHTTPError:
    """An error response instead of a reply."""

    status: int
    """429, 529, 500, 503, 400, ..."""
    retry_after: float | None = None
    """Seconds sent in the `retry-after` header."""
    message: str = ""


@dataclass
class FakeRequest:
    """One request as the fake received and answered it."""

    api: str
    """anthropic or openai."""
    path: str
    headers: dict
    body: dict
    messages: list[dict] = field(default_factory=list)
    """The conversation in plain form: [{"role", "content": text}], a system message first."""
    cache_marks: list[str] = field(default_factory=list)
    """Where `cache_control` appeared: "system[i]" or "messages[i]" (the message index)."""
    status: int = 200
    usage: dict = field(default_factory=dict)
    """The usage the fake answered with."""
    stop: str = ""
    """stop_reason / finish_reason answered."""

    @property
    def max_tokens(self) -> int | None:
        value = self.body.get("max_tokens", self.body.get("max_completion_tokens"))
        return int(value) if value is not None else None


Respond = Callable[[FakeRequest], "str | FakeReply | FakeHTTPError"]


def default_count(text: str) -> int:
    """Tokens as litellm counts them with the default tokenizer."""
    from agent.models.litellm_setup import load_litellm

    return int(load_litellm().token_counter(model="gpt-4o", text=text)) if text else 0


class FakeProvider:
    """The HTTP test double; `base_url` for Anthropic, `openai_base` for OpenAI-compatible clients."""

    def __init__(self, respond: Respond | None = None, *, min_cacheable_tokens: int = 1024,
                 count: Callable[[str], int] = default_count):
        self.respond = respond or (lambda request: "ok")
        self.count = count
        self.cache = PrefixCache(min_cacheable_tokens)
        self.requests: list[FakeRequest] = []
        self._queued: list[FakeReply | FakeHTTPError | str] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_base(self) -> str:
        return f"{self.base_url}/v1"

    def queue(self, *outcomes: FakeReply | FakeHTTPError | str) -> None:
        """Serve these before asking `respond` (first in, first out)."""
        with self._lock:
            self._queued.extend(outcomes)

    def __enter__(self) -> "FakeProvider":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-provider", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, path: str, headers: dict, body: dict) -> tuple[int, dict, dict]:
        """(status, headers, JSON body) for one request."""
        api = "anthropic" if path.rstrip("/").endswith("/messages") else "openai"
        request = FakeRequest(api, path, headers, body)
        with self._lock:
            self.requests.append(request)
            queued = self._queued.pop(0) if self._queued else None
        problem = (_anthropic_problem if api == "anthropic" else _openai_problem)(body)
        if problem:
            request.status = 400
            return 400, {}, _error_body(api, 400, problem)
        segments = _anthropic_segments(body, self.count) if api == "anthropic" else _openai_segments(body, self.count)
        request.messages, request.cache_marks = _plain(api, body), [s[0] for s in segments if s[1].mark]
        outcome = queued if queued is not None else self.respond(request)
        if isinstance(outcome, FakeHTTPError):
            request.status = outcome.status
            extra = {} if outcome.retry_after is None else {"retry-after": f"{outcome.retry_after:g}"}
            return outcome.status, extra, _error_body(api, outcome.status, outcome.message)
        reply = outcome if isinstance(outcome, FakeReply) else FakeReply(str(outcome))
        text, stop = self._cut(reply, request.max_tokens)
        parts = [s for _, s in segments]
        scope = f"{api}:{body.get('model', '')}"
        billed = self.cache.explicit(parts, scope) if api == "anthropic" else self.cache.automatic(parts, scope)
        output = self.count(text)
        request.stop = stop if api == "anthropic" else ("length" if stop == "max_tokens" else "stop")
        request.usage = _usage(api, billed, output)
        return 200, {}, self._reply_body(api, body, text, request.stop, request.usage)

    def _cut(self, reply: FakeReply, max_tokens: int | None) -> tuple[str, str]:
        """The reply as the limit lets it out: cut to `max_tokens` tokens when longer."""
        if not max_tokens or self.count(reply.text) <= max_tokens:
            return reply.text, reply.stop
        lo, hi = 0, len(reply.text)
        while lo < hi:  # the longest prefix within the limit
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if self.count(reply.text[:mid]) <= max_tokens else (lo, mid - 1)
        return reply.text[:lo], "max_tokens"

    def _reply_body(self, api: str, body: dict, text: str, stop: str, usage: dict) -> dict:
        number = next(self._ids)
        if api == "anthropic":
            return {"id": f"msg_fake{number}", "type": "message", "role": "assistant", "model": body.get("model", ""),
                    "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
                    "usage": usage}
        return {"id": f"chatcmpl-fake{number}", "object": "chat.completion", "created": 0, "model": body.get("model", ""),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": stop}],
                "usage": usage}


def _usage(api: str, billed: CacheUsage, output: int) -> dict:
    if api == "anthropic":
        return {"input_tokens": billed.input_tokens, "output_tokens": output,
                "cache_creation_input_tokens": billed.cache_write_tokens,
                "cache_read_input_tokens": billed.cache_read_tokens}
    prompt = billed.input_tokens + billed.cache_read_tokens
    return {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output,
            "prompt_tokens_details": {"cached_tokens": billed.cache_read_tokens}}


def _blocks(content) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def _anthropic_segments(body: dict, count) -> list[tuple[str, Segment]]:
    out = [(f"system[{i}]", Segment("system:" + str(b.get("text", "")), count(str(b.get("text", ""))), "cache_control" in b))
           for i, b in enumerate(_blocks(body.get("system") or []))]
    for i, message in enumerate(body.get("messages") or []):
        for block in _blocks(message.get("content")):
            text = str(block.get("text", ""))
            out.append((f"messages[{i}]", Segment(f"{message.get('role')}:{text}", count(text), "cache_control" in block)))
    return out


def _openai_segments(body: dict, count) -> list[tuple[str, Segment]]:
    out = []
    for i, message in enumerate(body.get("messages") or []):
        text = "".join(str(b.get("text", "")) for b in _blocks(message.get("content")))
        marked = any("cache_control" in b for b in _blocks(message.get("content")))
        out.append((f"messages[{i}]", Segment(f"{message.get('role')}:{text}", count(text), marked)))
    return out


def _plain(api: str, body: dict) -> list[dict]:
    def text(content) -> str:
        return "".join(str(b.get("text", "")) for b in _blocks(content))

    messages = [{"role": m.get("role", ""), "content": text(m.get("content"))} for m in body.get("messages") or []]
    if api == "anthropic" and body.get("system"):
        messages.insert(0, {"role": "system", "content": text(body["system"])})
    return messages


def _anthropic_problem(body: dict) -> str:
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    messages = body.get("messages") or []
    if not messages or messages[0].get("role") != "user":
        return "messages: the first message must use the user role"
    marks = sum("cache_control" in b for b in _blocks(body.get("system") or []))
    marks += sum("cache_control" in b for m in messages for b in _blocks(m.get("content")))
    if marks > MAX_CACHE_MARKS:
        return f"A maximum of {MAX_CACHE_MARKS} blocks with cache_control may be provided. Found {marks}."
    return ""


def _openai_problem(body: dict) -> str:
    temperature = body.get("temperature")
    if TEMPERATURE_FIXED.match(str(body.get("model", ""))) and temperature not in (None, 1, 1.0):
        return (f"Unsupported value: 'temperature' does not support {temperature} with this model. "
                "Only the default (1) value is supported.")
    return ""


ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
                    500: "api_error", 529: "overloaded_error"}


def _error_body(api: str, status: int, message: str) -> dict:
    message = message or {429: "rate limited", 529: "Overloaded"}.get(status, f"fake error {status}")
    if api == "anthropic":
        return {"type": "error", "error": {"type": ANTHROPIC_ERRORS.get(status, "api_error"), "message": message}}
    return {"error": {"message": message, "type": "invalid_request_error" if status == 400 else "server_error",
                      "code": None, "param": None}}


def _handler(provider: FakeProvider):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                status, headers, answer = 400, {}, {"error": {"message": "body is not a JSON object"}}
            else:
                status, headers, answer = provider.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # quiet
            return None

    return Handler
