"""Syntax check of edited source with tree-sitter, before any test runs on it: every language
of `agent.languages` has a grammar; a file of any other kind is said to be unchecked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from agent.languages import language_of, parser_for


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


def syntax_errors(path: str, source: str, limit: int = 5) -> list[SyntaxProblem] | None:
    """Up to `limit` syntax errors in `source` read as the file at `path`; None when no grammar
    covers its language."""
    parser = parser_for(path)
    return None if parser is None else _errors(parser, source, limit)


def edit_syntax_check(path: str, before: str | None, after: str) -> tuple[list[str], str | None]:
    """(problems that refuse the edit of `path`, a notice for the model) for the edit turning
    `before` (None: a new file) into `after`. A file without a grammar gets the notice that it was
    not checked. Outside Python, whose grammar is trusted, errors the grammar already finds in the
    file before the edit make it a notice too: the grammar does not cover that file's dialect
    (macros, language extensions), so it cannot tell a broken edit apart."""
    found = syntax_errors(path, after)
    if found is None:
        ending = PurePosixPath(path).suffix or "files without an ending"
        return [], f"{path} was not syntax-checked: no grammar for {ending}."
    if not found:
        return [], None
    language = language_of(path)
    if language.name != "python" and before is not None and syntax_errors(path, before):
        return [], (f"{path} was not syntax-checked: the {language.name} grammar already finds errors "
                    "in it before your edit.")
    return [p.describe(path) for p in found], None


def _errors(parser, source: str, limit: int) -> list[SyntaxProblem]:
    tree = parser.parse(source.encode("utf-8"))
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
