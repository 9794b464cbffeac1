"""`RateLimitedEndpoint`: a TEST DOUBLE of a provider that enforces rate limits, on 127.0.0.1, in
both shapes litellm speaks over HTTP: OpenAI-compatible (`POST /v1/chat/completions`) and
Anthropic (`POST /v1/messages`).

Every request is counted against sliding windows (requests, input tokens, output tokens per
`window` seconds), refused ones included, as OpenAI documents for its own limits; so callers
that come back together keep the window full. A request over a limit is answered 429 (or 529
overloaded with `refusal_status=529`) with `retry-after` in seconds (rounded up, as providers
send it), `retry-after-ms`, an HTTP date, or no header at all. `refuse_all` refuses everything;
`serve_at_most` (None: no such cap) refuses everything once that many requests were served,
decided under the windows' lock, so concurrent requests never slip past it.
Input tokens are estimated as characters / 4 of the messages; output tokens are the reply's.

`served`, `refused`, `served_times` and `refused_times` (when each served or refused request
arrived) and `arrivals` (status
and last message of each request, in order) are kept for the tests' figures. Use as a context manager.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RateLimitedEndpoint:
    """A rate-limited fake provider: see the module docstring."""

    def __init__(self, *, requests: int | None = None, input_tokens: int | None = None, output_tokens: int | None = None,
                 window: float = 60.0, retry_after: str = "seconds", refusal_status: int = 429,
                 refuse_all: bool = False, serve_at_most: int | None = None, latency: float = 0.0,
                 respond: Callable[[list[dict]], str] = lambda messages: "VERDICT: NOT RELEVANT"):
        if retry_after not in ("seconds", "ms", "date", "none"):
            raise ValueError(f"retry_after is seconds, ms, date or none, not {retry_after!r}")
        self.limits = {"requests": requests, "input": input_tokens, "output": output_tokens}
        self.window, self.retry_after, self.refusal_status = window, retry_after, refusal_status
        self.refuse_all, self.latency, self.respond = refuse_all, latency, respond
        self.serve_at_most = serve_at_most
        self.served = 0
        self.refused = 0
        self.served_times: list[float] = []
        self.refused_times: list[float] = []
        self.arrivals: list[tuple[int, str]] = []
        self._seen: deque[tuple[float, int, int]] = deque()  # (arrival, input tokens, output tokens) of every request
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- the windows ---------------------------------------------------------------------
    def admit(self, now: float, input_tokens: int, output_tokens: int) -> float | None:
        """Count one request arriving at `now`; None when it is served, else the seconds until the
        windows would have room for it (what retry-after says)."""
        with self._lock:
            while self._seen and self._seen[0][0] <= now - self.window:
                self._seen.popleft()
            waits = [0.0]
            for index, key, amount in ((None, "requests", 1), (1, "input", input_tokens), (2, "output", output_tokens)):
                limit = self.limits[key]
                if limit is None:
                    continue
                used = len(self._seen) if index is None else sum(e[index] for e in self._seen)
                if used + amount > limit:
                    waits.append(self._room_after(now, index, used + amount - limit))
            shut = self.refuse_all or (self.serve_at_most is not None and self.served >= self.serve_at_most)
            over = shut or max(waits) > 0
            self._seen.append((now, input_tokens, 0 if over else output_tokens))
            if over:
                self.refused += 1
                self.refused_times.append(now)
                return max(waits + [1.0 if shut else 0.0])
            self.served += 1
            self.served_times.append(now)
            return None

    def _room_after(self, now: float, index: int | None, excess: float) -> float:
        freed = 0.0
        for arrival, *amounts in self._seen:
            freed += 1 if index is None else amounts[index - 1]
            if freed >= excess:
                return max(0.001, arrival + self.window - now)
        return self.window

    # -- HTTP ----------------------------------------------------------------------------
    def __enter__(self) -> RateLimitedEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                api = "anthropic" if self.path.rstrip("/").endswith("/messages") else "openai"
                status, headers, payload = endpoint.answer(api, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {"content-type": "application/json", "content-length": str(len(data)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use RateLimitedEndpoint as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, api: str, body: dict) -> tuple[int, dict, dict]:
        """(status, headers, JSON body) for one request."""
        messages = plain_messages(api, body)
        text = self.respond(messages)
        input_tokens = input_tokens_of(messages)
        output_tokens = max(1, len(text) // 4)
        wait = self.admit(time.monotonic(), input_tokens, output_tokens)
        with self._lock:
            self.arrivals.append((200 if wait is None else self.refusal_status, messages[-1]["content"] if messages else ""))
        if wait is not None:
            return self.refusal_status, self._wait_headers(wait), refusal_body(api, self.refusal_status)
        if self.latency:
            time.sleep(self.latency)
        return 200, {}, reply_body(api, body.get("model", "fake"), text, input_tokens, output_tokens)

    def _wait_headers(self, wait: float) -> dict:
        if self.retry_after == "seconds":
            return {"retry-after": str(math.ceil(wait))}
        if self.retry_after == "ms":
            return {"retry-after-ms": str(math.ceil(wait * 1000))}
        if self.retry_after == "date":
            return {"retry-after": formatdate(time.time() + math.ceil(wait), usegmt=True)}
        return {}

    def figures(self, started: float, ended: float, limit_per_second: float) -> dict:
        """served, refused, served per second over [started, ended] and its share of the limit."""
        seconds = max(1e-9, ended - started)
        rate = self.served / seconds
        return {"served": self.served, "refused": self.refused, "seconds": round(seconds, 2),
                "served_per_s": round(rate, 2), "utilisation": round(rate / limit_per_second, 3),
                "refused_per_served": round(self.refused / max(1, self.served), 3)}


def input_tokens_of(messages: list[dict]) -> int:
    """The input tokens the endpoint counts for plain messages: characters / 4 (at least 1)."""
    return max(1, sum(len(m["content"]) for m in messages) // 4)


def plain_messages(api: str, body: dict) -> list[dict]:
    """[{"role", "content": text}] of a request, a system message first."""
    out = []
    system = body.get("system")
    if system:
        out.append({"role": "system", "content": _text(system)})
    for m in body.get("messages", []):
        out.append({"role": m.get("role", "user"), "content": _text(m.get("content", ""))})
    return out


def _text(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content if isinstance(block, dict))


def reply_body(api: str, model: str, text: str, input_tokens: int, output_tokens: int) -> dict:
    if api == "anthropic":
        return {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens}}


def refusal_body(api: str, status: int) -> dict:
    if api == "anthropic":
        kind = "overloaded_error" if status == 529 else "rate_limit_error"
        return {"type": "error", "error": {"type": kind, "message": "Overloaded" if status == 529 else "rate limit exceeded"}}
    return {"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}}
