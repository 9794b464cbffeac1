"""Syntax check of Python source with tree-sitter, before any test runs on it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    """1-based line of the error."""
    column: int
    """1-based column of the error."""
    text: str
    """The offending line, for the model to see."""

    def describe(self, path: str) -> str:
        return f"{path}:{self.line}:{self.column}: syntax error near: {self.text.strip()[:120]}"


@lru_cache(maxsize=1)
def _parser():
    import tree_sitter_python
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_python.language()))


def python_syntax_errors(source: str, limit: int = 5) -> list[SyntaxProblem]:
    """Up to `limit` syntax errors in `source` (empty when it parses cleanly)."""
    tree = _parser().parse(source.encode("utf-8"))
    if not tree.root_node.has_error:
        return []
    lines = source.splitlines()
    found: list[SyntaxProblem] = []
    stack = [tree.root_node]
    while stack and len(found) < limit:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            found.append(SyntaxProblem(row + 1, col + 1, lines[row] if row < len(lines) else ""))
            continue
        stack.extend(reversed(node.children))
    return sorted(found, key=lambda p: (p.line, p.column))
