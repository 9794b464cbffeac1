"""Whole-line SEARCH matching, its tolerances, line endings, and reading edit blocks and paths
(pure functions, literals)."""

import pytest

from agent.edit_parsing import parse_edits
from agent.edit_paths import resolve_path
from agent.edits import Edit, EditError, apply_edit, apply_edit_noted

CONFIG = "max_retries = 1\nretries_log = True\n"


def test_search_never_matches_a_substring_inside_a_line():
    with pytest.raises(EditError, match="not found in c.py"):
        apply_edit(CONFIG, Edit("c.py", "retries = 1\n", "retries = 5\n"))
    assert apply_edit(CONFIG, Edit("c.py", "max_retries = 1\n", "max_retries = 5\n")).startswith("max_retries = 5\n")


def test_uniform_indentation_drift_is_applied_and_reported():
    code = "class A:\n    def f(self):\n        return 1\n"
    under = Edit("m.py", "def f(self):\n    return 1\n", "def f(self):\n    return 2\n")
    text, note = apply_edit_noted(code, under)
    assert text == "class A:\n    def f(self):\n        return 2\n" and "indented 4 spaces less" in note
    over = Edit("m.py", "      def f(self):\n          return 1\n", "      def f(self):\n          return 3\n")
    text, note = apply_edit_noted(code, over)
    assert text.endswith("        return 3\n") and "indented 2 spaces more" in note


def test_trailing_whitespace_is_ignored_and_reported():
    text, note = apply_edit_noted("a = 1   \nb = 2\n", Edit("m.py", "a = 1\nb = 2  \n", "a = 9\nb = 2\n"))
    assert text == "a = 9\nb = 2\n" and "trailing whitespace" in note


def test_non_uniform_drift_and_ambiguous_tolerant_matches_are_errors():
    with pytest.raises(EditError, match="not found"):
        apply_edit("def g():\n    return 22\n", Edit("x.py", "def g():\n  return 22\n", "y\n"))
    with pytest.raises(EditError, match="2 places in x.py when indentation"):
        apply_edit("if a:\n    x = 1\nif b:\n        x = 1\n", Edit("x.py", "  x = 1\n", "  x = 2\n"))


def test_unindenting_replace_lines_that_lack_the_prefix_is_refused():
    with pytest.raises(EditError, match="cannot be shifted"):
        apply_edit("x = 1\n", Edit("m.py", "    x = 1\n", "    x = 2\ny = 3\n"))


def test_crlf_file_keeps_crlf_and_a_missing_final_newline_stays_missing():
    crlf = "a = 1\r\nb = 2\r\nc = 3\r\n"
    assert apply_edit(crlf, Edit("w.py", "b = 2\n", "b = 20\nb2 = 21\n")) == "a = 1\r\nb = 20\r\nb2 = 21\r\nc = 3\r\n"
    assert apply_edit("x = 1\ny = 2", Edit("w.py", "y = 2\n", "y = 3\n")) == "x = 1\ny = 3"


def test_a_divider_inside_a_docstring_is_resolved_by_which_split_matches():
    code = 'def f():\n    """Title\n    =======\n    """\n    return 1\n'
    reply = ("```python\nm.py\n<<<<<<< SEARCH\n    \"\"\"Title\n    =======\n    \"\"\"\n    return 1\n=======\n"
             "    \"\"\"Title\n    =======\n    \"\"\"\n    return 2\n>>>>>>> REPLACE\n```")
    [edit] = parse_edits(reply)
    assert len(edit.splits) == 2
    assert apply_edit(code, edit).endswith("    return 2\n")


@pytest.mark.parametrize("reply, path", [
    ("```python\npkg/m.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("```python pkg/m.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("```python:pkg/m.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("**`pkg/m.py`**\n```python\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("File: pkg/m.py\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("```\n<<<<<<< SEARCH pkg/m.py\na\n=======\nb\n>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("```python\n# ./pkg/m.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```", "./pkg/m.py"),
    ("```diff\na/pkg/m.py\n<<<<< SEARCH\na\n=====\nb\n>>>>> REPLACE\n```", "a/pkg/m.py"),
    ("```\npkg/m.py\n<<<<<<<<< SEARCH\na\n=========\nb\n>>>>>>>>> REPLACE\n```", "pkg/m.py"),
    ("```python\r\npkg/m.py\r\n<<<<<<< SEARCH\r\na\r\n=======\r\nb\r\n>>>>>>> REPLACE\r\n```\r\n", "pkg/m.py"),
])
def test_the_path_is_read_wherever_models_put_it(reply, path):
    assert parse_edits(reply) == [Edit(path, "a\n", "b\n")]


def test_two_blocks_in_one_fence_share_the_path_and_two_paths_for_one_block_are_an_error():
    shared = "```python\npkg/m.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE\n```"
    assert [e.path for e in parse_edits(shared)] == ["pkg/m.py", "pkg/m.py"]
    with pytest.raises(EditError, match="names 2 different files"):
        parse_edits("```python pkg/a.py\npkg/b.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```")
    with pytest.raises(EditError, match="lacks its ======= line"):
        parse_edits("```\npkg/m.py\n<<<<<<< SEARCH\na\n>>>>>>> REPLACE\n```")


REPO = {"pkg/m.py": "file", "pkg": "dir", "a": None, "/": "dir"}


def lookup(path):
    return REPO.get(path)


@pytest.mark.parametrize("raw, resolved", [
    ("pkg/m.py", "pkg/m.py"), ("./pkg/m.py", "pkg/m.py"), ("a/pkg/m.py", "pkg/m.py"), ("b/pkg/m.py", "pkg/m.py"),
    ("/testbed/pkg/m.py", "pkg/m.py"), ("/home/me/project/pkg/m.py", "pkg/m.py"), ("pkg/new.py", "pkg/new.py"),
    ("pkg//./m.py", "pkg/m.py"), ("/testbed/pkg/brand_new.py", "pkg/brand_new.py"),
])
def test_paths_resolve_against_the_repository(raw, resolved):
    assert resolve_path(raw, lookup) == resolved


@pytest.mark.parametrize("raw, problem", [
    ("a/pkg/new.py", "looks like a diff prefix"),
    ("../etc/passwd", "outside the repository"),
    (".git/config", "inside .git/"),
    ("pkg/.GIT/hooks/pre-commit", "inside .git/"),
    ("/testbed/.git/config", "inside .git/"),
    ("/etc/passwd", "names no file of the repository"),
    ("pkg", "is a directory"),
])
def test_unsafe_or_unresolvable_paths_are_refused(raw, problem):
    with pytest.raises(EditError, match=problem):
        resolve_path(raw, lookup)


def test_a_real_top_level_directory_named_a_is_kept():
    assert resolve_path("a/new.py", {"a": "dir"}.get) == "a/new.py"
