"""Tree-sitter skeletons of source files, used for files too long to show whole.

Python's keeps imports, module-level assignments, class and function signatures with their
docstrings. The other languages' (`agent.languages`) keep the file as written with the body of
every function, method, constructor and closure elided: declarations, types, fields, imports and
doc comments stay."""

from __future__ import annotations

import re

from agent.languages import language_of, parser_for

ELIDED = "..."
MAX_ASSIGN_CHARS = 200
FUNCTION_NODES = frozenset({
    "function_declaration", "function_expression", "generator_function_declaration", "generator_function",
    "arrow_function", "method_definition", "method_declaration", "func_literal", "constructor_declaration",
    "compact_constructor_declaration", "lambda_expression", "function_item", "closure_expression",
    "function_definition", "anonymous_function", "anonymous_function_creation_expression",
    "method", "singleton_method",
})
"""Node types (across the grammars) whose `body` field is a body to elide."""
BODY_NODES = frozenset({"statement_block", "block", "constructor_body", "compound_statement", "body_statement"})
"""Body node types elided; an arrow function's or closure's expression body stays."""


def skeleton_of(path: str, text: str) -> str | None:
    """The skeleton of the file at `path`, or None when no grammar covers its language."""
    language = language_of(path)
    if language is None:
        return None
    if language.name == "python":
        return python_skeleton(text)
    return elided_skeleton(text, parser_for(path), braces=language.name != "ruby")


def elided_skeleton(text: str, parser, *, braces: bool = True) -> str:
    """`text` with every function body cut to `{ ... }` (or `...` between `def` and `end`)."""
    source = text.encode("utf-8")
    cuts: list[tuple[int, int]] = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        body = node.child_by_field_name("body") if node.type in FUNCTION_NODES else None
        if body is not None and body.type in BODY_NODES and body.end_byte > body.start_byte:
            cuts.append((body.start_byte, body.end_byte))
            continue  # what is nested inside goes with the body
        stack.extend(node.named_children)
    out, pos = [], 0
    for start, stop in sorted(cuts):
        out.append(source[pos:start].decode("utf-8", "replace"))
        out.append("{ " + ELIDED + " }" if braces else ELIDED)
        pos = stop
    out.append(source[pos:].decode("utf-8", "replace"))
    joined = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", "".join(out))
    return joined.rstrip() + "\n" if joined.strip() else ""


def python_skeleton(text: str) -> str:
    """The outline of a Python module; tolerant of syntax errors (tree-sitter recovers)."""
    source = text.encode("utf-8")
    tree = parser_for("module.py").parse(source)
    lines: list[str] = []
    for node in tree.root_node.named_children:
        _emit(node, source, lines, indent="")
    return "\n".join(lines) + ("\n" if lines else "")


def _text(node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _emit(node, source: bytes, lines: list[str], indent: str) -> None:
    kind = node.type
    if kind in ("import_statement", "import_from_statement", "future_import_statement"):
        lines.append(indent + " ".join(_text(node, source).split()))
    elif kind == "decorated_definition":
        for child in node.named_children:
            if child.type == "decorator":
                lines.append(indent + " ".join(_text(child, source).split()))
        definition = node.child_by_field_name("definition")
        if definition is not None:
            _emit(definition, source, lines, indent)
    elif kind in ("function_definition", "class_definition"):
        _emit_definition(node, source, lines, indent)
    elif kind == "expression_statement" and node.named_children:
        first = node.named_children[0]
        if first.type in ("assignment", "augmented_assignment"):
            line = " ".join(_text(node, source).split())
            if len(line) > MAX_ASSIGN_CHARS:
                line = line[:MAX_ASSIGN_CHARS] + " ..."
            lines.append(indent + line)
        elif first.type == "string" and not lines:
            lines.append(indent + _text(node, source))  # the module docstring
    elif kind in ("if_statement", "try_statement", "with_statement"):
        # Conditional definitions (e.g. `if TYPE_CHECKING:`, `try: import x`) keep their defs.
        for block in _blocks(node):
            for child in block.named_children:
                _emit(child, source, lines, indent)


def _blocks(node):
    for child in node.named_children:
        if child.type == "block":
            yield child
        elif child.type in ("else_clause", "elif_clause", "except_clause", "finally_clause"):
            yield from _blocks(child)


def _emit_definition(node, source: bytes, lines: list[str], indent: str) -> None:
    body = node.child_by_field_name("body")
    if body is None:
        lines.append(indent + _text(node, source))
        return
    colons = [c for c in node.children if c.type == ":" and c.end_byte <= body.start_byte]
    end = colons[-1].end_byte if colons else body.start_byte
    header = " ".join(_without_comments(node, source, end).split())
    lines.append(indent + header)
    inner = indent + "    "
    children = body.named_children
    count = len(lines)
    if children and children[0].type == "expression_statement" and children[0].named_children:
        if children[0].named_children[0].type == "string":
            doc = _text(children[0], source)
            lines.append(inner + _reindent(doc, inner))
            children = children[1:]
    if node.type == "class_definition":
        for child in children:
            _emit(child, source, lines, inner)
    if node.type == "function_definition" or len(lines) == count:
        lines.append(inner + ELIDED)


def _without_comments(node, source: bytes, end: int) -> str:
    """Source of `node` up to byte `end` with comments cut out (they would swallow the rest
    of a signature once it is joined onto one line)."""
    cuts, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.start_byte >= end or n.type == "block":
            continue
        if n.type == "comment":
            cuts.append((n.start_byte, n.end_byte))
        stack.extend(n.children)
    out, pos = [], node.start_byte
    for start, stop in sorted(cuts):
        out.append(source[pos:start])
        pos = stop
    out.append(source[pos:end])
    return b"".join(out).decode("utf-8", "replace")


def _reindent(doc: str, indent: str) -> str:
    first, *rest = doc.split("\n")
    return "\n".join([first] + [indent + line.strip() if line.strip() else "" for line in rest])
