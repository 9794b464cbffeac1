"""The two kinds of reproduction script and which one a repository gets.

A Python repository gets a Python program run with `python3` (its image has the interpreter its
tests need); a repository in any other language gets a shell script that drives its own toolchain
(`node --test`, `go test`, `cargo test`, ...), since whatever Python its image may hold is not what
its code runs on. Both keep one exit-code contract: 2 the issue is present, 0 it is fixed, 1 the
script itself failed.

A stored script says its kind by its first line: a `#!` line naming sh, bash or dash is a shell
script, anything else a Python program; so the runners (testing, editing, voting, selection)
run any stored script right without being told what was asked when it was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

PYTHON = "python"
SHELL = "shell"
KINDS = ("auto", PYTHON, SHELL)
"""The values of `generation.scripts.kind`: auto follows the repository's language."""
SHELLS = ("sh", "bash", "dash")
"""Interpreters a shell script's `#!` line may name; the script runs with the one it names."""
SHELL_INFOS = ("sh", "bash", "shell", "zsh", "console", "shellscript")
"""Fence info strings of shell code."""
DEFAULT_SHEBANG = "#!/bin/bash"
"""Put first in a shell script sent without a `#!` line (so it is stored as a shell script)."""

_SHEBANG = re.compile(r"#![ \t]*(\S+)(?:[ \t]+(\S+))?")

TITLES = {"python": "Python", "javascript": "JavaScript/TypeScript", "go": "Go", "java": "Java", "rust": "Rust",
          "c": "C/C++", "php": "PHP", "ruby": "Ruby"}
"""How the prompts name each language of `agent.languages`."""
FENCES = {"python": "python", "javascript": "javascript", "go": "go", "java": "java", "rust": "rust", "c": "c",
          "php": "php", "ruby": "ruby"}
"""The fence info string of each language's code in the prompts' examples."""
EXAMPLE_ENDINGS = {"python": "py", "javascript": "js", "go": "go", "java": "java", "rust": "rs", "c": "c",
                   "php": "php", "ruby": "rb"}


def interpreter(script: str) -> str | None:
    """The program a script's `#!` line names (`env`'s argument for `#!/usr/bin/env X`), or None."""
    first = script.lstrip().split("\n", 1)[0]
    found = _SHEBANG.match(first)
    if found is None:
        return None
    program = PurePosixPath(found.group(1)).name
    if program == "env":
        program = PurePosixPath(found.group(2) or "").name
    return program or None


def script_kind(script: str) -> str:
    """SHELL when the script's `#!` line names a shell, else PYTHON."""
    return SHELL if interpreter(script) in SHELLS else PYTHON


def script_file(python_path: str, script: str) -> str:
    """Where `script` is written, given the configured Python file name: `codefix_x.py` for a
    Python program, `codefix_x.sh` for a shell script."""
    return python_path if script_kind(script) == PYTHON else python_path.removesuffix(".py") + ".sh"


def run_command(script: str, path: str, python: str = "python3") -> str:
    """The command running `script` written at `path`. A shell script is syntax-checked first and
    exits 1 when the check fails, since a shell's own syntax error exits 2 (the "issue present"
    verdict)."""
    if script_kind(script) == PYTHON:
        return f"{python} {path}"
    shell = interpreter(script)
    return (f"{shell} -n {path} || {{ echo 'codefix: the script does not parse ({shell} -n), exit 1'; exit 1; }}\n"
            f"{shell} {path}")


@dataclass(frozen=True)
class ScriptTarget:
    """What the prompts ask for: the kind of script, for which language, next to which test command."""

    kind: str = PYTHON
    """PYTHON or SHELL."""
    language: str = ""
    """A language name of `agent.languages` ("" when unknown: Python's words are used)."""
    test_command: str = ""
    """The repository's test command as the prompts may show it ("" when the record does not say)."""

    @property
    def title(self) -> str:
        """The language as the prompts name it."""
        return TITLES.get(self.language or PYTHON, self.language)

    @property
    def fence(self) -> str:
        """The fence info string of a script of this kind."""
        return "python" if self.kind == PYTHON else "bash"

    @property
    def source_fence(self) -> str:
        """The fence info string of the repository's source files."""
        return FENCES.get(self.language or PYTHON, "")

    @property
    def example_path(self) -> str:
        """A made-up source path in the repository's language, for the edit format's example."""
        return f"path/to/file.{EXAMPLE_ENDINGS.get(self.language or PYTHON, 'txt')}"


def choose_target(languages: list[str] | None, test_command: str = "", kind: str = "auto",
                  record_language: str = "") -> ScriptTarget:
    """The target of a repository whose source languages are `languages` (the context stage's,
    most files first) or `record_language` (a record's own, e.g. SWE-bench Pro's `repo_language`,
    which wins): `kind` auto gives a Python script to a Python repository or one of unknown
    language, a shell script to any other."""
    language = _known(record_language) or next((name for name in languages or [] if name in TITLES), "")
    if kind == "auto":
        kind = PYTHON if language in ("", PYTHON) else SHELL
    if kind not in (PYTHON, SHELL):
        raise ValueError(f"unknown script kind {kind!r}; use one of {', '.join(KINDS)}")
    return ScriptTarget(kind, language, test_command)


def _known(name: str) -> str:
    """A record's language name as `agent.languages` spells it ("" when it names none)."""
    name = (name or "").strip().lower()
    aliases = {"js": "javascript", "typescript": "javascript", "ts": "javascript", "golang": "go", "c++": "c",
               "cpp": "c", "py": "python"}
    name = aliases.get(name, name)
    return name if name in TITLES else ""


def target_of_files(paths: list[str], script: str = "", test_command: str = "",
                    record_language: str = "") -> ScriptTarget:
    """The target where no context stage said the languages (selection): the language most of
    `paths` (the files the candidates change) are in, the kind of `script` (a test the candidates
    came with) when there is one, else what `choose_target` gives the language."""
    from agent.languages import language_of

    counts: dict[str, int] = {}
    for path in paths:
        language = language_of(path)
        if language is not None:
            counts[language.name] = counts.get(language.name, 0) + 1
    languages = sorted(counts, key=lambda name: -counts[name])
    return choose_target(languages, test_command, script_kind(script) if script.strip() else "auto", record_language)
