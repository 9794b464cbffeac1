"""Repositories in languages other than Python: detection, test exclusion by each ecosystem's
conventions, skeletons and the edit syntax gate (small repositories and sources as literals)."""

from __future__ import annotations

import json

import pytest

from agent.context.files import detect_languages, is_test_path, read_sources
from agent.context.packing import pack
from agent.context.skeleton import skeleton_of
from agent.editing_machine import EditingTask
from agent.syntax import edit_syntax_check, syntax_errors
from codefix.core.errors import InputError
from tests.agent.context_repo import make_repo
from tests.agent.fakes import LocalDirSandbox
from tests.agent.fakes import make_repo as make_sandbox_repo

JS_REPO = {
    "package.json": '{"name": "shop", "scripts": {"test": "node --test"}}\n',
    "src/cart.js": "export function total(items) {\n  return items.reduce((s, i) => s + i.price, 0);\n}\n",
    "src/price.ts": "export function withTax(p: number): number {\n  return p * 1.2;\n}\n",
    "src/view.tsx": "export const View = () => <div>cart</div>;\n",
    "src/index.mjs": "export { total } from './cart.js';\n",
    "src/format.jsx": "export const Price = ({ p }) => <b>{p}</b>;\n",
    "src/cart.test.js": "import test from 'node:test';\n",
    "src/price.spec.ts": "describe('p', () => {});\n",
    "src/__tests__/view.js": "test('v', () => {});\n",
    "test/cart.js": "import test from 'node:test';\n",
    "node_modules/left-pad/index.js": "module.exports = function () {};\n",
    "dist/bundle.js": "var a = 1;\n",
    "dist/bundle.min.js": "var a=1;\n",
    "scripts/release.py": "print('release')\n",
}

GO_REPO = {
    "go.mod": "module example.com/kv\n\ngo 1.19\n",
    "kv.go": "package kv\n\n// Get returns the value.\nfunc Get(k string) string {\n\treturn k\n}\n",
    "internal/store/store.go": "package store\n\ntype Store struct {\n\tm map[string]string\n}\n",
    "cmd/kv/main.go": "package main\n\nfunc main() {}\n",
    "kv_test.go": "package kv\n\nimport \"testing\"\n\nfunc TestGet(t *testing.T) {}\n",
    "internal/store/testdata/fixture.go": "package fixture\n",
    "vendor/github.com/pkg/errors/errors.go": "package errors\n",
    "Makefile": "test:\n\tgo test ./...\n",
}


def test_a_javascript_repository_is_detected_and_its_tests_and_dependencies_left_out(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "js", JS_REPO)
    sources = read_sources(repo, commit)
    assert sources.languages == ["javascript"]  # one Python script among five sources is not a language
    assert [f.path for f in sources.files] == [
        "src/cart.js", "src/format.jsx", "src/index.mjs", "src/price.ts", "src/view.tsx"]
    assert {s.path: s.reason for s in sources.skipped} == {
        "src/cart.test.js": "test", "src/price.spec.ts": "test", "src/__tests__/view.js": "test",
        "test/cart.js": "test", "node_modules/left-pad/index.js": "vendored", "dist/bundle.js": "generated",
        "dist/bundle.min.js": "generated",
    }


def test_a_go_repository_is_detected_and_its_tests_testdata_and_vendor_left_out(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "go", GO_REPO)
    sources = read_sources(repo, commit)
    assert sources.languages == ["go"] and sources.extensions == (".go",)
    assert [f.path for f in sources.files] == ["cmd/kv/main.go", "internal/store/store.go", "kv.go"]
    assert {s.path: s.reason for s in sources.skipped} == {
        "kv_test.go": "test", "internal/store/testdata/fixture.go": "test",
        "vendor/github.com/pkg/errors/errors.go": "vendored",
    }


def test_languages_named_in_the_config_replace_detection_and_unknown_names_are_refused(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "js", JS_REPO)
    assert [f.path for f in read_sources(repo, commit, languages=["python"]).files] == ["scripts/release.py"]
    both = read_sources(repo, commit, languages=["javascript", "python"])
    assert "scripts/release.py" in [f.path for f in both.files] and len(both.files) == 6
    with pytest.raises(InputError, match="unknown language 'cobol'.*known: python, javascript, go"):
        read_sources(repo, commit, languages=["cobol"])


def test_a_python_repository_still_reads_its_python_files_only(tmp_path) -> None:
    repo, commit = make_repo(tmp_path / "py", {
        "pkg/core.py": "def f():\n    return 1\n", "pkg/static/admin.js": "var x = 1;\n",
        "pkg/a.py": "A = 1\n", "pkg/b.py": "B = 1\n", "pkg/c.py": "C = 1\n", "pkg/d.py": "D = 1\n",
        "tests/test_core.py": "def test(): pass\n", "pkg/core.pyi": "def f() -> int: ...\n",
    })
    sources = read_sources(repo, commit)
    assert sources.languages == ["python"] and sources.extensions == (".py",)  # stubs, as before, not read
    assert [f.path for f in sources.files] == ["pkg/a.py", "pkg/b.py", "pkg/c.py", "pkg/core.py", "pkg/d.py"]


