"""The prompt-cache accounting of the fake HTTP provider (TEST DOUBLE): which prompt tokens a
request reads from the cache, which it writes, which it pays in full.

Two regimes, as the real APIs bill them:
- explicit (Anthropic): only prefixes ending at a block marked `cache_control` are written;
  a request reads the longest prefix some earlier request wrote, at any block boundary up to its
  last mark; the tokens from there to its last mark are written; the rest is plain input.
  Prefixes shorter than `min_tokens` are neither written nor read (Anthropic: 1024 for Sonnet).
- automatic (OpenAI, DeepSeek): every message boundary of a request is remembered; a later
  request reads the longest remembered prefix of at least `min_tokens`, in steps of 128 tokens.
  Nothing is billed as a write.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """One block of a prompt in send order (system blocks, then each message's blocks)."""

    text: str
    """What the block says (with its role, so equal text in another role is another prefix)."""
    tokens: int
    """Its token count."""
    mark: bool = False
    """True when the block carries `cache_control` (explicit regime)."""


@dataclass(frozen=True)
class CacheUsage:
    """How the prompt tokens of one request are billed."""

    input_tokens: int
    """Paid at the full input price."""
    cache_read_tokens: int = 0
    """Read from the cache."""
    cache_write_tokens: int = 0
    """Written to the cache."""


AUTOMATIC_STEP = 128
"""OpenAI reports cached tokens in steps of this many."""


def prefix_keys(segments: list[Segment], scope: str = "") -> list[str]:
    """Key of the prefix ending at each segment (a chained hash); `scope` (e.g. the model) keeps
    the prefixes of different models apart, as a provider's cache does."""
    keys, digest = [], scope.encode()
    for segment in segments:
        digest = hashlib.sha256(digest + segment.text.encode("utf-8", "surrogatepass")).digest()
        keys.append(digest.hex())
    return keys


def cumulative(segments: list[Segment]) -> list[int]:
    """Tokens of the prefix ending at each segment."""
    out, total = [], 0
    for segment in segments:
        total += segment.tokens
        out.append(total)
    return out


class PrefixCache:
    """Prefixes earlier requests wrote; thread-safe; entries never expire (the real TTL is 5 min,
    longer than any test)."""

    def __init__(self, min_tokens: int = 1024):
        self.min_tokens = min_tokens
        self._written: dict[str, int] = {}
        self._lock = threading.Lock()

    def explicit(self, segments: list[Segment], scope: str = "") -> CacheUsage:
        """Anthropic billing of one request, and its marked prefixes written."""
        total = sum(s.tokens for s in segments)
        marks = [i for i, s in enumerate(segments) if s.mark]
        if not marks:
            return CacheUsage(total)
        keys, ends = prefix_keys(segments, scope), cumulative(segments)
        with self._lock:
            hit = next((i for i in range(marks[-1], -1, -1) if keys[i] in self._written), None)
            read = ends[hit] if hit is not None else 0
            written_to = read
            for i in marks:
                if (hit is None or i > hit) and ends[i] >= self.min_tokens:
                    self._written[keys[i]] = ends[i]
                    written_to = ends[i]
        return CacheUsage(total - written_to, read, written_to - read)

    def automatic(self, segments: list[Segment], scope: str = "") -> CacheUsage:
        """OpenAI-style billing of one request (segments are whole messages); every boundary is
        remembered for later requests."""
        total = sum(s.tokens for s in segments)
        keys, ends = prefix_keys(segments, scope), cumulative(segments)
        with self._lock:
            hit = next((ends[i] for i in range(len(keys) - 1, -1, -1) if keys[i] in self._written), 0)
            for key, end in zip(keys, ends):
                self._written.setdefault(key, end)
        read = hit // AUTOMATIC_STEP * AUTOMATIC_STEP if hit >= self.min_tokens else 0
        return CacheUsage(total - read, read, 0)

    def clear(self) -> None:
        with self._lock:
            self._written.clear()
