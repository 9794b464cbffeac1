"""Every public top-level function and class of the product is used by the product: one that only
tests call is either dead (a test of it tests nothing the user runs) or test code shipped in the
product. The two kept on purpose are named below, each with why."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("codefix", "agent", "sandbox", "selection")
KEPT = {
    "agent/models/limiter.py:no_shared_limiters":
        "the tests' way to start from no process-wide limiter; it must reach the module's private registry",
    "selection/submissions.py:read_patch_records":
        "a submission format (one JSONL of patch records) no command reads yet; tests read the shared data with it",
}


def unused_by_the_product(sources: dict[str, str]) -> list[str]:
    """`path:name` of every public top-level def or class in `sources` (path → text) whose name
    appears nowhere in them but at its own definition."""
    words: dict[str, int] = {}
    for text in sources.values():
        for word in re.findall(r"\w+", text):
            words[word] = words.get(word, 0) + 1
    out = []
    for path, text in sources.items():
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                if words.get(node.name, 0) <= 1:
                    out.append(f"{path}:{node.name}")
    return sorted(out)


def test_no_public_function_of_the_product_is_called_only_by_tests():
    sources = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
               for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}
    assert unused_by_the_product(sources) == sorted(KEPT)


def test_a_definition_alone_is_unused_and_a_call_or_a_mention_is_a_use():
    sources = {"a.py": "def used():\n    pass\n\ndef alone():\n    pass\n\nclass _Private:\n    pass\n",
               "b.py": "from a import used\n\nused()\n"}
    assert unused_by_the_product(sources) == ["a.py:alone"]