def test_detection_counts_sources_not_tests_or_dependencies() -> None:
    paths = ["a.go", "b_test.go", "c_test.go", "vendor/x/y.js", "node_modules/z/index.js", "tools/gen.py"]
    assert detect_languages(paths) == ["python", "go"]  # a tie: the table's order
    assert detect_languages(["a.rs", "b.rs", "c.rs", "d.rs", "e.rs", "x.c", "y.c", "z.h"]) == ["rust", "c"]
    assert detect_languages(["a.rs", "b.rs", "c.rs", "d.rs", "e.rs", "x.c"]) == ["rust"]
    assert detect_languages(["README.md", "Makefile"]) == []


@pytest.mark.parametrize("path", [
    "pkg/server_test.go", "pkg/testdata/in.go", "src/a.test.js", "src/a.spec.tsx", "src/__tests__/a.js",
    "src/__mocks__/fs.js", "src/test/java/org/x/FooTest.java", "tests/integration.rs", "benches/speed.rs",
    "spec/models/user_spec.rb", "test/user_test.rb", "lib/user_spec.rb", "tests/Unit/FooTest.php",
    "src/FooTest.php", "tests/check.c", "test/parse.cc", "src/parser_unittest.cc",
])
def test_each_ecosystems_test_files_are_tests(path: str) -> None:
    assert is_test_path(path)


@pytest.mark.parametrize("path", [
    "pkg/server.go", "src/latest.js", "src/spec.js", "src/main/java/org/x/Foo.java", "src/lib.rs",
    "lib/user.rb", "src/Attest.php", "src/contest.c",
])
def test_each_ecosystems_sources_are_not_tests(path: str) -> None:
    assert not is_test_path(path)


BIG_JS = (
    "import { readFile } from 'node:fs';\n\n"
    "/** A cart of priced items. */\n"
    "export class Cart {\n"
    "  constructor(items) {\n    this.items = items;\n  }\n\n"
    "  total(tax) {\n" + "    const secretStep = 1;\n" * 200 + "    return 0;\n  }\n}\n\n"
    "export function load(path) {\n  return readFile(path, 'utf8').then((t) => {\n    return JSON.parse(t);\n  });\n}\n\n"
    "export const double = (x) => x * 2;\n"
)

BIG_GO = (
    "package kv\n\nimport (\n\t\"errors\"\n)\n\n"
    "// ErrMissing is returned for an absent key.\nvar ErrMissing = errors.New(\"missing\")\n\n"
    "// Store holds values.\ntype Store struct {\n\tm map[string]string\n}\n\n"
    "// Get returns the value of k.\nfunc (s *Store) Get(k string) (string, error) {\n"
    + "\tsecretStep := 1\n\t_ = secretStep\n" * 200
    + "\treturn s.m[k], nil\n}\n\nfunc New() *Store {\n\treturn &Store{m: map[string]string{}}\n}\n"
)


def test_a_javascript_skeleton_keeps_declarations_and_signatures_and_drops_bodies() -> None:
    assert skeleton_of("src/cart.js", BIG_JS) == (
        "import { readFile } from 'node:fs';\n\n"
        "/** A cart of priced items. */\n"
        "export class Cart {\n  constructor(items) { ... }\n\n  total(tax) { ... }\n}\n\n"
        "export function load(path) { ... }\n\n"
        "export const double = (x) => x * 2;\n"
    )


def test_a_go_skeleton_keeps_types_doc_comments_and_signatures_and_drops_bodies() -> None:
    assert skeleton_of("kv/store.go", BIG_GO) == (
        "package kv\n\nimport (\n\t\"errors\"\n)\n\n"
        "// ErrMissing is returned for an absent key.\nvar ErrMissing = errors.New(\"missing\")\n\n"
        "// Store holds values.\ntype Store struct {\n\tm map[string]string\n}\n\n"
        "// Get returns the value of k.\nfunc (s *Store) Get(k string) (string, error) { ... }\n\n"
        "func New() *Store { ... }\n"
    )


def test_ruby_bodies_are_elided_between_def_and_end_and_unknown_files_have_no_skeleton() -> None:
    ruby = "class User\n  def name(x)\n    x.upcase\n  end\nend\n"
    assert skeleton_of("lib/user.rb", ruby) == "class User\n  def name(x)\n    ...\n  end\nend\n"
    assert skeleton_of("notes.txt", "words") is None


def words(text: str) -> int:
    return len(text.split())


