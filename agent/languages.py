"""The source languages codefix reads and checks: their file endings, their tree-sitter grammars
and the folders their ecosystems keep tests and build output in.

JavaScript and TypeScript count as one language, as do C and C++: their repositories mix the two.
Grammars come from the per-language tree-sitter wheels (bundled, nothing fetched at run time) and
are loaded on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Language:
    """One source language of the table below."""

    name: str
    """The name the config uses (`context.languages`)."""
    grammars: dict[str, tuple[str, str]]
    """File ending (with the dot) → (grammar module, its function returning the language)."""
    test_dirs: frozenset[str] = frozenset()
    """Folder names whose files are tests in this ecosystem, besides tests/, test/ and testing/."""
    test_suffixes: tuple[str, ...] = ()
    """File name endings of test files in this ecosystem (e.g. `_test.go`, `.spec.ts`)."""
    build_dirs: frozenset[str] = frozenset()
    """Folder names holding build output or installed dependencies, never read."""
    unread: frozenset[str] = frozenset()
    """Endings with a grammar that the context stage does not read (Python's stubs repeat their
    modules)."""

    @property
    def extensions(self) -> tuple[str, ...]:
        """The endings the context stage reads."""
        return tuple(e for e in self.grammars if e not in self.unread)


def _js_test_suffixes() -> tuple[str, ...]:
    endings = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
    return tuple(f"{kind}{ending}" for kind in (".test", ".spec") for ending in endings)


LANGUAGES: tuple[Language, ...] = (
    Language("python", {".py": ("tree_sitter_python", "language"), ".pyi": ("tree_sitter_python", "language")},
             unread=frozenset({".pyi"})),
    Language(
        "javascript",
        {
            **{e: ("tree_sitter_javascript", "language") for e in (".js", ".jsx", ".mjs", ".cjs")},
            **{e: ("tree_sitter_typescript", "language_typescript") for e in (".ts", ".mts", ".cts")},
            ".tsx": ("tree_sitter_typescript", "language_tsx"),
        },
        test_dirs=frozenset({"__tests__", "__mocks__", "spec"}),
        test_suffixes=_js_test_suffixes(),
        build_dirs=frozenset({"node_modules", "bower_components", "dist", "build", "coverage"}),
    ),
    Language("go", {".go": ("tree_sitter_go", "language")}, test_dirs=frozenset({"testdata"}),
             test_suffixes=("_test.go",)),
    Language("java", {".java": ("tree_sitter_java", "language")}, build_dirs=frozenset({"target", "build"})),
    Language("rust", {".rs": ("tree_sitter_rust", "language")}, test_dirs=frozenset({"benches"}),
             build_dirs=frozenset({"target"})),
    Language(
        "c",
        {
            **{e: ("tree_sitter_c", "language") for e in (".c", ".h")},
            **{e: ("tree_sitter_cpp", "language") for e in (".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx")},
        },
        test_suffixes=tuple(f"{kind}{e}" for kind in ("_test", "_unittest") for e in (".c", ".cc", ".cpp")),
        build_dirs=frozenset({"build"}),
    ),
    Language("php", {".php": ("tree_sitter_php", "language_php")}, test_suffixes=("Test.php",)),
    Language("ruby", {".rb": ("tree_sitter_ruby", "language")}, test_dirs=frozenset({"spec"}),
             test_suffixes=("_spec.rb",)),
)

BY_NAME = {language.name: language for language in LANGUAGES}


def language_of(path: str) -> Language | None:
    """The language of the file at `path`, judged by its ending; None for any other file."""
    suffix = PurePosixPath(path).suffix
    for language in LANGUAGES:
        if suffix in language.grammars:
            return language
    return None


def parser_for(path: str):
    """A tree-sitter parser for the file at `path`, or None when no grammar covers its ending."""
    language = language_of(path)
    if language is None:
        return None
    return _parser(*language.grammars[PurePosixPath(path).suffix])


@lru_cache(maxsize=None)
def _parser(module: str, function: str):
    from tree_sitter import Language as Grammar, Parser

    return Parser(Grammar(getattr(import_module(module), function)()))
