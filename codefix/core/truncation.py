"""Bounded command output: keep the head and the tail, cut the middle with a marker."""

from __future__ import annotations


def marker(omitted: int) -> str:
    """The line that replaces the cut middle, saying how much was cut."""
    return f"\n[... {omitted} characters omitted from the middle of the output ...]\n"


def truncate_middle(text: str, limit: int, extra_omitted: int = 0) -> str:
    """`text` if it fits in `limit` characters, else its head and tail around a marker.

    `extra_omitted` counts characters already dropped before `text` was assembled
    (see `HeadTail`), so the marker reports the whole cut.
    """
    if len(text) <= limit and not extra_omitted:
        return text
    keep = max(limit, 0)
    head = keep // 2
    tail = keep - head
    omitted = len(text) - keep + extra_omitted
    return text[:head] + marker(omitted) + (text[-tail:] if tail else "")


class HeadTail:
    """Collects a byte stream of any length in bounded memory: the first and last
    `keep` bytes and how many bytes were dropped in between."""

    def __init__(self, keep: int):
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.keep - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail += chunk
        excess = len(self.tail) - self.keep
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self, limit: int) -> str:
        """The collected output decoded, truncated in the middle to `limit` characters."""
        if not self.dropped:
            return truncate_middle(bytes(self.head + self.tail).decode("utf-8", "replace"), limit)
        head = bytes(self.head).decode("utf-8", "replace")
        tail = bytes(self.tail).decode("utf-8", "replace")
        half = limit // 2
        kept_head, kept_tail = head[:half], tail[len(tail) - (limit - half):] if limit - half else ""
        omitted = len(head) - len(kept_head) + self.dropped + len(tail) - len(kept_tail)
        return kept_head + marker(omitted) + kept_tail