def test_an_oversized_go_file_is_packed_as_its_skeleton_and_a_file_without_grammar_is_left_out() -> None:
    packed, left_out = pack(["store.go", "data.txt"], {"store.go": BIG_GO, "data.txt": "w " * 900}, 80, words)
    assert [(f.path, f.form) for f in packed] == [("store.go", "skeleton")]
    assert "func (s *Store) Get(k string) (string, error) { ... }" in packed[0].text
    assert "secretStep" not in packed[0].text
    assert left_out == [{"path": "data.txt", "reason": "larger than the budget", "tokens": 903}]


@pytest.mark.parametrize("path, good, broken", [
    ("kv.go", "package kv\n\nfunc Get(k string) string {\n\treturn k\n}\n",
     "package kv\n\nfunc Get(k string) string {\n\treturn k\n"),
    ("src/cart.js", "export function total(items) {\n  return items.length;\n}\n",
     "export function total(items) {\n  return items.length;\n"),
    ("src/price.ts", "export const f = (p: number): number => p;\n", "export const f = (p: number): => p;\n"),
    ("A.java", "class A { int m() { return 1; } }\n", "class A { int m() { return 1; }\n"),
    ("src/lib.rs", "fn f() -> i32 { 1 }\n", "fn f() -> i32 { 1\n"),
    ("lib/user.rb", "def f\n  1\nend\n", "def f\n  1\n"),
])
def test_the_syntax_gate_refuses_a_broken_edit_and_accepts_a_good_one(path, good, broken) -> None:
    assert edit_syntax_check(path, good, good + "\n") == ([], None)
    problems, notice = edit_syntax_check(path, good, broken)
    assert problems and problems[0].startswith(f"{path}:") and notice is None


def test_the_syntax_gate_says_when_it_has_no_grammar_or_cannot_trust_it() -> None:
    assert syntax_errors("notes.md", "# {{{") is None
    assert edit_syntax_check("notes.md", "a\n", "b {\n") == ([], "notes.md was not syntax-checked: no grammar for .md.")
    already_broken = "int f( { return 1; }\n"  # e.g. a macro dialect the C grammar does not read
    problems, notice = edit_syntax_check("src/x.c", already_broken, already_broken + "int g(;\n")
    assert problems == [] and "the c grammar already finds errors in it before your edit" in notice
    # Python's grammar is trusted as before: an edit leaving errors is refused even in a broken file.
    assert edit_syntax_check("m.py", "def f(:\n", "def f(:\n    pass\n")[0]


def test_the_editing_machine_refuses_a_broken_go_edit_and_applies_a_good_one(tmp_path) -> None:
    sandbox = LocalDirSandbox(make_sandbox_repo(tmp_path / "repo", {
        "kv.go": "package kv\n\nfunc Get(k string) string {\n\treturn \"\"\n}\n", "docs/usage.txt": "kv\n",
    }))
    task = EditingTask("Get loses the key", "import sys\nsys.exit(0)\n", "c")
    edit = "```go\nkv.go\n<<<<<<< SEARCH\n\treturn \"\"\n=======\n{}\n>>>>>>> REPLACE\n```\n"
    step = task.observe(edit.format("\treturn k\n}\n}"), sandbox)
    assert "kv.go:" in step.outputs["rejected"] and task.patch == ""
    step = task.observe(edit.format("\treturn k"), sandbox)
    assert "rejected" not in step.outputs and "+\treturn k" in task.patch
    usage = "```\ndocs/usage.txt\n<<<<<<< SEARCH\nkv\n=======\nkv store\n>>>>>>> REPLACE\n```\n"
    step = task.observe(usage, sandbox)
    assert "docs/usage.txt was not syntax-checked: no grammar for .txt." in step.outputs["notes"]


def test_the_context_stage_reads_a_go_repository_and_records_its_language(tmp_path) -> None:
    from tests.agent.test_context_stage import replay, run, small_instance

    repo, commit = make_repo(tmp_path / "go", GO_REPO)
    model = replay(tmp_path, [
        {"stage": "relevance", "match": 'path="kv\\.go"', "reply": "VERDICT: RELEVANT\nSUMMARY: defines Get"},
        {"stage": "relevance", "reply": "VERDICT: NOT RELEVANT", "repeat": True},
        {"stage": "ranking", "reply": "```\nkv.go\n```", "repeat": True},
    ])
    out = tmp_path / "context.json"
    result = run(small_instance(commit, "Get returns the key"), repo, model, out)
    record = json.loads(out.read_text())
    assert result.status == "done" and [f.path for f in result.packed] == ["kv.go"]
    assert record["files"]["languages"] == ["go"] and record["files"]["read"] == 3
    assert sorted(record["relevance"]) == ["cmd/kv/main.go", "internal/store/store.go", "kv.go"]
