"""Middle truncation and secret redaction, on literals."""

from __future__ import annotations

from codefix.core.truncation import HeadTail, truncate_middle
from sandbox.docker.secrets import redact, secret_values


def test_short_text_is_untouched_and_long_text_keeps_head_and_tail():
    assert truncate_middle("abc", 3) == "abc"
    cut = truncate_middle("a" * 10 + "b" * 10, 10)
    assert cut.startswith("aaaaa\n") and cut.endswith("\nbbbbb") and "10 characters omitted" in cut


def test_head_tail_collects_any_stream_in_bounded_memory():
    collector = HeadTail(8)
    for _ in range(1000):
        collector.add(b"0123456789")
    collector.add(b"END")
    assert len(collector.head) == len(collector.tail) == 8 and collector.dropped == 10003 - 16
    text = collector.text(6)
    assert text.startswith("012\n") and text.endswith("\nEND") and "9997 characters omitted" in text
    small = HeadTail(8)
    small.add("héllo wörld".encode())
    assert small.text(100) == "héllo wörld"


def test_secret_looking_values_are_masked():
    env = {"OPENAI_API_KEY": "sk-abcdefgh1234", "GITHUB_TOKEN": "ghp_zzzzzzzz", "BASIC_AUTH": "user:pass1234",
           "DB_PASSWORD": "short", "HOME": "/root/secret-home", "MY_SECRET_LONG": "sk-abcdefgh1234-extended"}
    assert secret_values(env)[0] == "sk-abcdefgh1234-extended"
    text = "k=sk-abcdefgh1234-extended t=ghp_zzzzzzzz a=user:pass1234 p=short h=/root/secret-home"
    assert redact(text, env) == "k=*** t=*** a=*** p=short h=/root/secret-home"
