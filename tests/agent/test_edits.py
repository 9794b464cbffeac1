import subprocess

import pytest

from agent.edit_parsing import parse_edits
from agent.edits import Edit, EditError, apply_edit, apply_edits, unified_patch
from tests.agent.fakes import make_repo

REPLY = """I will fix it.

```python
pkg/mod.py
<<<<<<< SEARCH
def f():
    return 1
=======
def f():
    return 2
>>>>>>> REPLACE
```

and add a file

pkg/new.py
```
<<<<<<< SEARCH
=======
X = 1
>>>>>>> REPLACE
```
"""


def test_parses_path_inside_and_before_the_fence():
    edits = parse_edits(REPLY)
    assert edits == [
        Edit("pkg/mod.py", "def f():\n    return 1\n", "def f():\n    return 2\n"),
        Edit("pkg/new.py", "", "X = 1\n"),
    ]


def test_block_without_path_or_end_is_an_error():
    with pytest.raises(EditError, match="no file path"):
        parse_edits("```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```")
    with pytest.raises(EditError, match="lacks"):
        parse_edits("```\na.py\n<<<<<<< SEARCH\na\n=======\nb\n```")


def test_unique_match_is_replaced():
    assert apply_edit("a\nb\nc\n", Edit("x.py", "b\n", "B\n")) == "a\nB\nc\n"


def test_absent_search_names_the_closest_lines():
    content = "def f():\n    return 1\n\n\ndef g():\n    return 22\n"
    with pytest.raises(EditError) as err:
        apply_edit(content, Edit("x.py", "def g():\n  return 22\n", "y\n"))
    assert "not found in x.py" in str(err.value)
    assert "lines 5-6" in str(err.value)
    assert "    return 22" in str(err.value)


def test_ambiguous_search_gives_count_and_lines():
    with pytest.raises(EditError, match=r"matches 2 places in x.py \(starting at lines 1, 3\)"):
        apply_edit("x = 1\ny\nx = 1\n", Edit("x.py", "x = 1\n", "x = 2\n"))


def test_empty_search_creates_only_new_files():
    assert apply_edit(None, Edit("n.py", "", "a\n")) == "a\n"
    with pytest.raises(EditError, match="already exists"):
        apply_edit("old\n", Edit("n.py", "", "a\n"))
    with pytest.raises(EditError, match="does not exist"):
        apply_edit(None, Edit("n.py", "a\n", "b\n"))


def test_edits_apply_in_order_on_top_of_each_other():
    out = apply_edits({"a.py": "1\n"}, [Edit("a.py", "1\n", "2\n"), Edit("a.py", "2\n", "3\n")])
    assert out == {"a.py": "3\n"}


def test_patch_applies_with_git_apply_to_a_clean_checkout(tmp_path):
    files = {"pkg/mod.py": "def f():\n    return 1\n", "pkg/tail.py": "x = 1"}
    repo = make_repo(tmp_path / "repo", files)
    edited = apply_edits(dict(files), parse_edits(REPLY) + [Edit("pkg/tail.py", "x = 1\n", "x = 2\n")])
    original = {**files, "pkg/new.py": None}
    patch = unified_patch(original, edited)
    assert patch.endswith("\n") and "new file mode" in patch
    subprocess.run(["git", "apply", "-"], input=patch.encode(), cwd=repo, check=True)
    assert (repo / "pkg/mod.py").read_text() == "def f():\n    return 2\n"
    assert (repo / "pkg/new.py").read_text() == "X = 1\n"
    assert (repo / "pkg/tail.py").read_text() == "x = 2"  # still without a final newline


def test_no_change_means_empty_patch():
    assert unified_patch({"a.py": "1\n"}, {"a.py": "1\n"}) == ""
